"""The core correctness claim: what is filled into a form reads back the same.

For instances drawn from each form's schema (hypothesis-jsonschema), read(fill(generate(child), y))
equals y as the form holds it: pre-filled locked values are the child's, text is XML-safe with
whitespace trimmed, money is in pounds and pence, an unticked box is False, and empty values and
empty table rows are absent.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, find, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from pepforms.asking import instance_of, is_within, left_out, not_asked
from pepforms.forms import form_content
from pepforms.resources import samples_dir
from pepforms.roster import Child, read_roster
from pepforms.schema import Field, FormModel, all_forms, form_model
from pepforms.standins import is_stand_in
from pepforms.values import clean_text, format_money, parse_money
from pepforms.word.controls import KNOWN_PLACEHOLDERS
from pepforms.word.fill import fill_docx
from pepforms.word.reader import read_document

from .conftest import TERM, blank_form, examples

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


_OBJECT_KEYS = {"type", "properties", "additionalProperties", "required"}
_ARRAY_KEYS = {"type", "maxItems", "items"}


def shape_strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of a shape schema. hypothesis-jsonschema draws each field's value; the objects and
    arrays around them are hypothesis's own `fixed_dictionaries` and `lists`, because
    hypothesis-jsonschema plans an object schema afresh on every draw (three quarters of a round
    trip's time went there). `test_strategy_draws_real_values` and every round trip check that what
    is drawn is an instance of the schema."""
    if schema.get("type") == "object":
        assert set(schema) <= _OBJECT_KEYS and schema.get("additionalProperties") is False, schema
        parts = {k: shape_strategy(v) for k, v in schema["properties"].items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({k: v for k, v in parts.items() if k in required},
                                     optional={k: v for k, v in parts.items() if k not in required})
    if schema.get("type") == "array":
        assert set(schema) <= _ARRAY_KEYS, schema
        return st.lists(shape_strategy(schema["items"]), max_size=schema["maxItems"])
    return _field_strategy(json.dumps(schema, sort_keys=True))


@cache
def _field_strategy(schema: str) -> st.SearchStrategy[Any]:
    return from_schema(json.loads(schema))


def shape_validator(model: FormModel) -> Draft202012Validator:
    return Draft202012Validator(shape_schema(model), format_checker=Draft202012Validator.FORMAT_CHECKER)


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


def _is_row(table: Any, item: dict[str, Any]) -> bool:
    """A row the reader keeps: something besides unticked boxes, stand-ins ("-", "x", "N/A")
    and £0 (a row of only those is an unused row on a real form)."""
    money = {c.key for c in table.columns if c.kind == "money"}
    return any(not (v is False or (isinstance(v, str) and is_stand_in(v))
                    or (k in money and v == 0)) for k, v in item.items())


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
            if _is_row(table, item):
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

    @example(y={"voice": {"views": "Click to enter text."}})
    @example(y={"voice": {"views": "N/A"}, "targets": [{"who": "-"}, {"who": "TBC", "pp_cost": 0}]})
    @settings(max_examples=examples(15),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(y=shape_strategy(shape_schema(model)))
    def test(y) -> None:  # type: ignore[no-untyped-def]
        # The child is not a test argument: hypothesis would print it, personal fields and all.
        child = _child(phase)
        _check_round_trip(authority, phase, _blank(authority, phase, child),
                          form_content(model, child, TERM), y)

    return test


@cache
def _child(phase: str) -> Child:
    children = read_roster(samples_dir() / "roster.csv", TERM).children
    return next(c for c in children if c.phase == phase)


@cache
def _blank(authority: str, phase: str, child: Child) -> bytes:
    return blank_form(authority, child, phase)


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


FORMS = all_forms()


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_shape_strategy_draws_instances_of_the_shape_schema(data: st.DataObject) -> None:
    authority, phase = data.draw(st.sampled_from(FORMS), label="form")
    model = form_model(authority, phase)
    y = data.draw(shape_strategy(shape_schema(model)), label="y")
    shape_validator(model).validate(y)


def _rich(y: dict[str, Any]) -> bool:
    """A form with a real percentage, a ticked box, and a target row with text and a date."""
    attendance = y.get("attendance", {})
    return (isinstance(attendance.get("percentage"), (int, float))
            and attendance.get("part_time_timetable") is True
            and any(clean_text(r.get("target") or "") and r.get("by_when")
                    for r in y.get("targets", [])))


def test_strategy_draws_real_values(child_by_phase: dict[str, Child]) -> None:
    # Guard against a shape schema, or a strategy, that only ever yields empty forms: the strategy
    # the round trips draw from finds a form with real values in it, an instance of the shape
    # schema, and that form round-trips.
    model = form_model("cheshire-west", "y1-11")
    schema = shape_schema(model)
    assert "percentage" in schema["properties"]["attendance"]["properties"]
    assert schema["properties"]["targets"]["items"]["properties"]["by_when"]["format"] == "date"
    # The first such form, not the simplest: shrinking a whole form takes a minute.
    y = find(shape_strategy(schema), _rich,
             settings=settings(max_examples=2000, database=None, phases=[Phase.generate]))
    shape_validator(model).validate(y)
    assert 0 <= y["attendance"]["percentage"] <= 100
    row = next(r for r in y["targets"] if r.get("by_when"))
    assert isinstance(date.fromisoformat(row["by_when"]), date)
    child = child_by_phase["y1-11"]
    prefilled = form_content(model, child, TERM)
    held = canonical(model, y, dict(prefilled.values), dict(prefilled.tables))
    assert held["attendance"]["part_time_timetable"] is True and held["targets"]
    _check_round_trip("cheshire-west", "y1-11", _blank("cheshire-west", "y1-11", child), prefilled, y)
