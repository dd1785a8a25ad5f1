"""The answers export: an xlsx workbook (openpyxl) or a folder of CSV files, for a case-system
import or a spreadsheet.

Sheets (or CSV files): `forms` (one row per form), one per repeating table keyed by form id and
row number, and this term against last term. Without `--fields` each sheet has two header rows:
the label as the form shows it, then the column's JSON pointer (or pepforms' name for what it
adds); with `--fields`, one header row of the import's own headings. Cells are typed in the
workbook (dates are dates, money is currency); every CSV goes through the one safe writer.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pepforms.report.answers import AnsweredForm, AnswerSet
from pepforms.report.columns import (
    BOOLEAN,
    FORM_ID,
    NUMBER,
    TEXT,
    Column,
    FieldMap,
    Row,
    Sheet,
    export_sheets,
    mapped_sheets,
    read_field_map,
)
from pepforms.report.compare import compare_terms
from pepforms.report.csvfile import csv_bytes

SENSITIVE = ("OFFICIAL-SENSITIVE: personal information about children in care. Keep it on the "
             "authority's systems.")
XLSX_CELL_LIMIT = 32767  # Excel's longest cell
NUMERIC = {"number", "integer", "percentage", "money"}
FORMATS = {"date": "DD/MM/YYYY", "money": '"£"#,##0.00', "percentage": '0.0"%"',
           "integer": "0"}
KIND_WORDS = {
    "text": "text", "multiline": "text", "choice": "text (the choice's value)",
    "date": "date", "checkbox": "TRUE or FALSE", "integer": "whole number",
    "number": "number", "percentage": "percentage (a number from 0 to 100)",
    "money": "amount in pounds",
}


# ---- cells ---------------------------------------------------------------------------------


def typed(kind: str, value: Any) -> Any:
    """A value as its cell holds it: a date for a date, a number for a number."""
    if value is None:
        return None
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # not a date after all: kept as the text it is
    if kind in NUMERIC | {"checkbox"}:
        return value
    return value if isinstance(value, (int, float, bool)) else str(value)


def csv_text(kind: str, value: Any) -> object:
    """A value as a CSV cell: ISO dates, TRUE/FALSE, numbers as numbers, money without £."""
    value = typed(kind, value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and kind in ("money", "integer"):
        return int(value)
    return value


# ---- this term against last term -----------------------------------------------------------


def comparison_sheets(pool: Sequence[AnsweredForm]) -> list[Sheet]:
    """Each exported form against its child's form of the term before (from `pool`)."""

    def per_form(forms: Sequence[AnsweredForm]) -> list[Row]:
        return [(c.form, {
            "last_term": c.last_term, "last_form_id": c.last.form_id if c.last else None,
            "now": c.attendance_now, "last": c.attendance_last,
            "change": c.attendance_change, "trend": c.trend,
            "reviewed": len(c.carried),
            **{f"rated:{k}": v for k, v in c.ratings().items()},
            "from_last": sum(1 for t in c.carried if t.from_last_term)
            if c.last is not None else None,
        }) for c in compare_terms(forms, pool)]

    def per_subject(forms: Sequence[AnsweredForm]) -> list[Row]:
        return [(c.form, {"row": i + 1, "name": a.name, "now": a.now, "last": a.last})
                for c in compare_terms(forms, pool) for i, a in enumerate(c.attainment)]

    def per_target(forms: Sequence[AnsweredForm]) -> list[Row]:
        return [(c.form, {"row": i + 1, "target": t.target, "rating": t.rating,
                          "from_last": t.from_last_term})
                for c in compare_terms(forms, pool) for i, t in enumerate(c.carried)]

    def col(name: str, label: str, kind: str, key: str) -> Column:
        return Column(name, label, kind, lambda _f, item: (item or {}).get(key))

    child = Column("/child/child_id", "Child id", TEXT,
                   lambda f, _i: f.child_id or None)
    ratings = ("Achieved", "Partly achieved", "Not achieved", "Carried forward", "Not rated")
    return [
        Sheet("compared_with_last_term", "This term against last term: attendance and the "
              "targets carried forward, one row per form", "", (
                  FORM_ID, child,
                  col("last_term", "Last term", TEXT, "last_term"),
                  col("last_form_id", "Last term's form id", TEXT, "last_form_id"),
                  col("attendance_now", "Attendance now (%)", "percentage", "now"),
                  col("attendance_last_term", "Attendance last term (%)", "percentage", "last"),
                  col("attendance_change", "Change (percentage points)", NUMBER, "change"),
                  col("attendance_trend", "Trend", TEXT, "trend"),
                  col("targets_reviewed", "Targets reviewed", "integer", "reviewed"),
                  *(col(f"rated/{r.lower().replace(' ', '_')}", f"Rated: {r}", "integer",
                        f"rated:{r}") for r in ratings),
                  col("from_last_term", "Of them, set last term", "integer", "from_last")),
              per_form),
        Sheet("attainment_compared", "Attainment now and last term, one row per subject or area",
              "", (FORM_ID, child, col("row", "Row", "integer", "row"),
                   col("subject", "Subject or area", TEXT, "name"),
                   col("now", "This term", TEXT, "now"),
                   col("last_term", "Last term", TEXT, "last")), per_subject),
        Sheet("targets_carried_forward", "The targets reviewed this term, how each was rated, "
              "and whether it was set last term", "",
              (FORM_ID, child, col("row", "Row", "integer", "row"),
               col("target", "Target", TEXT, "target"), col("rating", "Rating", TEXT, "rating"),
               col("from_last_term", "Set last term", BOOLEAN, "from_last")), per_target),
    ]


# ---- the workbook --------------------------------------------------------------------------


def _sheet_rows(sheet: Sheet, forms: Sequence[AnsweredForm]) -> list[list[tuple[str, Any]]]:
    """(kind, value) for every cell of every data row."""
    out = []
    for form, item in sheet.rows(forms):
        out.append([(sheet.kind_of(c, form), c.value(form, item)) for c in sheet.columns])
    return out


def _xlsx_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters cannot be stored in a workbook; the reader never keeps them anyway.
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:XLSX_CELL_LIMIT]


def _write_sheet(ws: Any, sheet: Sheet, forms: Sequence[AnsweredForm], two_headers: bool) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True)
    ws.append([c.label for c in sheet.columns])
    for cell in ws[1]:
        cell.font = header_font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if two_headers:
        ws.append([c.name for c in sheet.columns])
        for cell in ws[2]:
            cell.font = Font(italic=True, color="505A5F")
    first = ws.max_row + 1
    for r, row in enumerate(_sheet_rows(sheet, forms), start=first):
        for c, (kind, value) in enumerate(row, start=1):
            value = typed(kind, value)
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = _xlsx_text(value)
                cell.data_type = "s"  # text, never a formula, whatever it begins with
            else:
                cell.value = value
                if kind in FORMATS and value is not None and not isinstance(value, bool):
                    cell.number_format = FORMATS[kind]
    for c, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(len(column.label), 10), 40)
    header_rows = 2 if two_headers else 1
    ws.freeze_panes = ws.cell(row=header_rows + 1, column=1)
    last = get_column_letter(max(len(sheet.columns), 1))
    ws.auto_filter.ref = f"A{header_rows}:{last}{max(ws.max_row, header_rows)}"


def _about_rows(sheets: Sequence[Sheet], notes: Sequence[str]) -> list[list[str]]:
    rows = [[SENSITIVE], *([n] for n in notes), [],
            ["Sheet", "Heading", "Column (pointer or name)", "Holds"]]
    for sheet in sheets:
        rows.append([sheet.name, sheet.title, "", ""])
        rows += [["", c.label, c.name, KIND_WORDS.get(c.kind, c.kind)] for c in sheet.columns]
    return rows


def workbook_bytes(sheets: Sequence[Sheet], forms: Sequence[AnsweredForm], *,
                   two_headers: bool = True, notes: Sequence[str] = ()) -> bytes:
    """The export as an xlsx workbook: a sheet per Sheet, then `about` naming every column."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet, forms, two_headers)
    about = wb.create_sheet("about")
    for row in _about_rows(sheets, notes):
        about.append([_xlsx_text(v) for v in row])
        for cell in about[about.max_row]:
            cell.data_type = "s"
    wb.properties.title = "PEP answers"
    wb.properties.subject = "OFFICIAL-SENSITIVE"
    wb.properties.creator = "pepforms"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- the CSV folder ------------------------------------------------------------------------


CSV_NOTES = """Each file is UTF-8 (with a byte-order mark, so Excel opens it as UTF-8), comma-separated.
{headers}
Dates are written year first (2027-01-20); ticked boxes TRUE or FALSE; amounts in pounds without
the £ sign; percentages as numbers from 0 to 100; a choice as its value (e.g. partly-achieved).
A text cell that begins with = + - @ (or a tab or carriage return) has an apostrophe put in
front of it, so that a spreadsheet shows it as text and never runs it as a formula: take the
apostrophe off when importing.
"""


def csv_readme(sheets: Sequence[Sheet], two_headers: bool, notes: Sequence[str]) -> str:
    headers = ("The first row holds each column's heading as the form shows it, the second its "
               "JSON pointer\n(or pepforms' name for what it adds); the data starts on the third "
               "row." if two_headers else "The first row holds the headings; the data starts on "
               "the second row.")
    lines = ["PEP answers exported by pepforms", "", SENSITIVE, "", *notes, "",
             CSV_NOTES.format(headers=headers)]
    for sheet in sheets:
        lines += [f"{sheet.name}.csv: {sheet.title}", ""]
        width = min(max(len(c.name) for c in sheet.columns), 40)
        for c in sheet.columns:
            lines.append(f"  {c.name:<{width}}  {c.label} ({KIND_WORDS.get(c.kind, c.kind)})")
        lines.append("")
    return "\n".join(lines).replace("\n", "\r\n")


def csv_files(sheets: Sequence[Sheet], forms: Sequence[AnsweredForm], *,
              two_headers: bool = True, notes: Sequence[str] = ()) -> dict[str, bytes]:
    """File name -> bytes: a CSV per Sheet, and README.txt naming the columns."""
    out = {}
    for sheet in sheets:
        rows: list[Sequence[object]] = [[c.name for c in sheet.columns]] if two_headers else []
        rows += [[csv_text(kind, value) for kind, value in row]
                 for row in _sheet_rows(sheet, forms)]
        out[f"{sheet.name}.csv"] = csv_bytes([c.label for c in sheet.columns], rows)
    out["README.txt"] = ("\ufeff" + csv_readme(sheets, two_headers, notes)).encode("utf-8")
    return out


# ---- the job -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """What an export holds, ready to write."""

    files: dict[str, bytes]  # one file name (xlsx) or a folder's files (csv)
    forms: int
    unreadable: int


def export_answers(answers: AnswerSet, fmt: str, *, term: str | None = None,
                   school: str | None = None, mapping: FieldMap | None = None,
                   on: dt.date | None = None) -> Export:
    """The export of `answers` (the latest version of each form) as xlsx or a CSV folder."""
    chosen = answers.select(term, school)
    forms = list(chosen.forms)
    if mapping is not None:
        sheets = mapped_sheets(mapping)
    else:
        sheets = [*export_sheets(forms), *comparison_sheets(answers.forms)]
    notes = _notes(chosen, term, school, mapping, on or dt.date.today())
    two = mapping is None
    if fmt == "xlsx":
        files = {"answers.xlsx": workbook_bytes(sheets, forms, two_headers=two, notes=notes)}
    else:
        files = csv_files(sheets, forms, two_headers=two, notes=notes)
    return Export(files, len(forms), len(chosen.unreadable))


def _notes(answers: AnswerSet, term: str | None, school: str | None, mapping: FieldMap | None,
           on: dt.date) -> list[str]:
    notes = [f"Exported on {on.strftime('%d/%m/%Y')}: {len(answers.forms)} form(s), the latest "
             "version of each" + (f", term {term}" if term else "")
             + (f", school {school}" if school else "") + "."]
    if answers.unreadable:
        notes.append(f"{len(answers.unreadable)} file(s) could not be read and are not in the "
                     "export: check them with pepforms validate.")
    if mapping is not None:
        notes.append("Columns picked and renamed by a fields file"
                     + (f": {mapping.description}" if mapping.description else "") + ".")
    return notes


@dataclass(frozen=True)
class ExportJob:
    sources: tuple[Path, ...]
    out: Path
    fmt: str = "xlsx"  # xlsx | csv
    term: str | None = None
    school: str | None = None
    fields: Path | None = None
    force: bool = False
    jobs: int = 1


def check_export(job: ExportJob) -> FieldMap | None:
    """Inputs and outputs checked before any work (PepformsError); the mapping read."""
    from pepforms.outputs import (
        check_output_file,
        check_output_folder,
        refuse_overlap,
        require_inputs,
    )

    require_inputs(job.sources)
    if job.fmt == "xlsx":
        check_output_file(job.out, job.sources, job.force)
    else:
        refuse_overlap(job.out, job.sources, "folder for the CSV files")
        check_output_folder(job.out, job.force)
    return read_field_map(job.fields) if job.fields else None


def write_export(export: Export, out: Path, fmt: str, force: bool) -> list[Path]:
    from pepforms.fileio import atomic_write

    if fmt == "xlsx":
        atomic_write(out, export.files["answers.xlsx"], force=force)
        return [out]
    written = []
    for name, data in export.files.items():
        atomic_write(out / name, data, force=force)
        written.append(out / name)
    return written


def run_export(job: ExportJob, *, progress: Callable[[int], None] | None = None,
               on_total: Callable[[int], None] | None = None,
               answers: AnswerSet | None = None) -> tuple[Export, list[Path]]:
    """The whole `export` command: over `answers` from the term register, or over the forms
    in `job.sources`."""
    from pepforms.report.answers import answers_from_folders

    mapping = check_export(job)
    if answers is None:
        answers = answers_from_folders(job.sources, jobs=job.jobs, progress=progress,
                                       on_total=on_total)
    export = export_answers(answers, job.fmt, term=job.term, school=job.school, mapping=mapping)
    return export, write_export(export, job.out, job.fmt, job.force)
