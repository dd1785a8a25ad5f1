"""`pepforms demo --authority NAME` runs the whole cycle for every authority."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.calendar import Term
from pepforms.cases import discover
from pepforms.checking import CheckOptions, validate
from pepforms.cli import main
from pepforms.demo import sample_roster
from pepforms.roster import read_roster
from pepforms.schema import authority_ids


@pytest.mark.parametrize("authority", authority_ids())
def test_demo_runs_the_cycle_for_every_authority(authority: str, tmp_path: Path) -> None:
    assert sample_roster(authority).is_file()
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--authority",
                                       authority])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d" / "report.json").read_text())
    summary = report["summary"]
    assert summary["pass"] >= 4 and summary["fail"] >= 4 and summary["unreadable"] == 0
    assert {f["authority"] for f in report["forms"]} == {authority}
    roster = read_roster(tmp_path / "d" / "roster.csv", Term.parse("spring-2027"))
    children = len(roster.children)
    assert children >= 30
    assert len(list((tmp_path / "d" / "forms").rglob("*.docx"))) == children
    pack_pdfs = list((tmp_path / "d" / "spring-2027-pack").rglob("*-finalised.pdf"))
    assert len(pack_pdfs) == children
    assert "indicative: the QA officer decides" in result.output
    again = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--authority",
                                      authority])
    assert again.exit_code == 2 and "--force" in again.output
    _returns_match_the_demo_roster(authority, tmp_path / "d")


def _returns_match_the_demo_roster(authority: str, out: Path) -> None:
    # The samples checked against the demo's own roster: no "data protection breach" for a
    # sample whose child is on it, except the samples made to be for the wrong child.
    report = validate([out / "returned"], CheckOptions(roster={
        c.child_id: c for c in read_roster(out / "roster.csv", Term.parse("spring-2027")).children}))
    meant = {c.name for c in discover(authority) if any(code in {"wrong-child", "not-on-roster"}
                                                         for _, code in c.expected)}
    for form in report.forms:
        codes = {f.code for f in form.findings}
        if Path(form.path).parent.name not in meant:
            assert not codes & {"wrong-child", "not-on-roster"}, form.path


def test_every_authority_has_its_own_sample_roster() -> None:
    for authority in authority_ids():
        if authority != "cheshire-west":
            assert sample_roster(authority).name == f"{authority}.csv"
