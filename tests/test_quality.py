"""The indicative quality grade from each authority's QA framework (data), applied to findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepforms.cases import discover
from pepforms.checking import CheckOptions, check_file
from pepforms.findings import make
from pepforms.schema import authority_ids, load_authority
from pepforms.validate.quality import INDICATIVE, indicative_grade

from .tampering import returned_form

SUTTON = {"name": "QA grid", "kind": "graded-sections",
          "grades": ["Outstanding", "Good", "Requires improvement", "Inadequate"],
          "sections": [{"id": "A", "title": "A", "pointers": ["/child", "/care"]},
                       {"id": "B", "title": "B", "pointers": ["/social_worker"]},
                       {"id": "E", "title": "E", "pointers": ["/attendance", "/targets"]}]}
CHECKLIST = {"name": "Good Quality", "kind": "checklist",
             "items": [{"id": "att", "pointers": ["/attendance"]},
                       {"id": "prev", "pointers": ["/previous_targets"], "na_allowed": True},
                       {"id": "ks5", "pointers": ["/course"], "phases": ["post-16"]}]}


def _error(pointer: str) -> object:
    return make("missing-value", pointer=pointer, label="x")


def test_graded_sections_never_give_the_top_grade_and_fall_with_errors() -> None:
    clean = indicative_grade(SUTTON, "y1-11", [])
    assert clean is not None and clean.overall == "Good"
    assert [p.grade for p in clean.parts] == ["Good", "Good", "Good"]
    one = indicative_grade(SUTTON, "y1-11", [_error("/attendance/explanation")])  # type: ignore[list-item]
    assert one is not None and [p.grade for p in one.parts] == ["Good", "Good", "Requires improvement"]
    assert one.overall == "Requires improvement"  # errors: not ready for QA
    many = [_error(f"/targets/{i}/who") for i in range(3)] + [_error("/child/upn"),
                                                              _error("/social_worker/x")]
    worst = indicative_grade(SUTTON, "y1-11", many)  # type: ignore[arg-type]
    assert worst is not None and worst.parts[2].grade == "Inadequate"
    assert worst.overall == "Requires improvement"  # best fit of RI, RI, Inadequate
    assert worst.note == INDICATIVE


def test_checklist_met_not_met_and_not_applicable() -> None:
    empty_previous = {"attendance": {"percentage": 97}, "previous_targets": []}
    grade = indicative_grade(CHECKLIST, "y1-11", [], empty_previous)
    assert grade is not None and grade.overall == "Good Quality"
    assert [(p.id, p.grade) for p in grade.parts] == [("att", "met"), ("prev", "N/A")]
    bad = indicative_grade(CHECKLIST, "post-16", [_error("/course/title")],  # type: ignore[list-item]
                           {"previous_targets": [{"target": "t"}]})
    assert bad is not None and bad.overall == "Needing Development"
    assert [(p.id, p.grade) for p in bad.parts] == [("att", "met"), ("prev", "met"),
                                                    ("ks5", "not met")]


@pytest.mark.parametrize("authority", authority_ids())
def test_every_authority_has_a_framework_and_its_good_case_grades_well(authority: str,
                                                                      tmp_path: Path) -> None:
    framework = load_authority(authority).qa_framework
    assert framework.get("kind") in {"graded-sections", "checklist", "good-requires-improvement"}
    for case in [c for c in discover(authority) if c.name == "good"]:
        name, data = returned_form(case)
        (tmp_path / name).write_bytes(data)
        result = check_file(tmp_path / name, CheckOptions())
        assert result.quality is not None
        assert result.quality.overall in {"Good", "Good Quality"}, case.id
        assert result.as_dict()["quality"]["note"] == INDICATIVE


def test_a_failing_form_is_not_graded_good(tmp_path: Path) -> None:
    for authority in authority_ids():
        case = next(c for c in discover(authority) if c.expected and any(
            code not in {"returned-late", "date-too-late", "date-too-early",
                         "transition-plan-missing", "pp-plus-not-linked"}
            for _, code in c.expected))
        name, data = returned_form(case)
        (tmp_path / name).write_bytes(data)
        result = check_file(tmp_path / name, CheckOptions())
        assert result.status == "fail"
        assert result.quality is not None
        assert result.quality.overall not in {"Good", "Good Quality", "Outstanding"}, case.id
        (tmp_path / name).unlink()


def test_readme_table_of_forms_and_rules_is_up_to_date() -> None:
    import re

    from pepforms.rules import authorities_markdown

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- authorities:start -->\n(.*?)<!-- authorities:end -->", readme, re.S)
    assert match, "README.md has lost its authorities table markers"
    assert match.group(1) == authorities_markdown(), \
        "README table is stale: paste in the output of `pepforms authorities --markdown`"
    assert authorities_markdown().count("\n") == 2 + 20


def test_cli_lists_every_authority_with_window_and_framework() -> None:
    from click.testing import CliRunner

    from pepforms.cli import main

    result = CliRunner().invoke(main, ["authorities"])
    assert result.exit_code == 0
    for authority in authority_ids():
        a = load_authority(authority)
        assert a.name in result.output
    assert result.output.count("QA framework:") == len(authority_ids())
    assert "return within 7 days" in result.output  # Sutton: calendar days


def test_readme_json_report_example_has_the_real_shape(tmp_path: Path) -> None:
    import json
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"stable shape:\n\n```json\n(.*?)```", readme, re.S)
    assert block, "README.md has lost its JSON report example"
    documented = json.loads(block.group(1))
    case = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained")
    name, data = returned_form(case)
    (tmp_path / name).write_bytes(data)
    from pepforms.checking import validate

    real = validate([tmp_path]).as_dict()
    assert documented.keys() == real.keys()
    assert documented["summary"].keys() == real["summary"].keys()
    form, real_form = documented["forms"][0], real["forms"][0]
    assert form.keys() == real_form.keys()
    assert form["findings"][0].keys() == real_form["findings"][0].keys()
    assert form["quality"].keys() == real_form["quality"].keys()
    assert form["quality"]["parts"][0].keys() == real_form["quality"]["parts"][0].keys()
    assert (form["findings"][0]["code"], form["findings"][0]["pointer"]) in \
        {(f["code"], f["pointer"]) for f in real_form["findings"]}
