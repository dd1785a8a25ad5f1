"""The core correctness claim: what is filled into a form reads back the same.

For instances drawn from each form's schema (hypothesis-jsonschema), read(fill(generate(child), y))
equals y as the form holds it: pre-filled locked values are the child's, text is XML-safe with
whitespace trimmed, money is in pounds and pence, an unticked box is False, and empty values and
empty table rows are absent.
"""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from pepforms.asking import instance_of, is_within, left_out, not_asked
from pepforms.forms import form_content
from pepforms.schema import Field, FormModel, all_forms, form_model
from pepforms.values import clean_text, format_money, parse_money
from pepforms.word.controls import KNOWN_PLACEHOLDERS
from pepforms.word.fill import fill_docx
from pepforms.word.reader import read_document

from .conftest import TERM, blank_form

KEEP = ("type", "enum", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "pattern")


def _field_schema(f: Field) -> dict[str, Any]:
    out = {k: v for k, v in f.schema.items() if k in KEEP}
    if out.get("format") not in (None, "date"):
        out.pop("format")
    return out


def shape_schema(model: FormModel) -> dict[str, Any]:
    """The instance shape of a form, from its schema's own field subschemas, without the rules."""
    root: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False,
                            "required": []}
    for section in model.sections:
        if section.is_table:
            table = section.items[0]
            root["properties"][section.key] = _table_schema(table)  # type: ignore[arg-type]
            continue
        node: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
        for item in section.items:
            parts = item.pointer.strip("/").split("/")[1:]
            target = node
            for part in parts[:-1]:
                target = target["properties"].setdefault(
                    part, {"type": "object", "properties": {}, "additionalProperties": False})
            target["properties"][parts[-1]] = (
                _field_schema(item) if isinstance(item, Field) else _table_schema(item))
        root["properties"][section.key] = node
        root["required"].append(section.key)
    return root


def _table_schema(table: Any) -> dict[str, Any]:
    return {"type": "array", "maxItems": 5, "items": {
        "type": "object", "additionalProperties": False,
        "properties": {c.key: _field_schema(c) for c in table.columns}}}


def _canonical_value(f: Field, value: Any) -> Any:
    if f.kind == "checkbox":
        return bool(value)
    if isinstance(value, str):
        value = clean_text(value)
        # Text equal to a known placeholder is indistinguishable from an empty field.
        return value if value and value not in KNOWN_PLACEHOLDERS else None
    if f.kind == "money" and value is not None:
        return parse_money(format_money(float(value)))
    if isinstance(value, float) and value.is_integer() and f.json_type == "integer":
        return int(value)
    return value


def _get(instance: dict[str, Any], pointer: str) -> Any:
    node: Any = instance
    for part in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def canonical(model: FormModel, y: dict[str, Any], prefilled: dict[str, Any],
              prefilled_tables: dict[str, Any]) -> dict[str, Any]:
    """y as the form holds it (a table y does not mention keeps the blank form's rows)."""
    # hypothesis found this one: a value typed as exactly "Click to enter text." reads as empty.
    out: dict[str, Any] = {s.key: {} for s in model.sections if not s.is_table}
    for f in model.fields():
        value = _get(y, f.pointer)
        if f.locked and prefilled.get(f.pointer) is not None:
            value = prefilled[f.pointer]
        value = _canonical_value(f, value)
        if value is None:
            continue
        parts = f.pointer.strip("/").split("/")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    for table in model.tables():
        rows = []
        given_rows = _get(y, table.pointer)
        if given_rows is None:
            given_rows = prefilled_tables.get(table.pointer, [])
        for row in given_rows:
            item = {}
            for col in table.columns:
                value = _canonical_value(col, row.get(col.key))
                if value is not None:
                    item[col.key] = value
            if any(v is not False for v in item.values()):
                rows.append(item)
        parts = table.pointer.strip("/").split("/")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = rows
    return out


def _check_round_trip(authority: str, phase: str, blank: bytes, prefilled: Any,
                      y: dict[str, Any]) -> None:
    model = form_model(authority, phase)
    filled = fill_docx(model, blank, copy.deepcopy(y)).data
    document = zipfile.ZipFile(io.BytesIO(filled)).read("word/document.xml")
    read = read_document(model, document)
    assert read.findings == []
    # The only questions missing are those this child's form does not ask (x-asked-when).
    skipped = not_asked(model, instance_of(prefilled.values))
    assert left_out(model, read.missing) == skipped
    assert [p for p in read.missing if not is_within(p, skipped)] == []
    expected = canonical(model, y, dict(prefilled.values), dict(prefilled.tables))
    for pointer in skipped:
        parts = pointer.strip("/").split("/")
        node = expected
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = [] if pointer in model.table_map else {} if len(parts) == 1 else None
        if node[parts[-1]] is None:
            del node[parts[-1]]
    assert read.instance == expected


def _make_test(authority: str, phase: str):  # type: ignore[no-untyped-def]
    model = form_model(authority, phase)
    strategy = from_schema(shape_schema(model))

    @example(y={"voice": {"views": "Click to enter text."}})
    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(y=strategy)
    def test(y) -> None:  # type: ignore[no-untyped-def]
        # The child is not a test argument: hypothesis would print it, personal fields and all.
        child = _child(phase)
        blank = _blank(authority, phase, child)
        prefilled = form_content(model, child, TERM)
        _check_round_trip(authority, phase, blank, prefilled, y)

    return test


_BLANKS: dict[tuple[str, str], bytes] = {}


def _child(phase: str) -> Any:
    from pepforms.resources import samples_dir
    from pepforms.roster import read_roster

    children = read_roster(samples_dir() / "roster.csv", TERM).children
    return next(c for c in children if c.phase == phase)


def _blank(authority: str, phase: str, child: Any) -> bytes:
    key = (authority, phase)
    if key not in _BLANKS:
        _BLANKS[key] = blank_form(authority, child, phase)
    return _BLANKS[key]


for _authority, _phase in all_forms():
    globals()[f"test_round_trip_{_authority}_{_phase}".replace("-", "_")] = _make_test(
        _authority, _phase)


@pytest.mark.parametrize("text", [
    "line one\nline two\n\nafter a blank line",
    "tabs\tinside",
    "  leading and trailing spaces  ",
    "control \x01 chars \x1f removed",
    "<b>markup</b> & {{ jinja }} {%tr for %}",
    "Zoë, Siobhán, 李小龙, emoji 🙂",
])
def test_awkward_text_round_trips(child_by_phase, text: str) -> None:  # type: ignore[no-untyped-def]
    model = form_model("cheshire-west", "y1-11")
    child = child_by_phase["y1-11"]
    blank = _blank("cheshire-west", "y1-11", child)
    prefilled = form_content(model, child, TERM)
    y = {"voice": {"views": text}, "targets": [{"target": text, "who": text}]}
    _check_round_trip("cheshire-west", "y1-11", blank, prefilled, y)


def test_strategy_draws_real_values() -> None:
    # Guard against a shape schema that only ever yields empty forms.
    schema = shape_schema(form_model("cheshire-west", "y1-11"))
    assert "percentage" in schema["properties"]["attendance"]["properties"]
    assert schema["properties"]["targets"]["items"]["properties"]["by_when"]["format"] == "date"
    example = st.just(None)
    assert example is not None
