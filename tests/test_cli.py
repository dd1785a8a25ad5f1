"""Acceptance tests of the `pepforms` command line through click's CliRunner: exit codes and output."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from pepforms.cases import Case, discover, returned_form
from pepforms.cli import main
from pepforms.demo import distinct_children
from pepforms.generating import GenerateResult, generate
from pepforms.resources import samples_dir
from pepforms.schema import authority_ids
from pepforms.word.ooxml import qn
from pepforms.word.reader import scan

ROSTER = samples_dir() / "roster.csv"
TERM = "spring-2027"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def case(name: str) -> Case:
    return next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == name)


@pytest.fixture(scope="module")
def good_case() -> Case:
    return case("good")


@pytest.fixture(scope="module")
def good_returned(good_case: Case) -> tuple[str, bytes]:
    return returned_form(good_case)


@pytest.fixture(scope="module")
def good_docx(good_returned: tuple[str, bytes]) -> bytes:
    return good_returned[1]


@pytest.fixture(scope="module")
def bad_returned() -> tuple[str, bytes]:
    # For a child of its own: the good form's child twice in a batch is a duplicate return.
    return returned_form(distinct_children([case("good"), case("attendance-unexplained")])[1])


@pytest.fixture()
def good_form(tmp_path: Path, good_returned: tuple[str, bytes]) -> Path:
    name, data = good_returned
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture()
def bad_form(tmp_path: Path, bad_returned: tuple[str, bytes]) -> Path:
    name, data = bad_returned
    path = tmp_path / "bad" / name  # the same child as the good form: keep the names apart
    path.parent.mkdir()
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def blank_pack(tmp_path_factory: pytest.TempPathFactory) -> GenerateResult:
    return generate("cheshire-west", TERM, ROSTER, tmp_path_factory.mktemp("pack"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- authorities, templates ---------------------------------------------------------------------

def test_authorities_lists_every_authority() -> None:
    result = invoke("authorities")
    assert result.exit_code == 0
    assert "cheshire-west" in result.stdout
    assert "Cheshire West and Chester" in result.stdout
    for authority in authority_ids():
        assert authority in result.stdout


def test_template_check_passes_for_cheshire_west() -> None:
    result = invoke("template", "check", "cheshire-west")
    assert result.exit_code == 0, result.output
    for phase in ("early-years", "y1-11", "post-16", "targeted-curriculum"):
        assert f"cheshire-west/{phase}: ok" in result.stdout


# --- validate ---------------------------------------------------------------------------------

def test_validate_good_form_passes(good_form: Path) -> None:
    result = invoke("validate", good_form)
    assert result.exit_code == 0, result.output
    assert f"{good_form}: pass" in result.stdout
    assert "1 form(s): 1 pass, 0 fail, 0 unreadable." in result.stdout


def test_validate_bad_form_fails_with_the_message(bad_form: Path) -> None:
    result = invoke("validate", bad_form)
    assert result.exit_code == 1
    assert "Attendance is below 95%, so the form must give the reasons for absence" in result.stdout
    assert str(bad_form) in result.stdout
    assert "0 pass, 1 fail" in result.stdout


def test_validate_folder_with_a_good_and_an_unreadable_file(tmp_path: Path, good_form: Path) -> None:
    broken = tmp_path / "Broken-Form-C10099-spring-2027.docx"
    broken.write_bytes(good_form.read_bytes()[:2000])
    result = invoke("validate", tmp_path)
    assert result.exit_code == 1
    assert f"{good_form}: pass" in result.stdout
    assert f"{broken}: This file is damaged" in result.stdout
    assert "2 form(s): 1 pass, 0 fail, 1 unreadable." in result.stdout


def test_validate_missing_path_is_a_usage_error(tmp_path: Path, good_form: Path) -> None:
    # A path that does not exist is a mistyped command, not a returned form: exit 2, nothing run.
    missing = tmp_path / "nothere"
    result = invoke("validate", good_form, missing)
    assert result.exit_code == 2
    assert f"{missing} does not exist" in result.stderr
    assert "pass" not in result.stdout


def test_validate_only_a_missing_path(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path / "nothing.docx")
    assert result.exit_code == 2
    assert "nothing.docx does not exist" in result.stderr
    assert result.stdout == ""


def test_validate_empty_folder_is_a_tool_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a form")
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert "No forms found" in result.stderr


@pytest.mark.parametrize("term", ["bogus", "winter-2027", "2027-spring"])
def test_validate_bad_term_is_a_usage_error(good_form: Path, term: str) -> None:
    result = invoke("validate", "--term", term, good_form)
    assert result.exit_code == 2
    assert "--term" in result.output
    assert "spring-2027" in result.output  # it shows how to write a term


def test_validate_other_term_is_a_warning_only(good_form: Path) -> None:
    result = invoke("validate", "--term", "autumn-2026", good_form)
    assert result.exit_code == 0
    assert "This form was issued for spring-2027" in result.stdout


def test_validate_json_report_shape(tmp_path: Path, good_form: Path, bad_form: Path) -> None:
    report_path = tmp_path / "report.json"
    result = invoke("validate", good_form, bad_form, "--json", report_path)
    assert result.exit_code == 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {"version", "summary", "forms"} <= set(report)
    assert report["version"] == 1
    assert report["summary"] == {"forms": 2, "pass": 1, "fail": 1, "unreadable": 0}
    form_keys = {"path", "form_id", "authority", "phase", "term", "child_id", "status", "read_by",
                 "application", "findings"}
    finding_keys = {"code", "severity", "pointer", "section", "field", "role", "message", "note"}
    by_path = {f["path"]: f for f in report["forms"]}
    assert set(by_path) == {str(good_form), str(bad_form)}
    for form in report["forms"]:
        assert form_keys <= set(form)
        assert (form["authority"], form["phase"], form["term"]) == ("cheshire-west", "y1-11", TERM)
        assert form["read_by"] == "tags"
        assert form["form_id"]
        for finding in form["findings"]:
            assert finding_keys <= set(finding)
    good, bad = by_path[str(good_form)], by_path[str(bad_form)]
    assert good["status"] == "pass" and good["findings"] == []
    assert bad["status"] == "fail"
    assert {(f["code"], f["pointer"], f["severity"]) for f in bad["findings"]} == {
        ("attendance-not-explained", "/attendance/explanation", "error"),
        ("attendance-not-explained", "/attendance/strategies", "error")}
    assert all(f["section"] and f["message"] for f in bad["findings"])


def test_validate_json_refuses_to_replace_a_report_without_force(tmp_path: Path, good_form: Path) -> None:
    report_path = tmp_path / "report.json"
    report_path.write_text("earlier report")
    result = invoke("validate", good_form, "--json", report_path)
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert report_path.read_text() == "earlier report"
    forced = invoke("validate", good_form, "--json", report_path, "--force")
    assert forced.exit_code == 0
    assert json.loads(report_path.read_text())["summary"]["pass"] == 1


def test_validate_csv_report(tmp_path: Path, bad_form: Path) -> None:
    csv_path = tmp_path / "findings.csv"
    result = invoke("validate", bad_form, "--csv", csv_path)
    assert result.exit_code == 1
    text = csv_path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 3  # a header and the two findings
    assert "attendance-not-explained" in text


def test_validate_verbose_shows_codes(bad_form: Path) -> None:
    plain = invoke("validate", bad_form)
    verbose = invoke("validate", "-v", bad_form)
    assert verbose.exit_code == 1
    assert "[attendance-not-explained]" in verbose.stdout
    assert "[attendance-not-explained]" not in plain.stdout


def _with_unreadable_percentage(docx: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(blob)
                control = scan(root).controls["/attendance/percentage"]
                next(control.iter(qn("w:t"))).text = "ninety-two"
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, blob)
    return out.getvalue()


def test_validate_verbose_shows_the_code_and_the_raw_text(tmp_path: Path, good_docx: bytes) -> None:
    path = tmp_path / "typo.docx"
    path.write_bytes(_with_unreadable_percentage(good_docx))
    result = invoke("validate", "-v", path)
    assert result.exit_code == 1
    assert "[value-not-understood] ninety-two" in result.stdout
    assert "Attendance this academic year (%)" in result.stdout


def test_validate_verbose_shows_the_code_of_a_finding_without_a_note(tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    result = invoke("validate", "-v", empty)
    assert result.exit_code == 1
    assert "[damaged-file]" in result.stdout


# --- read -------------------------------------------------------------------------------------

def test_read_prints_the_instance_as_json(good_form: Path, good_case: Case) -> None:
    result = invoke("read", good_form)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == good_case.instance
    assert "read by tags" in result.stderr


def test_read_unreadable_file_exits_2_with_the_finding(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = invoke("read", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "old-style Word document" in result.stderr


def test_read_malformed_document_says_the_file_is_damaged(tmp_path: Path, good_docx: bytes) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            dst.writestr(info, blob[: len(blob) // 2] if info.filename == "word/document.xml" else blob)
    path = tmp_path / "malformed.docx"
    path.write_bytes(out.getvalue())
    result = invoke("read", path)
    assert result.exit_code == 2
    assert "damaged" in result.stderr
    assert "unexpected problem" not in result.stderr


# --- fill -------------------------------------------------------------------------------------

def _answers(blank_instance: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(blank_instance)
    data["pep"].update({"pep_type": "termly", "meeting_date": "2027-01-14",
                        "next_meeting_date": "2027-04-22"})
    data["attendance"].update({"percentage": 91.5, "explanation": "Illness in November.",
                               "strategies": "Morning check-in.\nWeekly call with the carer."})
    data["voice"] = {"views": "I like maths and art."}
    data["targets"] = [
        {"area": "literacy", "target": "I will read every day.", "actions": "Reading club.",
         "who": "Class TA", "by_when": "2027-04-01", "pp_cost": 1200.5},
        {"area": "wellbeing", "target": "I will tell an adult when I am worried.",
         "actions": "Daily check-in.", "who": "Mentor", "by_when": "2027-03-01"},
    ]
    data["meeting"]["attendees"] = [{"name": "Kim Pilotson", "role": "Social worker", "attended": True},
                                    {"name": "Jan Dummy", "role": "Carer", "attended": False}]
    return data


def test_fill_round_trip(tmp_path: Path, blank_pack: GenerateResult) -> None:
    form = next(f for f in blank_pack.forms if f.phase == "y1-11")
    blank = blank_pack.out_dir / form.file
    before = blank.read_bytes()
    read_blank = invoke("read", blank)
    assert read_blank.exit_code == 0, read_blank.stderr
    answers = _answers(json.loads(read_blank.stdout))
    data = tmp_path / "answers.json"
    data.write_text(json.dumps(answers), encoding="utf-8")
    filled = tmp_path / "filled.docx"
    result = invoke("fill", blank, data, "-o", filled)
    assert result.exit_code == 0, result.output
    assert f"wrote {filled}" in result.stdout
    assert result.stderr == ""  # nothing was left unfilled
    read_back = invoke("read", filled)
    assert read_back.exit_code == 0, read_back.stderr
    assert json.loads(read_back.stdout) == answers
    assert blank.read_bytes() == before  # the blank form is untouched


def test_fill_refuses_to_replace_without_force(tmp_path: Path, blank_pack: GenerateResult) -> None:
    blank = blank_pack.out_dir / next(f for f in blank_pack.forms if f.phase == "y1-11").file
    data = tmp_path / "answers.json"
    data.write_text("{}", encoding="utf-8")
    out = tmp_path / "filled.docx"
    out.write_bytes(b"keep me")
    result = invoke("fill", blank, data, "-o", out)
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert out.read_bytes() == b"keep me"


def test_fill_with_bad_json_exits_2(tmp_path: Path, blank_pack: GenerateResult) -> None:
    blank = blank_pack.out_dir / next(f for f in blank_pack.forms if f.phase == "y1-11").file
    data = tmp_path / "answers.json"
    data.write_text("{not json", encoding="utf-8")
    result = invoke("fill", blank, data, "-o", tmp_path / "out.docx")
    assert result.exit_code == 2
    assert "could not be read as JSON" in result.stderr
    assert not (tmp_path / "out.docx").exists()


# --- generate ---------------------------------------------------------------------------------

def _generate(out: Path, *extra: str, authority: str = "cheshire-west") -> Result:
    return invoke("generate", "--authority", authority, "--term", TERM, "--roster", ROSTER, "--out", out,
                  *extra)


def test_generate_unknown_authority_lists_the_known_ones(tmp_path: Path) -> None:
    result = _generate(tmp_path / "out", authority="atlantis")
    assert result.exit_code == 2
    assert "atlantis" in result.stderr
    for authority in authority_ids():
        assert authority in result.stderr
    assert not (tmp_path / "out").exists()


def test_generate_bad_term_exits_2(tmp_path: Path) -> None:
    result = invoke("generate", "--authority", "cheshire-west", "--term", "spring", "--roster", ROSTER,
                    "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "--term" in result.output
    assert not (tmp_path / "out").exists()


def test_generate_twice_keeps_what_is_right_refuses_what_differs_then_force_replaces(tmp_path: Path) -> None:
    out = tmp_path / "pack"
    first = _generate(out)
    assert first.exit_code == 0, first.output
    assert "Wrote 30 forms for 10 schools" in first.stdout
    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    assert len(manifest) == 30
    before = snapshot(out)

    # The same run again: everything already there is exactly right, so nothing changes.
    second = _generate(out)
    assert second.exit_code == 0, second.output
    assert snapshot(out) == before

    # Spoil one form: a re-run refuses to replace it without --force, and changes nothing.
    victim = out / manifest[0]["file"]
    victim.write_bytes(b"spoilt")
    spoilt = snapshot(out)
    third = _generate(out)
    assert third.exit_code == 2
    assert "differ" in third.stderr and "--force" in third.stderr
    assert snapshot(out) == spoilt
    forced = _generate(out, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Wrote 30 forms" in forced.stdout
    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        entry = next(r for r in csv.DictReader(handle) if r["file"] == manifest[0]["file"])
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == entry["sha256"]
    assert zipfile.is_zipfile(victim)
