"""The register's commands through click's CliRunner, on a small group built here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar
from pypdf import PdfReader

from pepforms.cli_register import add_register_commands
from pepforms.register import (
    open_register,
    record_issued,
    record_sent_back,
    record_version,
)
from pepforms.register.engine import alembic_config
from pepforms.register.render import status_html

from ..conftest import chromium_pdf
from .conftest import finding, issued_form, received

D = dt.date


@click.group()
def cli() -> None:
    """A stand-in for the pepforms group."""


add_register_commands(cli)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _fill(url: str) -> None:
    """Two schools: one form passed, one needing changes, one overdue, one stray file."""
    with open_register(url) as reg:
        forms = [issued_form("C1"), issued_form("C2"), issued_form("C3", urn="100002")]
        record_issued(reg, forms)
        record_version(reg, received(forms[0], "c1", D(2027, 2, 1), "pass"))
        record_version(reg, received(forms[1], "c2", D(2027, 2, 3), "fail",
                                     findings=(finding("attendance-not-explained"),)))
        record_sent_back(reg, forms[1].form_id, D(2027, 2, 4), "coordinator")
        record_version(reg, received(None, "stray", D(2027, 2, 5), "unreadable",
                                     term="spring-2027"))


def test_status_text_json_csv_and_html(register_url: str, tmp_path: Path) -> None:
    _fill(register_url)
    out = tmp_path / "out"
    result = run("status", "--register", register_url, "--on", "20/02/2027",
                 "--json", str(out / "s.json"), "--csv", str(out / "s.csv"),
                 "--html", str(out / "s.html"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("spring-2027: 3 form(s), as of 2027-02-20")
    assert re.search(r"Oakfield Primary\s+100001\s+2\s+0\s+0\s+0\s+0\s+1\s+1", result.output)
    assert "CWAC-SPRING2027-C3" in result.output and "overdue" in result.output
    assert "1 received file(s) matched no issued form." in result.output
    assert "Most common reasons for changes: Low attendance not explained (1)." in result.output
    data = json.loads((out / "s.json").read_text(encoding="utf-8"))
    assert data["on"] == "2027-02-20"
    assert {f["child_id"]: f["state"] for f in data["forms"] if f["form_id"]} == {
        "C1": "passed", "C2": "sent-back", "C3": "overdue"}
    rows = list(csv.DictReader(io.StringIO((out / "s.csv").read_bytes().decode("utf-8-sig"))))
    assert [r["state"] for r in rows] == ["overdue", "passed", "sent-back", "unmatched"]
    assert rows[3]["form_id"] == "returned/stray.docx"
    page = (out / "s.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and not re.search(r"(src|href)=", page)
    assert page.index("CWAC-SPRING2027-C3") < page.index("<h2>Schools</h2>")  # overdue first
    again = run("status", "--register", register_url, "--csv", str(out / "s.csv"))
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    stdout = run("status", "--register", register_url, "--on", "2027-02-20", "--json", "-")
    assert json.loads(stdout.output)["totals"]["states"]["sent-back"] == 1


def test_status_as_it_stood_on_a_date_and_for_one_school(register_url: str) -> None:
    _fill(register_url)
    before = json.loads(run("status", "--register", register_url, "--on", "2027-01-10",
                            "--json", "-").output)
    assert {f["state"] for f in before["forms"] if f["form_id"]} == {"issued"}
    school = json.loads(run("status", "--register", register_url, "--school", "100002",
                            "--on", "2027-02-20", "--json", "-").output)
    assert [f["child_id"] for f in school["forms"]] == ["C3"]
    bad = run("status", "--register", register_url, "--on", "the 30th of Febtober")
    assert bad.exit_code == 2 and "--on" in bad.output


def test_csv_cells_that_look_like_formulas_are_neutralised(register_url: str,
                                                           tmp_path: Path) -> None:
    with open_register(register_url) as reg:
        record_issued(reg, [issued_form("C1", school_name="=HYPERLINK(\"http://x\")")])
    result = run("status", "--register", register_url, "--csv", str(tmp_path / "s.csv"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "s.csv").read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_the_status_page_escapes_everything(register_url: str) -> None:
    with open_register(register_url) as reg:
        record_issued(reg, [issued_form("C1", school_name="<b>Oak & Ash</b>")])
        from pepforms.register import term_status

        page = status_html(term_status(reg, on=D(2027, 3, 1)))
    assert "&lt;b&gt;Oak &amp; Ash&lt;/b&gt;" in page and "<b>Oak" not in page


def test_the_status_page_in_a_real_browser(register_url: str, tmp_path: Path,
                                           chromium: str) -> None:
    _fill(register_url)
    page = tmp_path / "status.html"
    assert run("status", "--register", register_url, "--on", "2027-02-20", "--html",
               str(page)).exit_code == 0
    pdf = tmp_path / "status.pdf"
    chromium_pdf(chromium, page, pdf)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert "Personal Education Plans: spring-2027" in text
    assert text.index("1 form(s) overdue") < text.index("Forms in each state, by school")
    assert "Birchwood Academy" in text and "Oakfield Primary" in text
    assert "Sent back" in text and "returned/stray.docx" in text


def test_due_with_csv_and_calendar(register_url: str, tmp_path: Path) -> None:
    _fill(register_url)
    result = run("due", "--register", register_url, "--on", "2027-02-10", "--within", "2w",
                 "--csv", str(tmp_path / "due.csv"), "--ics", str(tmp_path / "due.ics"))
    assert result.exit_code == 0, result.output
    assert "Birchwood Academy (100002), designated teacher dt@birchwood.example" in result.output
    assert re.search(r"2027-02-14\s+due\s+PEP meeting\s+CWAC-SPRING2027-C3", result.output)
    assert "2 item(s) due, 0 overdue" in result.output
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "due.csv").read_bytes().decode("utf-8-sig"))))
    assert [(r["form_id"], r["what"], r["due"]) for r in rows] == [
        ("CWAC-SPRING2027-C3", "PEP meeting", "2027-02-14"),
        ("CWAC-SPRING2027-C3", "Form returned", "2027-02-19")]
    events = list(Calendar.from_ical((tmp_path / "due.ics").read_bytes()).walk("VEVENT"))
    assert [e["dtstart"].dt for e in events] == [D(2027, 2, 14), D(2027, 2, 19)]
    assert run("due", "--register", register_url, "--within", "soon").exit_code == 2


def test_qa_decisions(register_url: str) -> None:
    _fill(register_url)
    ok = run("qa", "CWAC-SPRING2027-C1", "--grade", "good", "--by", "A. Officer",
             "--register", register_url, "--on", "2027-02-21")
    assert ok.exit_code == 0 and "QA grade 'good' recorded" in ok.output
    again = run("qa", "CWAC-SPRING2027-C1", "--grade", "Good", "--by", "A. Officer",
                "--register", register_url, "--on", "2027-02-21")
    assert "already recorded" in again.output
    bad = run("qa", "CWAC-SPRING2027-C1", "--grade", "Superb", "--by", "A. Officer",
              "--register", register_url)
    assert bad.exit_code == 2 and "Good, Requires improvement" in bad.output
    missing = run("qa", "CWAC-SPRING2027-NOBODY", "--grade", "Good", "--by", "A. Officer",
                  "--register", register_url)
    assert missing.exit_code == 2 and "There is no form CWAC-SPRING2027-NOBODY" in missing.output
    data = json.loads(run("status", "--register", register_url, "--on", "2027-02-22",
                          "--json", "-").output)
    c1 = next(f for f in data["forms"] if f["child_id"] == "C1")
    assert (c1["state"], c1["qa_grade"]) == ("qa-graded", "Good")


def test_register_info_upgrade_and_purge(register_url: str) -> None:
    from alembic import command

    with open_register(register_url, check_version=False) as reg, reg.writing() as conn:
        command.upgrade(alembic_config(conn), "0001")
    refused = run("status", "--register", register_url)
    assert refused.exit_code == 2 and "run `pepforms register upgrade`" in refused.output
    info = run("register", "info", "--register", register_url)
    assert info.exit_code == 0 and "version 0001 (older: run `pepforms register upgrade`" in \
        info.output
    upgraded = run("register", "upgrade", "--register", register_url)
    assert upgraded.exit_code == 0 and "schema version 0001 -> 0002" in upgraded.output
    assert "already at schema version 0002" in run("register", "upgrade", "--register",
                                                   register_url).output
    _fill(register_url)
    with open_register(register_url) as reg:
        record_issued(reg, [issued_form("C9", term="autumn-2026", issued_on=D(2026, 9, 2))])
    data = json.loads(run("register", "info", "--json", "--register", register_url).output)
    assert data["terms"] == ["autumn-2026", "spring-2027"] and data["counts"]["forms"] == 4
    dry = run("register", "purge", "--before", "spring-2027", "--dry-run", "--register",
              register_url)
    assert dry.exit_code == 0 and dry.output.startswith("Would remove 1 issued form record(s)")
    done = run("register", "purge", "--before", "spring-2027", "--register", register_url)
    assert done.output.startswith("Removed 1 issued form record(s)") and "(autumn-2026)" in \
        done.output
    data = json.loads(run("register", "info", "--json", "--register", register_url).output)
    assert data["terms"] == ["spring-2027"] and data["counts"]["forms"] == 3


def test_the_register_comes_from_the_environment(register_url: str) -> None:
    _fill(register_url)
    result = run("register", "info", env={"PEPFORMS_REGISTER": register_url})
    assert result.exit_code == 0 and re.search(r"^forms:\s+3$", result.output, re.M)


def test_an_unusable_register_is_a_plain_message(tmp_path: Path) -> None:
    result = run("status", "--register", "mysql://u@h/db")
    assert result.exit_code == 2
    assert result.output.startswith("pepforms: The register must be SQLite or PostgreSQL")
    assert "Traceback" not in result.output
    empty = run("status", "--register", f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert empty.exit_code == 2 and "no issued forms yet" in empty.output


@pytest.mark.parametrize("command", [["status"], ["due"], ["remind"], ["qa"], ["register", "info"],
                                     ["register", "upgrade"], ["register", "purge"]])
def test_every_command_has_a_worked_example_and_the_register_option(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and "--register URL" in result.output
