"""The rules: the attendance threshold at its edges, findings for staff, and deterministic order."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions, check_file
from pepforms.findings import CATALOGUE, Finding, sort_findings
from pepforms.schema import form_model
from pepforms.validate.engine import validate_instance
from pepforms.validate.verdict import in_form_order

from .tampering import force_values

GOOD = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
MODEL = form_model("cheshire-west", "y1-11")


def _codes(instance: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f.pointer, f.code) for f in validate_instance(MODEL, instance)}


def _with_attendance(percentage: float, explanation: str | None, strategies: str | None) -> dict:  # type: ignore[type-arg]
    instance = copy.deepcopy(GOOD.instance)
    attendance = instance["attendance"]
    attendance["percentage"] = percentage
    for key, value in (("explanation", explanation), ("strategies", strategies)):
        if value is None:
            attendance.pop(key, None)
        else:
            attendance[key] = value
    return instance


@pytest.mark.parametrize(("percentage", "explained", "expected"), [
    (94.9, True, set()),
    (94.9, False, {("/attendance/explanation", "attendance-not-explained"),
                   ("/attendance/strategies", "attendance-not-explained")}),
    (95.0, False, set()),
    (95, False, set()),
    (100, False, set()),
    (0, False, {("/attendance/explanation", "attendance-not-explained"),
                ("/attendance/strategies", "attendance-not-explained")}),
])
def test_attendance_rule_at_the_threshold(percentage: float, explained: bool, expected: set) -> None:  # type: ignore[type-arg]
    text = "Illness in November." if explained else None
    codes = _codes(_with_attendance(percentage, text, text))
    assert {c for c in codes if c[0].startswith("/attendance")} == expected


def _form_with_attendance(tmp_path: Path, typed: str, explanation: str | None) -> set[tuple[str, str]]:
    case = copy.deepcopy(GOOD)
    instance = case.instance
    instance["attendance"].pop("explanation")
    instance["attendance"].pop("strategies")
    name, data = returned_form(case)
    # Type the attendance the way a person would, straight into the control.
    values: dict = {"/attendance/percentage": None}  # type: ignore[type-arg]
    data = force_values(MODEL, data, values)
    from pepforms.word.fill import fill_docx
    filled = fill_docx(MODEL, data, {"attendance": {"explanation": explanation,
                                                    "strategies": explanation}}).data
    filled = _type_text(filled, "/attendance/percentage", typed)
    path = tmp_path / name
    path.write_bytes(filled)
    result = check_file(path, CheckOptions())
    return {(f.pointer, f.code) for f in result.findings if f.pointer.startswith("/attendance")}


def _type_text(docx: bytes, tag: str, text: str) -> bytes:
    """Put raw typed text into a control, as Word does (no parsing on our side)."""
    import io
    import zipfile

    from lxml import etree

    from pepforms.word.ooxml import qn
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(blob)
                for sdt in root.iter(qn("w:sdt")):
                    t = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
                    if t is not None and t.get(qn("w:val")) == tag:
                        runs = list(sdt.find(qn("w:sdtContent")).iter(qn("w:t")))
                        runs[0].text = text
                        for extra in runs[1:]:
                            extra.text = ""
                        show = sdt.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}")
                        if show is not None:
                            show.getparent().remove(show)
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, blob)
    return out.getvalue()


NOT_EXPLAINED = {("/attendance/explanation", "attendance-not-explained"),
                 ("/attendance/strategies", "attendance-not-explained")}


@pytest.mark.parametrize(("typed", "explanation", "expected"), [
    ("94.9", None, NOT_EXPLAINED),
    ("94.9%", "Illness; a morning check-in plan.", set()),
    ("94.9", "   \n  ", NOT_EXPLAINED),  # whitespace only is not an explanation
    ("95.0", None, set()),
    ("95%", None, set()),
    ("95 %", None, set()),
])
def test_attendance_typed_into_the_form(tmp_path: Path, typed: str, explanation: str | None,
                                        expected: set) -> None:  # type: ignore[type-arg]
    assert _form_with_attendance(tmp_path, typed, explanation) == expected


def test_untypable_attendance_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    found = _form_with_attendance(tmp_path, "about ninety", "x")
    assert ("/attendance/percentage", "value-not-understood") in found


def test_messages_are_for_people_and_raw_text_stays_in_note() -> None:
    instance = _with_attendance(80, None, None)
    del instance["voice"]["views"]
    instance["targets"][0].pop("who")
    for f in validate_instance(MODEL, instance):
        assert f.code in CATALOGUE
        assert "required property" not in f.message and "is not valid" not in f.message
        assert f.note and f.section and f.message.lstrip("“")[0].isupper()
    who = next(f for f in validate_instance(MODEL, instance) if f.pointer == "/targets/0/who")
    assert who.field == "SMART targets, row 1: Who" and who.role == "designated-teacher"
    assert who.message == "“SMART targets, row 1: Who” is blank. Please fill it in."


def test_findings_are_sorted_deterministically() -> None:
    instance = _with_attendance(80, None, None)
    del instance["voice"]["views"]
    instance["targets"][1]["area"] = "literacy"
    instance["pp_plus"]["requests"][0].pop("cost")
    findings = validate_instance(MODEL, instance)
    assert len(findings) >= 5
    shuffled: list[Finding] = findings[:]
    random.Random(7).shuffle(shuffled)
    assert in_form_order(MODEL, shuffled) == findings
    assert sort_findings(shuffled) == sorted(findings, key=Finding.sort_key)
    # In form order: attendance, then the voice, the targets, the PP+ request.
    sections = [f.pointer.split("/")[1] for f in findings]
    assert sections == sorted(sections, key=[s.key for s in MODEL.sections].index)


def test_wrong_type_in_json_is_a_finding() -> None:
    instance = copy.deepcopy(GOOD.instance)
    instance["attendance"]["percentage"] = "ninety"
    instance["pep"]["meeting_date"] = "31/02/2027"
    codes = _codes(instance)
    assert ("/attendance/percentage", "wrong-type") in codes
    assert ("/pep/meeting_date", "invalid-date") in codes


def test_roster_mismatch_is_a_wrong_child_error(tmp_path: Path, children) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    name, data = returned_form(GOOD)
    path = tmp_path / name
    path.write_bytes(data)
    roster = {c.child_id: c for c in children}
    assert "C10014" in roster
    same = replace(roster["C10014"], first_name="Mia", last_name="Example",
                   date_of_birth=__import__("datetime").date(2016, 2, 11))
    ok = check_file(path, CheckOptions(roster={**roster, "C10014": same}))
    assert not [f for f in ok.findings if f.code in {"wrong-child", "not-on-roster"}]
    other = replace(same, last_name="Different")
    bad = check_file(path, CheckOptions(roster={"C10014": other}))
    wrong = [f for f in bad.findings if f.code == "wrong-child"]
    assert len(wrong) == 1 and "data protection" in wrong[0].message
    assert "Different" not in wrong[0].message and "Example" not in wrong[0].message
    missing = check_file(path, CheckOptions(roster={}))
    assert [f.code for f in missing.findings if f.code == "not-on-roster"] == ["not-on-roster"]
    assert missing.status == "fail"
