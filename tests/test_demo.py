"""`pepforms demo --authority NAME` runs the whole cycle for every authority."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cli import main
from pepforms.demo import sample_roster
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
    assert len(list((tmp_path / "d" / "forms").rglob("*.docx"))) == 30
    pack_pdfs = list((tmp_path / "d" / "spring-2027-pack").rglob("*-finalised.pdf"))
    assert len(pack_pdfs) == 30
    assert "indicative: the QA officer decides" in result.output
    again = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--authority",
                                      authority])
    assert again.exit_code == 2 and "--force" in again.output


def test_every_authority_has_its_own_sample_roster() -> None:
    for authority in authority_ids():
        if authority != "cheshire-west":
            assert sample_roster(authority).name == f"{authority}.csv"
