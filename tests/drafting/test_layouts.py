"""Three more layouts of forms pepforms did not make (tests/drafting/layouts.py): each draft
recovers >=90% of its fields with the right kind, maps the core vocabulary, guesses the roles
from the "completed by" lines, says in DRAFT-NOTES.md which core fields and columns the form
lacks, and goes through template build, generate, fill and read; the round trip holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cli import main
from pepforms.forms import build_templates, check_templates
from pepforms.resources import samples_dir
from pepforms.roster import Child, read_roster
from pepforms.schema import form_model

from ..conftest import TERM, examples
from .layouts import LAYOUTS
from .test_authority_new import (
    _draft,
    _kinds,
    _share,
    build_generate_fill_read,
    round_trip_on_draft,
)


@pytest.fixture()
def own_schemas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    (tmp_path / "schemas").mkdir()
    monkeypatch.setenv("PEPFORMS_SCHEMAS", str(tmp_path / "schemas"))
    return tmp_path


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_layout_drafts_its_fields_core_vocabulary_and_roles(own_schemas: Path,
                                                              layout: str) -> None:
    build, known, core, roles, _ = LAYOUTS[layout]
    _draft(own_schemas, build(), "layoutshire")
    model = form_model("layoutshire", "y1-11")
    assert _share(model, known) >= 0.9, sorted(set(known.items()) - set(_kinds(model).items()))
    for pointer in core:
        assert pointer in model.field_map or pointer in model.table_map, pointer
    sections = {s.key: s.role for s in model.sections}
    for section, role in roles.items():
        assert sections.get(section) == role, (section, sections)
    authority = json.loads((own_schemas / "schemas" / "layoutshire" / "authority.json")
                           .read_text())
    assert set(roles.values()) <= set(authority["roles"])
    notes = (own_schemas / "schemas" / "layoutshire" / "DRAFT-NOTES.md").read_text()
    assert "Could not place\n\nText on the form" in notes


def test_banded_rows_head_sections_and_say_who(own_schemas: Path) -> None:
    build, *_ = LAYOUTS["banded"]
    _draft(own_schemas, build(), "shadeshire")
    model = form_model("shadeshire", "y1-11")
    titles = [s.title for s in model.sections]
    assert "The child" in titles and "Attendance" in titles  # the bands, numbering gone
    assert not any("completed by" in t.lower() for t in titles)


def test_typed_yes_no_in_a_cell_is_a_choice(own_schemas: Path) -> None:
    build, *_ = LAYOUTS["two-column"]
    _draft(own_schemas, build(), "gridley")
    by_label = {x.label: x for x in form_model("gridley", "y1-11").fields()}
    assert [c.label for c in by_label["SEN support"].choices] == ["Yes", "No"]
    assert by_label["Sessions missed this term"].kind == "integer"  # a legacy number field


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_notes_and_summary_say_which_core_fields_and_columns_the_form_lacks(
        tmp_path: Path, layout: str) -> None:
    build, _, core, _, lacks = LAYOUTS[layout]
    form = tmp_path / "form.docx"
    form.write_bytes(build())
    result = CliRunner().invoke(main, ["authority", "new", "layoutshire", "--from-form",
                                       str(form), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    printed = next(x for x in result.output.splitlines() if "the form lacks" in x)
    notes = (tmp_path / "out" / "layoutshire" / "DRAFT-NOTES.md").read_text()
    part = notes.split("## Core fields and columns the form lacks")[1].split("\n## ")[0]
    assert "Decide for each" in part
    listed = [x.split("`")[1] for x in part.splitlines() if x.startswith("- `")]
    for pointer in lacks:
        assert pointer in listed and pointer in printed, (pointer, part)
    for pointer in core:  # what the form has is not listed
        assert pointer not in listed, pointer
    for line in part.splitlines():
        if line.startswith("- `/targets/*/") or line.startswith("- `/child/"):
            assert '"$ref": "../common/' in line  # what to add, named


@pytest.fixture(scope="module")
def children() -> list[Child]:
    return read_roster(samples_dir() / "roster.csv", TERM).children


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_layout_builds_generates_fills_and_reads(own_schemas: Path, layout: str) -> None:
    build, *_ = LAYOUTS[layout]
    _draft(own_schemas, build(), "layoutshire")
    _runner, _filled, read = build_generate_fill_read(own_schemas, "layoutshire")
    assert "Went well." in read


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_round_trip_on_a_layouts_draft(tmp_path: Path, layout: str,
                                       children: list[Child]) -> None:
    build, *_ = LAYOUTS[layout]
    child = next(c for c in children if c.phase == "y1-11")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PEPFORMS_SCHEMAS", str(tmp_path / "schemas"))
        (tmp_path / "schemas").mkdir()
        _draft(tmp_path, build(), "layoutshire")
        build_templates("layoutshire")
        assert check_templates("layoutshire") == {"y1-11": []}
        round_trip_on_draft("layoutshire", child, examples(15))
