"""validate --annotate: copies of faulty forms with each finding as a Word comment by its answer."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pepforms.annotating import annotate
from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions, check_file, validate
from pepforms.cli import main
from pepforms.demo import distinct_children
from pepforms.report.model import Report

from .conftest import LibreOffice, convert

CASES = {c.name: c for c in discover("cheshire-west") if c.phase == "y1-11"}


def _comments(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        if "word/comments.xml" not in zf.namelist():
            return []
        xml = zf.read("word/comments.xml").decode()
    return ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", c))
            for c in re.findall(r"<w:comment .*?</w:comment>", xml, flags=re.S)]


@pytest.fixture()
def returned(tmp_path: Path) -> Path:
    folder = tmp_path / "returned"
    names = ("good", "target-without-who", "attendance-unexplained", "wrong-child-file-name")
    # Each for a child of its own (the same child twice in a batch is a duplicate return).
    for name, case in zip(names, distinct_children([CASES[n] for n in names]), strict=True):
        file_name, data = returned_form(case)
        (folder / name).mkdir(parents=True)
        (folder / name / file_name).write_bytes(data)
    return folder


def _copies(report: Report, out: Path) -> list[Path]:
    done = annotate(report, out)
    assert all(a.problem is None for a in done)
    return [a.target for a in done if a.target is not None]


def test_each_finding_becomes_a_comment_and_originals_are_untouched(returned: Path,
                                                                   tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in returned.rglob("*.docx")}
    report = validate([returned], CheckOptions(received=CASES["good"].received),
                      keep_answers=True)  # compared below with the copies' answers
    copies = _copies(report, tmp_path / "annotated")
    assert {p: p.read_bytes() for p in returned.rglob("*.docx")} == before
    assert sorted(p.parent.name for p in copies) == ["attendance-unexplained",
                                                     "target-without-who", "wrong-child-file-name"]
    for copy in copies:
        result = next(r for r in report.forms if Path(r.path).parent.name == copy.parent.name)
        assert sorted(_comments(copy)) == sorted(f.message for f in result.findings)
        again = check_file(copy, CheckOptions(received=CASES["good"].received))
        assert again.instance == result.instance
        assert [(f.pointer, f.code) for f in again.findings
                if f.code != "wrong-child"] == [(f.pointer, f.code) for f in result.findings
                                                if f.code != "wrong-child"]


def test_comment_sits_on_the_label_of_its_row(returned: Path, tmp_path: Path) -> None:
    report = validate([returned / "attendance-unexplained"], CheckOptions())
    [copy] = _copies(report, tmp_path / "annotated")
    with zipfile.ZipFile(copy) as zf:
        xml = zf.read("word/document.xml").decode()
    start = xml.index("<w:commentRangeStart")
    row = xml[xml.rfind("<w:tr", 0, start): xml.index("</w:tr>", start)]
    assert "Reasons for absence" in row
    before = xml[:start]
    # Not inside a content control (LibreOffice would empty the comment's text).
    assert before.count("<w:sdtContent>") == before.count("</w:sdtContent>")


def test_cli_annotate_and_no_overwrite_without_force(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "annotated"
    first = CliRunner().invoke(main, ["validate", str(returned), "--annotate", str(out)])
    assert first.exit_code == 1  # the bad forms still fail
    assert "Wrote 3 annotated copies" in first.output
    second = CliRunner().invoke(main, ["validate", str(returned), "--annotate", str(out)])
    assert second.exit_code == 2 and "--force" in second.output
    third = CliRunner().invoke(main, ["validate", str(returned), "--annotate", str(out),
                                      "--force"])
    assert third.exit_code == 1 and "Wrote 3 annotated copies" in third.output


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_comments(returned: Path, tmp_path: Path,
                                       libreoffice: LibreOffice) -> None:
    report = validate([returned / "target-without-who"], CheckOptions())
    [copy] = _copies(report, tmp_path / "annotated")
    out = tmp_path / "saved"
    out.mkdir()
    convert(libreoffice, [copy], "docx:MS Word 2007 XML", out)
    kept = _comments(out / copy.name)
    assert sorted(kept) == sorted(_comments(copy)) and all(kept)
