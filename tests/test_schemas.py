"""Schemas: metaschema, catalogue codes, the core vocabulary, and the form model derived from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pepforms.findings import CATALOGUE
from pepforms.resources import schemas_dir
from pepforms.schema import all_forms, bookmark_name, form_model, load_authority, registry

SCHEMA_FILES = sorted(schemas_dir().rglob("*.schema.json"))
CORE_FIELDS = ["/child/child_id", "/child/first_name", "/child/last_name", "/child/date_of_birth",
               "/child/upn", "/child/year_group", "/pep/term", "/pep/meeting_date",
               "/pep/next_meeting_date", "/attendance/percentage", "/attendance/explanation",
               "/attendance/strategies", "/voice/views", "/meeting/summary", "/meeting/actions"]
CORE_TABLES = {"/previous_targets": {"target", "progress", "comment"},
               "/targets": {"area", "target", "actions", "who", "by_when"},
               "/meeting/attendees": {"name", "role", "attended"}}


def _walk(node, path=""):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_there_are_schemas() -> None:
    assert len(SCHEMA_FILES) >= 17  # 13 common blocks and 4 Cheshire West phases at least


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_passes_its_metaschema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{path.parent.name}/{path.name}")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_x_code_is_in_the_catalogue(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    for where, node in _walk(schema):
        if "x-code" in node:
            assert node["x-code"] in CATALOGUE, f"{path.name}{where}: unknown x-code"
        if "x-severity" in node:
            assert node["x-severity"] in {"error", "warning"}, f"{path.name}{where}"


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_core_vocabulary_is_in_every_form(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    for pointer in CORE_FIELDS:
        assert pointer in model.field_map, f"{authority}/{phase} lacks {pointer}"
    for pointer, columns in CORE_TABLES.items():
        table = model.table_map.get(pointer)
        assert table is not None, f"{authority}/{phase} lacks the table {pointer}"
        assert columns <= {c.key for c in table.columns}


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_form_model_labels_and_bookmarks_are_unique(authority: str, phase: str) -> None:
    model = form_model(authority, phase)
    labels = [f.display_label for f in model.fields()]
    assert len(labels) == len(set(labels))
    marks = [f.bookmark for f in model.fields()] + [t.bookmark for t in model.tables()]
    assert len(marks) == len(set(marks))
    assert all(len(m) <= 40 and m[0] == "_" for m in marks)


@pytest.mark.parametrize(("authority", "phase"), all_forms())
def test_return_window_is_the_same_in_authority_and_schema(authority: str, phase: str) -> None:
    window = load_authority(authority).return_window
    schema = form_model(authority, phase).schema
    if window.get("unit") == "none":  # completed at the meeting (Nottinghamshire): no window
        assert "pepReturnedInTime" not in schema
    elif window.get("judged_by"):  # Sutton: from the sign-off dates, not the file's dates
        assert "pepReturnedInTime" not in schema
        rules = [e["pepWithin"] for e in schema["allOf"] if "pepWithin" in e]
        for pointer in window["judged_by"]:
            rule = next(r for r in rules if r["date"] == pointer)
            assert (rule["days"], rule["unit"]) == (window["days"], window["unit"])
    else:
        rule = schema["pepReturnedInTime"]
        assert rule["days"] == window["days"] and rule["unit"] == window["unit"]
    assert window["guidance"]


def test_form_model_sections_follow_the_schema_order() -> None:
    model = form_model("cheshire-west", "y1-11")
    schema = json.loads((schemas_dir() / "cheshire-west" / "y1-11.schema.json").read_text())
    assert [s.key for s in model.sections] == list(schema["properties"])
    attendance = next(s for s in model.sections if s.key == "attendance")
    assert attendance.role == "designated-teacher"
    assert [f.key for f in attendance.items][:3] == ["percentage", "explanation", "strategies"]


def test_form_model_derives_widgets_from_types() -> None:
    fields = form_model("cheshire-west", "y1-11").field_map
    assert fields["/attendance/percentage"].kind == "percentage"
    assert fields["/child/date_of_birth"].kind == "date"
    assert fields["/attendance/part_time_timetable"].kind == "checkbox"
    assert fields["/sen/sen_status"].kind == "choice"
    assert [c.label for c in fields["/sen/sen_status"].choices][1] == "SEN support"
    assert fields["/meeting/summary"].kind == "multiline"
    assert fields["/targets/*/pp_cost"].kind == "money"
    assert fields["/child/first_name"].locked and fields["/child/first_name"].prefill


def test_form_model_describes_pointers() -> None:
    model = form_model("cheshire-west", "y1-11")
    section, name = model.describe("/targets/2/who")
    assert section is not None and section.key == "targets"
    assert name == "SMART targets, row 3: Who"
    assert model.describe("/sign_off/social_worker/date")[1] == "Social worker: Date"
    assert model.describe("")[1] == "the whole form"


def test_ref_siblings_override_the_common_block() -> None:
    # y1-11 narrows the common target's free-text area to Cheshire West's areas.
    area = form_model("cheshire-west", "y1-11").field_map["/targets/*/area"]
    assert area.kind == "choice" and "wellbeing" in [c.value for c in area.choices]


def test_post_16_has_no_pupil_premium_cost() -> None:
    targets = form_model("cheshire-west", "post-16").table_map["/targets"]
    assert "pp_cost" not in {c.key for c in targets.columns}


def test_registry_drops_schema_so_custom_keywords_apply_inside_refs() -> None:
    # jsonschema swaps to its stock validator for a subschema declaring $schema, which would
    # silently skip pepDateAfter inside the common target block.
    target = registry().contents("https://pepforms.invalid/schemas/common/target.schema.json")
    assert "$schema" not in target
    assert "pepDateNotAfter" in target["properties"]["by_when"]


def test_bookmark_names_are_short_and_deterministic() -> None:
    long = "/a_very_long_section_name/another_long_group_name/and_a_long_field"
    name = bookmark_name("_f_", long)
    assert len(name) == 40 and name == bookmark_name("_f_", long)
    assert bookmark_name("_f_", "/attendance/percentage") == "_f_attendance_percentage"
