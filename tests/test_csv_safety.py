"""Every CSV pepforms writes goes through one writer that neutralises spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.cli import main
from pepforms.report.csvfile import FORMULA_STARTS, csv_bytes, safe_cell

HOSTILE = ['=HYPERLINK("x")', "+1", "-1", "@SUM(1)", "\tTAB", "\rCR"]
HEADER = ("child_id,first_name,last_name,date_of_birth,upn,gender,legal_status,date_entered_care,"
          "school_name,school_urn,designated_teacher_name,designated_teacher_email,"
          "social_worker_name,social_worker_email,carer_name\n")


def cells(path: Path) -> list[str]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), f"{path.name} has no BOM: not from the one writer"
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def assert_safe(path: Path) -> None:
    for cell in cells(path):
        assert not cell.startswith(FORMULA_STARTS), (path.name, cell)


def test_safe_cell_neutralises_exactly_the_formula_starts() -> None:
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Ada") == "Ada" and safe_cell(-1) == "-1" and safe_cell(None) == ""
    back = cells_of(csv_bytes(["a"], [[t] for t in HOSTILE]))
    assert back == ["a", *("'" + t for t in HOSTILE)]


def cells_of(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]


@pytest.fixture()
def hostile_roster(tmp_path: Path) -> Path:
    rows = []
    for n, text in enumerate(HOSTILE[:4]):
        rows.append(f'"{text.replace(chr(34), chr(34) * 2)}",Ada,Specimen,14/01/2016,,Female,C2,'
                    f'01/09/2024,"{text.replace(chr(34), chr(34) * 2)} School",90010{n},Anna '
                    "Exemplar,dt@example.org,Sam Trialworth,sw@example.org,Jo Demo")
    rows.append(',Bo,Specimen,31/02/2016,,Male,C2,01/09/2024,"=cmd|x",900109,Anna Exemplar,'
                "dt@example.org,Sam Trialworth,sw@example.org,Jo Demo")  # a row with problems
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_every_csv_output_is_safe(hostile_roster: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = Path("forms")
    made = runner.invoke(main, ["generate", "--authority", "cheshire-west", "--term",
                                "spring-2027", "--roster", str(hostile_roster), "--out",
                                str(out)])
    assert made.exit_code == 0, made.output
    # Returned files whose names begin like formulas, some readable and some not.
    returned = Path("returned")
    returned.mkdir()
    for n, text in enumerate(HOSTILE[:4]):
        (returned / f"{text.replace('/', '_')}.docx").write_bytes(b"not a zip")
        form = next(p for p in out.rglob("*.docx") if p.name.startswith("Specimen"))
        (returned / f"{text.replace('/', '_')}-{n}-ok.docx").write_bytes(form.read_bytes())
    checked = runner.invoke(main, ["validate", str(returned), "--csv", "findings.csv",
                                   "--roster", str(hostile_roster)])
    assert checked.exit_code == 1, checked.output
    pack = runner.invoke(main, ["generate", "--authority", "cheshire-west", "--term",
                                "summer-2027", "--roster", str(hostile_roster), "--previous",
                                str(returned), "--out", "pack"])
    assert pack.exit_code == 0, pack.output
    written = [out / "manifest.csv", out / "roster-problems.csv", Path("findings.csv"),
               Path("pack") / "previous-not-used.csv", Path("pack") / "manifest.csv"]
    for path in written:
        assert path.is_file(), path
        assert_safe(path)
    # And the hostile text really went through them (escaped, not dropped).
    everything = "".join("".join(cells(p)) for p in written)
    for text in HOSTILE[:4]:
        assert "'" + text in everything, text
