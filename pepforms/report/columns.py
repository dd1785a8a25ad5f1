"""The export's sheets and columns, worked out once from the form models of the forms exported.

Both renderings (xlsx and the CSV folder) read these sheets; a `--fields` mapping picks and renames
their columns for a case system's import. A column is named by a JSON pointer for an answer
(`/attendance/percentage`, `/targets/*/area` in a table) or by a plain name for what pepforms
adds (`form_id`, `verdict`, `quality_grade`, …).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pepforms import pointers
from pepforms.errors import PepformsError
from pepforms.report.answers import AnsweredForm
from pepforms.schema import FormModel, all_forms, form_model

# The core vocabulary's scalar answers (DESIGN.md), in its order; its arrays are table sheets.
CORE_SCALARS = (
    "/child/child_id", "/child/first_name", "/child/last_name", "/child/date_of_birth",
    "/child/upn", "/child/year_group", "/pep/term", "/pep/meeting_date",
    "/pep/next_meeting_date", "/attendance/percentage", "/attendance/explanation",
    "/attendance/strategies", "/voice/views", "/meeting/summary", "/meeting/actions",
)

# Kinds of cell: a field's kind (schema.Field.kind) or one of these for what pepforms adds.
TEXT, DATE, BOOLEAN, INTEGER, NUMBER = "text", "date", "checkbox", "integer", "number"


Row = tuple[AnsweredForm, Mapping[str, Any] | None]  # a form, and the table item (if any)


@dataclass(frozen=True)
class Column:
    name: str  # the JSON pointer, or a plain name for what pepforms adds
    label: str  # as the form shows it; or the case system's name (--fields)
    kind: str  # text | multiline | date | choice | checkbox | number | integer | percentage | money
    value: Callable[[AnsweredForm, Mapping[str, Any] | None], Any]  # (form, table item) -> value
    cell_kind: Callable[[AnsweredForm], str] | None = None  # per form, when forms differ


@dataclass(frozen=True)
class Sheet:
    name: str  # the sheet's (and CSV file's) name
    title: str  # what it holds, for the README
    pointer: str  # the table's pointer; "" for the forms sheet
    columns: tuple[Column, ...]
    # Rows made some other way than from the forms' answers (the comparison with last term).
    source: Callable[[Sequence[AnsweredForm]], list[Row]] | None = None

    def rows(self, forms: Sequence[AnsweredForm]) -> list[Row]:
        if self.source is not None:
            return self.source(forms)
        if not self.pointer:
            return [(f, None) for f in forms]
        out: list[Row] = []
        for form in forms:
            items = pointers.get(form.instance, self.pointer)
            for index, item in enumerate(items if isinstance(items, list) else []):
                out.append((form, {**item, "#row": index + 1} if isinstance(item, dict) else
                            {"#row": index + 1}))
        return out

    def kind_of(self, column: Column, form: AnsweredForm) -> str:
        return column.cell_kind(form) if column.cell_kind else column.kind


def _model(form: AnsweredForm) -> FormModel | None:
    try:
        return form_model(form.authority, form.phase)
    except Exception:  # a form of an authority or phase pepforms no longer has: text cells
        return None


def _field_kind(pointer: str) -> Callable[[AnsweredForm], str]:
    def kind(form: AnsweredForm) -> str:
        model = _model(form)
        f = model.field_map.get(pointer) if model else None
        return f.kind if f else TEXT
    return kind


def _answer(pointer: str) -> Callable[[AnsweredForm, Mapping[str, Any] | None], Any]:
    def value(form: AnsweredForm, _item: Mapping[str, Any] | None) -> Any:
        # Only where this form has the field: a pointer that is one form's answer can be
        # another's group of answers (/strengths_needs/wellbeing).
        model = _model(form)
        if model is None or pointer not in model.field_map:
            return None
        return pointers.get(form.instance, pointer)
    return value


def _cell(key: str) -> Callable[[AnsweredForm, Mapping[str, Any] | None], Any]:
    return lambda _form, item: (item or {}).get(key)


def _meta(name: str, label: str, kind: str,
          get: Callable[[AnsweredForm], Any]) -> Column:
    return Column(name, label, kind, lambda form, _item: get(form))


FORM_ID = _meta("form_id", "Form id", TEXT, lambda f: f.form_id or None)
ROW = Column("row", "Row", INTEGER, lambda _f, item: (item or {}).get("#row"))

HEAD_META = (
    FORM_ID,
    _meta("authority", "Authority", TEXT, lambda f: f.authority or None),
    _meta("phase", "Form", TEXT, lambda f: f.phase or None),
)
TAIL_META = (
    _meta("received", "Received", DATE,
          lambda f: f.received.isoformat() if f.received else None),
    _meta("verdict", "Verdict (pass or fail)", TEXT, lambda f: f.status),
    _meta("errors", "Errors", INTEGER, lambda f: len(f.errors)),
    _meta("warnings", "Warnings", INTEGER, lambda f: len(f.findings) - len(f.errors)),
    _meta("passed_first_time", "Passed first time", BOOLEAN, lambda f: f.first_time_pass),
    _meta("quality_framework", "QA framework", TEXT,
          lambda f: f.quality.framework if f.quality else None),
    _meta("quality_grade", "Quality grade (indicative)", TEXT, lambda f: f.grade),
)


def _models(forms: Iterable[AnsweredForm]) -> list[FormModel]:
    keys = sorted({(f.authority, f.phase) for f in forms})
    return [m for m in (_model_of(a, p) for a, p in keys) if m is not None]


def _model_of(authority: str, phase: str) -> FormModel | None:
    try:
        return form_model(authority, phase)
    except Exception:
        return None


def _part_column(part_id: str, title: str) -> Column:
    def grade(form: AnsweredForm) -> Any:
        parts = form.quality.parts if form.quality else ()
        return next((p.grade for p in parts if p.id == part_id), None)
    return _meta(f"quality/{part_id}", f"Quality: {title}", TEXT, grade)


def forms_sheet(forms: Sequence[AnsweredForm]) -> Sheet:
    """One row per form: identity, the core vocabulary, every other answer, then the verdict."""
    models = _models(forms)
    labels: dict[str, str] = {}
    for model in models:
        for f in model.fields():
            labels.setdefault(f.pointer, f.display_label)
    order = [p for p in CORE_SCALARS] + [p for p in labels if p not in CORE_SCALARS]
    answers = [Column(p, labels.get(p, p), TEXT, _answer(p), _field_kind(p)) for p in order]
    parts: dict[str, str] = {}
    for form in forms:
        for part in (form.quality.parts if form.quality else ()):
            parts.setdefault(part.id, part.title)
    quality = [_part_column(pid, title) for pid, title in parts.items()]
    return Sheet("forms", "One row per form: its answers, then how it was judged", "",
                 (*HEAD_META, *answers, *TAIL_META, *quality))


def sheet_name(pointer: str) -> str:
    """A table's sheet (and CSV file) name: its pointer's steps joined, at most 31 characters."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", pointer.strip("/").replace("/", "_"))
    return name[:31] or "table"


def table_sheets(forms: Sequence[AnsweredForm]) -> list[Sheet]:
    """One sheet per repeating table in any exported form, keyed by form id and row number."""
    tables: dict[str, tuple[str, dict[str, Column]]] = {}
    for model in _models(forms):
        for table in model.tables():
            label, columns = tables.setdefault(table.pointer, (table.label, {}))
            for col in table.columns:
                columns.setdefault(col.pointer, Column(col.pointer, col.label, col.kind,
                                                       _cell(col.key), _field_kind(col.pointer)))
    sheets = []
    used: set[str] = {"forms"}
    for pointer, (label, columns) in tables.items():
        name = sheet_name(pointer)
        while name in used:
            name = name[:29] + f"_{len(used)}"
        used.add(name)
        sheets.append(Sheet(name, f"{label}: one row per row of the table in each form",
                            pointer, (FORM_ID, ROW, *columns.values())))
    return sheets


def export_sheets(forms: Sequence[AnsweredForm]) -> list[Sheet]:
    return [forms_sheet(forms), *table_sheets(forms)]


# --------------------------------------------------------------------------------------------
# --fields: pick and rename columns for a case system's import


@dataclass(frozen=True)
class FieldMap:
    """Which columns to export, in order, and the name each gets in the import file."""

    entries: tuple[tuple[str, str], ...]  # (column name or pointer, heading)
    description: str = ""


def _framework_parts() -> dict[str, str]:
    from pepforms.schema import authority_ids, load_authority

    out: dict[str, str] = {}
    for authority_id in authority_ids():
        framework = load_authority(authority_id).qa_framework
        for part in (*framework.get("sections", ()), *framework.get("items", ())):
            out.setdefault(part["id"], part.get("title", part["id"]))
    return out


def column_for(name: str) -> Column | None:
    """The column a mapping names, whether or not any exported form has it (an import file
    keeps its layout); None when no bundled form could ever have it."""
    meta = {c.name: c for c in (*HEAD_META, *TAIL_META, ROW)}
    if name in meta:
        return meta[name]
    if name.startswith("quality/"):
        parts = _framework_parts()
        part_id = name.removeprefix("quality/")
        return _part_column(part_id, parts[part_id]) if part_id in parts else None
    for authority, phase in all_forms():
        f = form_model(authority, phase).field_map.get(name)
        if f is None:
            continue
        if "*" in name:
            return Column(name, f.label, f.kind, _cell(f.key), _field_kind(name))
        return Column(name, f.display_label, f.kind, _answer(name), _field_kind(name))
    return None


def known_names() -> set[str]:
    """Every column name any bundled form can have (for "did you mean")."""
    names = {c.name for c in (*HEAD_META, *TAIL_META, ROW)}
    names |= {f"quality/{part}" for part in _framework_parts()}
    for authority, phase in all_forms():
        names |= set(form_model(authority, phase).field_map)
    return names


def _parse_map(path: Path) -> tuple[list[tuple[str, str]], str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PepformsError(f"The fields file {path} cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise PepformsError(f"The fields file {path} is not UTF-8 text.") from None
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PepformsError(f"The fields file {path} is not valid JSON (line {exc.lineno}: "
                                f"{exc.msg}).") from None
        columns = raw.get("columns") if isinstance(raw, dict) else None
        if not isinstance(columns, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise PepformsError(f"The fields file {path} must be a JSON object with \"columns\": "
                                '{"pepforms column": "your heading", ...}.')
        return list(columns.items()), str(raw.get("description", ""))
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [h.strip().lower() for h in rows[0][:2]] != ["from", "to"]:
        raise PepformsError(f"The fields file {path} must be a CSV with the headings from,to.")
    pairs = [(r[0].strip(), r[1].strip()) for r in rows[1:] if len(r) >= 2 and r[0].strip()]
    return pairs, ""


def read_field_map(path: Path) -> FieldMap:
    """A `--fields` file (JSON `{"columns": {from: to}}` or CSV `from,to`), checked: every name
    must be a column pepforms can export, and every heading used once."""
    pairs, description = _parse_map(path)
    if not pairs:
        raise PepformsError(f"The fields file {path} names no columns.")
    for name, heading in pairs:
        if column_for(name) is None:
            import difflib

            close = difflib.get_close_matches(name, sorted(known_names()), n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise PepformsError(f"The fields file {path} names '{name}', which is not a column "
                                f"pepforms exports.{hint}")
        if not heading:
            raise PepformsError(f"The fields file {path} gives no heading for '{name}'.")
    headings = [h for _, h in pairs]
    repeated = sorted({h for h in headings if headings.count(h) > 1})
    if repeated:
        raise PepformsError(f"The fields file {path} uses the heading '{repeated[0]}' twice.")
    return FieldMap(tuple(pairs), description)


def _table_of(name: str) -> str:
    return name.split("/*/", 1)[0] if "/*/" in name else ""


def mapped_sheets(mapping: FieldMap) -> list[Sheet]:
    """The sheets an import file gets: the mapped columns, renamed, in the mapping's order, and
    every one of them whether or not the forms exported have it. The forms sheet holds the
    form-level columns; each table with a mapped column gets its own sheet, keyed by the form id
    and row (renamed if the mapping names them)."""
    headings = dict(mapping.entries)
    key_names = ("form_id", "row")
    by_sheet: dict[str, list[Column]] = {"": []}
    for name, heading in mapping.entries:
        column = column_for(name)
        assert column is not None  # read_field_map checked every name
        if name == "row":
            continue
        by_sheet.setdefault(_table_of(name), []).append(replace(column, label=heading))
    sheets = []
    if by_sheet[""] or len(by_sheet) == 1:
        sheets.append(Sheet("forms", "One row per form", "", tuple(by_sheet[""])))
    for pointer, columns in by_sheet.items():
        if not pointer:
            continue
        keys = tuple(replace(k, label=headings.get(k.name, k.label))
                     for k in (FORM_ID, ROW) if k.name in key_names)
        sheets.append(Sheet(sheet_name(pointer), f"{pointer}: one row per row of the table",
                            pointer, (*keys, *columns)))
    return sheets
