"""The verdict a careful coordinator would give, on real generated forms read through the Word reader.

Each test fills a bundled good case into its real form, types into it what schools type (stand-ins,
figures with notes, choices without a drop-down, LibreOffice's placeholder flags), and checks the
findings `pepforms validate` gives for the file: exactly the fault, once, at its field.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pepforms.cases import Case, discover, returned_form
from pepforms.checking import CheckOptions, check_file, read_form_file
from pepforms.schema import form_model
from pepforms.validate.verdict import form_order_key

GOOD = {(c.authority, c.phase): c for c in discover() if c.name == "good"}


def check(tmp_path: Path, authority: str = "cheshire-west", phase: str = "y1-11", *,
          set_: dict[str, Any] | None = None, remove: tuple[str, ...] = (),
          typed: dict[str, str] | None = None, typed_in: str = "word") -> Any:
    """Validate the good case of a form after the given changes, as a returned Word file."""
    good = GOOD[(authority, phase)]
    instance = copy.deepcopy(good.instance)
    for pointer in remove:
        parts = pointer.strip("/").split("/")
        node: Any = instance
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            del node[int(parts[-1])]
        else:
            node.pop(parts[-1])
    for pointer, value in (set_ or {}).items():
        parts = pointer.strip("/").split("/")
        node = instance
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        node[parts[-1]] = value
    case = dataclasses.replace(good, instance=instance, typed=typed or {}, typed_in=typed_in)
    name, data = returned_form(case)
    path = tmp_path / name
    path.write_bytes(data)
    return check_file(path, CheckOptions())


def found(result: Any) -> set[tuple[str, str]]:
    return {(f.pointer, f.code) for f in result.findings if f.severity == "error"}


def at(result: Any, pointer: str) -> list[Any]:
    return [f for f in result.findings if f.pointer == pointer]


# --- 1. Not-an-answer words -------------------------------------------------------------------

def test_na_as_the_childs_views_is_not_an_answer(tmp_path: Path) -> None:
    result = check(tmp_path, set_={"/voice/views": "N/A"})
    assert found(result) == {("/voice/views", "not-an-answer")}
    [finding] = at(result, "/voice/views")
    assert finding.message == (
        "“What I think about school, my learning and my plan” says “N/A”. Write the child's "
        "views, or say why they could not be gathered and what was tried.")
    assert result.status == "fail"
    # The reader keeps what the school wrote; only the verdict says it is not an answer.
    assert result.instance["voice"]["views"] == "N/A"


def test_na_as_the_strategies_for_91_percent_attendance_is_one_finding(tmp_path: Path) -> None:
    result = check(tmp_path, set_={"/attendance/percentage": 91, "/attendance/strategies": "n/a"})
    assert found(result) == {("/attendance/strategies", "not-an-answer")}
    assert "says “n/a”" in at(result, "/attendance/strategies")[0].message


@pytest.mark.parametrize("word", ["TBC", "tba", "tbd", "?", "--", ".", "x", "see above",
                                  "As above.", "same as last term", "NA"])
def test_stand_ins_as_who_does_a_target(tmp_path: Path, word: str) -> None:
    result = check(tmp_path, set_={"/targets/1/who": word})
    assert found(result) == {("/targets/1/who", "not-an-answer")}
    assert at(result, "/targets/1/who")[0].field == "SMART targets, row 2: Who"


def test_a_stand_in_in_an_optional_field_is_no_fault(tmp_path: Path) -> None:
    result = check(tmp_path, set_={"/strengths_needs/aspirations": "TBC",
                                   "/sen/primary_need": "N/A"})
    assert found(result) == set()


def test_tbc_typed_in_a_date_is_not_an_answer_rather_than_not_understood(tmp_path: Path) -> None:
    result = check(tmp_path, typed={"/pep/next_meeting_date": "TBC"})
    assert found(result) == {("/pep/next_meeting_date", "not-an-answer")}
    assert "says “TBC”" in at(result, "/pep/next_meeting_date")[0].message
    assert "next_meeting_date" not in result.instance["pep"]


def test_a_row_of_dashes_in_an_unused_pp_plus_row_is_an_empty_row(tmp_path: Path) -> None:
    # The good case has two requests; the third, blank row is filled with dashes.
    result = check(tmp_path, typed={"/pp_plus/requests/2/description": "-",
                                    "/pp_plus/requests/2/target": "-",
                                    "/pp_plus/requests/2/expected_impact": "-",
                                    "/pp_plus/requests/2/cost": "-"})
    assert found(result) == set()
    assert len(result.instance["pp_plus"]["requests"]) == 2


def test_a_row_of_na_and_nil_cost_in_an_unused_target_row_is_an_empty_row(tmp_path: Path) -> None:
    result = check(tmp_path, typed={"/targets/3/area": "N/A", "/targets/3/target": "N/A",
                                    "/targets/3/who": "n/a", "/targets/3/by_when": "n/a",
                                    "/targets/3/pp_cost": "£0"})
    assert found(result) == set()
    assert len(result.instance["targets"]) == 3


def test_an_attendee_named_with_a_dash_is_not_accepted(tmp_path: Path) -> None:
    result = check(tmp_path, set_={"/meeting/attendees/2/name": "-"})
    assert found(result) == {("/meeting/attendees/2/name", "not-an-answer")}


def test_where_the_schema_allows_not_applicable_it_is_accepted(tmp_path: Path) -> None:
    # Sutton's transitions field: "Write 'none known' if there are none."
    for words in ("None known", "N/A", "none"):
        result = check(tmp_path, "sutton", "y1-11", set_={"/transition/upcoming": words})
        assert at(result, "/transition/upcoming") == [], words
    # "TBC" is not "not applicable": it is still not an answer.
    result = check(tmp_path, "sutton", "y1-11", set_={"/transition/upcoming": "TBC"})
    assert [f.code for f in at(result, "/transition/upcoming")] == ["not-an-answer"]


# --- 2. What is visible wins ------------------------------------------------------------------

LIBREOFFICE_TYPED = {
    "/care/placement_type": "Kinship care",
    "/pep/pep_type": "Termly review",
    "/pep/meeting_date": "20/01/2027",
    "/attainment/progress_trend": "Static",
    "/voice/views": "I like reading with Mrs Sampleford.",
    "/targets/0/area": "Literacy",
    "/targets/0/by_when": "30/04/2027",
}


def test_picked_dropdowns_dates_and_typed_text_under_the_placeholder_flag_are_read(
        tmp_path: Path) -> None:
    # LibreOffice keeps w:showingPlcHdr and the placeholder style on a control after a person
    # picks a drop-down item or a date (and stores the date in w:fullDate) or types text.
    result = check(tmp_path, typed=LIBREOFFICE_TYPED, typed_in="libreoffice")
    assert found(result) == set()
    assert result.instance["care"]["placement_type"] == "kinship-care"
    assert result.instance["pep"]["meeting_date"] == "2027-01-20"
    assert result.instance["targets"][0]["area"] == "literacy"
    assert result.instance["targets"][0]["by_when"] == "2027-04-30"
    assert result.instance["voice"]["views"] == "I like reading with Mrs Sampleford."


def test_the_reader_says_what_it_trusted(tmp_path: Path) -> None:
    good = GOOD[("cheshire-west", "y1-11")]
    case = dataclasses.replace(good, typed=LIBREOFFICE_TYPED, typed_in="libreoffice")
    name, data = returned_form(case)
    (tmp_path / name).write_bytes(data)
    read = read_form_file(tmp_path / name).read
    assert read is not None
    assert "marked as showing its placeholder" in read.trusted["/care/placement_type"]
    assert "/child/first_name" not in read.trusted


def test_read_verbose_says_what_it_trusted_and_what_was_not_an_answer(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pepforms.cli import main

    good = GOOD[("cheshire-west", "y1-11")]
    typed = {**LIBREOFFICE_TYPED, "/pep/next_meeting_date": "TBC"}
    case = dataclasses.replace(good, typed=typed, typed_in="libreoffice")
    name, data = returned_form(case)
    (tmp_path / name).write_bytes(data)
    quiet = CliRunner().invoke(main, ["read", str(tmp_path / name)])
    loud = CliRunner().invoke(main, ["read", "-v", str(tmp_path / name)])
    assert quiet.exit_code == loud.exit_code == 0
    assert "trusted" not in quiet.stderr and "read the text shown" not in quiet.stderr
    assert "/care/placement_type: read the text shown, although the control is marked as " \
           "showing its placeholder" in loud.stderr
    assert "/pep/next_meeting_date: “TBC” is not an answer" in loud.stderr
    checked = CliRunner().invoke(main, ["validate", "-v", str(tmp_path / name)])
    assert "/care/placement_type: read the text shown" in checked.stdout
    assert "read the text shown" not in CliRunner().invoke(
        main, ["validate", str(tmp_path / name)]).stdout


# --- 3. Figures with notes and shorthand; choices typed freely ----------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("92.4% (autumn term)", 92.4), ("92.4% - autumn term", 92.4), ("92,5 %", 92.5),
    ("92.4 – since September", 92.4),
])
def test_attendance_with_a_note_or_a_decimal_comma_is_understood(tmp_path: Path, typed: str,
                                                                  expected: float) -> None:
    result = check(tmp_path, typed={"/attendance/percentage": typed})
    assert found(result) == set()
    assert result.instance["attendance"]["percentage"] == expected


def test_a_fraction_for_a_percentage_is_that_one_finding(tmp_path: Path) -> None:
    result = check(tmp_path, typed={"/attendance/percentage": "0.92"})
    assert found(result) == {("/attendance/percentage", "value-not-understood")}
    assert len(result.findings) == 1


@pytest.mark.parametrize(("typed", "expected"), [
    ("£1.2k", 1200.0), ("1.2k", 1200.0), ("£1,200.00", 1200.0), ("£450 (10 sessions)", 450.0)])
def test_money_shorthand_is_understood(tmp_path: Path, typed: str, expected: float) -> None:
    # The target the request pays for carries the same cost, so the totals agree.
    result = check(tmp_path, set_={"/targets/0/pp_cost": expected},
                   typed={"/pp_plus/requests/0/cost": typed})
    assert found(result) == set()
    assert result.instance["pp_plus"]["requests"][0]["cost"] == expected


@pytest.mark.parametrize("typed", ["Well-being", "wellbeing", "emotional well being", "SEMH"])
def test_a_choice_typed_into_a_row_without_a_dropdown_is_matched(tmp_path: Path,
                                                                  typed: str) -> None:
    # The good case's wellbeing target is taken out; the school adds a row with Word's "insert
    # row" (no controls) and types the area freely.
    row = {"/targets/4/area": typed, "/targets/4/target": "I will tell an adult when I am sad.",
           "/targets/4/who": "Key adult", "/targets/4/by_when": "30/04/2027",
           "/targets/4/measure": "Key adult's weekly log."}
    result = check(tmp_path, set_={"/targets/1/area": "social-skills"}, typed=row)
    assert found(result) == set()
    assert [t["area"] for t in result.instance["targets"]][-1] == "wellbeing"


# --- 4. One finding per fault, in form order ----------------------------------------------------

def test_a_choice_not_understood_is_not_also_blank(tmp_path: Path) -> None:
    # Typed into a row inserted below the form's last (a row without controls); the empty row
    # above it is not an item, so it is the fourth target.
    row = {"/targets/4/area": "Happiness", "/targets/4/target": "I will smile.",
           "/targets/4/who": "Key adult", "/targets/4/by_when": "30/04/2027",
           "/targets/4/measure": "Key adult's weekly log."}
    result = check(tmp_path, typed=row)
    assert [(f.pointer, f.code) for f in result.findings] == [
        ("/targets/3/area", "value-not-understood")]


def test_a_cost_not_understood_is_not_also_not_costed(tmp_path: Path) -> None:
    result = check(tmp_path, typed={"/pp_plus/requests/1/cost": "about three hundred"})
    assert [(f.pointer, f.code) for f in result.findings] == [
        ("/pp_plus/requests/1/cost", "value-not-understood")]


def test_the_blank_form_reports_each_fault_once_in_form_order(tmp_path: Path) -> None:
    good = GOOD[("cheshire-west", "y1-11")]
    child = {k: good.instance["child"][k] for k in good.instance["child"]}
    blank = dataclasses.replace(good, instance={
        "child": child, "pep": {"term": good.instance["pep"]["term"]},
        "care": copy.deepcopy(good.instance["care"]),
        "education": copy.deepcopy(good.instance["education"])})
    name, data = returned_form(blank)
    (tmp_path / name).write_bytes(data)
    result = check_file(tmp_path / name, CheckOptions())
    keys = [(f.pointer, f.code) for f in result.findings]
    assert len(keys) == len(set(keys))
    codes = [f.code for f in result.findings]
    assert codes.count("wellbeing-target-missing") <= 1
    assert ("/targets", "too-few-rows") in keys
    model = form_model("cheshire-west", "y1-11")
    from pepforms.validate.verdict import _positions

    positions = _positions(model)
    order = [form_order_key(model, positions, f) for f in result.findings]
    assert order == sorted(order)
    sections = [s.key for s in model.sections]
    seen = [f.pointer.split("/")[1] for f in result.findings if f.pointer]
    assert seen == sorted(seen, key=sections.index)


def test_every_good_case_still_passes_when_typed_in_libreoffice(tmp_path: Path) -> None:
    # The whole of 2 on every form: picks and typing under LibreOffice's flags read as answers.
    for (authority, phase), good in sorted(GOOD.items()):
        model = form_model(authority, phase)
        typed = {}
        for f in model.fields():
            value = _get(good.instance, f.pointer)
            if value is None or f.locked or f.prefill or f.kind == "checkbox":
                continue
            from pepforms.word.controls import display_text

            typed[f.pointer] = display_text(f, value)
        case: Case = dataclasses.replace(good, typed=typed, typed_in="libreoffice")
        name, data = returned_form(case)
        (tmp_path / name).write_bytes(data)
        result = check_file(tmp_path / name, CheckOptions())
        assert found(result) == set(), (authority, phase, found(result))


def _get(instance: dict[str, Any], pointer: str) -> Any:
    node: Any = instance
    for part in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# --- forms issued under an older version of their schema --------------------------------------

def _rewrite(docx: bytes, part: str, change: Any) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            dst.writestr(info, change(blob) if info.filename == part else blob)
    return out.getvalue()


def _without_measure_column(document: bytes) -> bytes:
    """The targets table as Cheshire West's forms had it before “How progress will be measured”."""
    from lxml import etree

    from pepforms.word.ooxml import parse_untrusted, qn

    root = parse_untrusted(document)
    for tbl in root.iter(qn("w:tbl")):
        caption = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
        if caption is not None and caption.get(qn("w:val")) == "/targets":
            for tr in tbl.findall(qn("w:tr")):
                cells = tr.findall(qn("w:tc"))
                if len(cells) >= 7:
                    tr.remove(cells[6])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _issued_as(version: str) -> Any:
    def change(custom: bytes) -> bytes:
        import re

        return re.sub(rb'(name="pepforms.schema_version"[^>]*>\s*<vt:lpwstr>)[^<]*', rb"\g<1>" +
                      version.encode(), custom)
    return change


@pytest.mark.parametrize("version, errors", [("1.0.0", set()), (None, {"/targets/0/measure"})])
def test_a_question_an_older_form_did_not_have_is_not_unanswered(tmp_path: Path,
                                                                 version: str | None,
                                                                 errors: set[str]) -> None:
    # A form issued before the targets table had its "How progress will be measured" column is
    # judged by what it asked: the column is "not found" (a warning), not blank in every row.
    # The same column deleted from a form issued with it is still an unanswered question.
    good = GOOD[("cheshire-west", "y1-11")]
    name, data = returned_form(good)
    data = _rewrite(data, "word/document.xml", _without_measure_column)
    if version is not None:
        data = _rewrite(data, "docProps/custom.xml", _issued_as(version))
    (tmp_path / name).write_bytes(data)
    result = check_file(tmp_path / name, CheckOptions())
    assert {f.pointer for f in result.findings if f.severity == "error"} >= errors
    assert ("/targets/*/measure", "field-not-found") in {(f.pointer, f.code)
                                                          for f in result.findings}
    if not errors:
        assert result.status == "pass"
        assert result.instance["targets"][0]["who"] == good.instance["targets"][0]["who"]
