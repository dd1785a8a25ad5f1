"""Papercuts found as a new user would: each one a plain message, the right exit code, or the
right count (the structure issue's list)."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pepforms.calendar import Term
from pepforms.cli import main
from pepforms.resources import samples_dir

ROSTER = samples_dir() / "roster.csv"
SMALL = "child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care," \
        "school_name,school_urn,designated_teacher_name,designated_teacher_email," \
        "social_worker_name,social_worker_email,carer_name\n"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _roster(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(SMALL + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


ROW = ("C1{n:04d},Ada,Specimen,14/01/2016,,Female,C2,01/09/2024,Exampleton Primary School,"
       "900101,Anna Exemplar,dt@example.org,Sam Trialworth,sw@example.org,Jo Demo")


def test_generate_out_is_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "forms"
    out.write_text("I am a file")
    result = invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                    "--roster", _roster(tmp_path, [ROW.format(n=1)]), "--out", out)
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr
    assert "unexpected" not in result.stderr
    assert out.read_text() == "I am a file"


@pytest.mark.parametrize("text", ["spring2027", "Spring-2027", "spring 2027", "SPRING_2027",
                                  "Spring term 2027"])
def test_term_spellings_are_accepted(text: str, tmp_path: Path) -> None:
    assert Term.parse(text) == Term.parse("spring-2027")
    result = invoke("generate", "--authority", "cheshire-west", "--term", text, "--roster",
                    _roster(tmp_path, [ROW.format(n=1)]), "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "out").rglob("*-spring-2027.docx"))


@pytest.mark.parametrize("typed", ["cheshire", "cheshire west", "Cheshire-Wset"])
def test_unknown_authority_says_did_you_mean(typed: str, tmp_path: Path) -> None:
    result = invoke("generate", "--authority", typed, "--term", "spring-2027", "--roster",
                    _roster(tmp_path, [ROW.format(n=1)]), "--out", tmp_path / "out")
    if typed == "cheshire west":  # the id with a space for a hyphen is the id
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2
    assert "Did you mean cheshire-west" in result.stderr


def test_display_name_is_accepted(tmp_path: Path) -> None:
    result = invoke("generate", "--authority", "Cheshire West and Chester", "--term",
                    "spring-2027", "--roster", _roster(tmp_path, [ROW.format(n=1)]), "--out",
                    tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "CWAC-" in (tmp_path / "out" / "manifest.csv").read_text(encoding="utf-8-sig")


def test_validate_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path / "nothere")
    assert result.exit_code == 2
    assert "nothere does not exist" in result.stderr


def test_a_bad_received_date_names_the_option(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"")
    result = invoke("validate", tmp_path, "--received", "01/31/2027")
    assert result.exit_code == 2
    assert "--received" in result.stderr and "01/31/2027" in result.stderr
    assert "31/01/2027" in result.stderr  # how to write it


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                        "--roster", _roster(tmp_path, [ROW.format(n=1)]), "--out",
                        tmp_path / "out")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for path in [tmp_path / "out" / "manifest.csv", *(tmp_path / "out").rglob("*.docx")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_skipped_rows_are_counted_once_and_pdfs_are_counted(tmp_path: Path) -> None:
    # Row 3 has two faults (an impossible birth date and date entered care): one row not used.
    bad_twice = ROW.format(n=4).replace("14/01/2016", "31/02/2016").replace("01/09/2024",
                                                                            "41/09/2024")
    bad_date = ROW.format(n=3).replace("14/01/2016", "31/02/2016")
    roster = _roster(tmp_path, [ROW.format(n=1), bad_twice, bad_date, ROW.format(n=2)])
    result = invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                    "--roster", roster, "--out", tmp_path / "out", "--format", "docx",
                    "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 forms for 1 school" in result.stdout
    assert "Also wrote 2 fillable PDF form(s)" in result.stdout
    assert "2 roster row(s) were not used" in result.stdout


def test_after_generate_it_says_what_to_do_next(tmp_path: Path) -> None:
    result = invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                    "--roster", _roster(tmp_path, [ROW.format(n=1)]), "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Next: send each school its folder" in result.stdout
    assert "pepforms validate" in result.stdout


def _previous_not_used(out: Path) -> dict[str, str]:
    rows = csv.reader(io.StringIO((out / "previous-not-used.csv").read_text(encoding="utf-8-sig")))
    next(rows)
    return {Path(file).name: why for file, why in rows}


def test_previous_of_another_authority_or_blank_is_not_carried(tmp_path: Path) -> None:
    roster = _roster(tmp_path, [ROW.format(n=1), ROW.format(n=2)])
    sutton = tmp_path / "sutton"
    assert invoke("generate", "--authority", "sutton", "--term", "autumn-2026", "--roster",
                  roster, "--out", sutton).exit_code == 0
    blank = tmp_path / "blank"
    assert invoke("generate", "--authority", "cheshire-west", "--term", "autumn-2026",
                  "--roster", roster, "--out", blank).exit_code == 0
    previous = tmp_path / "previous"
    previous.mkdir()
    [from_sutton] = [p for p in sutton.rglob("*C10001*.docx")]
    [never_filled] = [p for p in blank.rglob("*C10002*.docx")]
    (previous / from_sutton.name).write_bytes(from_sutton.read_bytes())
    (previous / never_filled.name).write_bytes(never_filled.read_bytes())
    out = tmp_path / "pack"
    result = invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                    "--roster", roster, "--previous", previous, "--out", out)
    assert result.exit_code == 0, result.output
    reasons = _previous_not_used(out)
    assert "another authority (sutton)" in reasons[from_sutton.name]
    assert "never filled in" in reasons[never_filled.name]
    assert "0 of them carry last term's PEP forward" in result.stdout
    assert not list(out.rglob("*-finalised.pdf"))


def test_validate_roster_problems_are_reported_not_turned_into_a_breach(tmp_path: Path) -> None:
    # The roster mistypes the child's date of birth: its row is refused, and the form for that
    # child is not called a data protection breach; the roster's own problem is reported.
    roster = _roster(tmp_path, [ROW.format(n=1)])
    assert invoke("generate", "--authority", "cheshire-west", "--term", "spring-2027",
                  "--roster", roster, "--out", tmp_path / "out").exit_code == 0
    [form] = (tmp_path / "out").rglob("*.docx")
    mistyped = _roster(tmp_path, [ROW.format(n=1).replace("14/01/2016", "14/13/2016")])
    result = invoke("validate", form, "--roster", mistyped, "--term", "spring-2027")
    assert result.exit_code == 1
    assert "roster: Line 2, child C10001" in result.stdout
    assert "row for child C10001 (row 2) was not used" in result.stdout
    assert "data protection breach" not in result.stdout
