"""validate --html: a self-contained page, rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from pepforms.cases import discover, returned_form
from pepforms.checking import validate
from pepforms.cli import main
from pepforms.report.render import report_html

from .conftest import chromium_pdf

CASES = {c.name: c for c in discover("cheshire-west") if c.phase == "y1-11"}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "returned"
    for name in ("good", "attendance-unexplained", "no-voice"):
        file_name, data = returned_form(CASES[name])
        (folder / name).mkdir(parents=True)
        (folder / name / file_name).write_bytes(data)
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (folder / "<b>odd & name<i>.docx").write_bytes(b"not a zip")
    return folder


def test_page_is_self_contained_escaped_and_reproducible(tmp_path: Path) -> None:
    report = validate([_folder(tmp_path)])
    page = report_html(report)
    assert page == report_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()
    assert not re.search(r"(src|href)=", page)  # nothing fetched from anywhere
    assert "&lt;b&gt;odd &amp; name&lt;i&gt;.docx" in page and "<b>odd" not in page
    assert "OFFICIAL-SENSITIVE" in page


def test_chromium_renders_every_form_and_finding(tmp_path: Path, chromium: str) -> None:
    folder = _folder(tmp_path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["validate", str(folder), "--html", str(out)])
    assert result.exit_code == 1, result.output
    pdf = tmp_path / "report.pdf"
    chromium_pdf(chromium, out, pdf)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(pdf).pages))
    report = validate([folder])
    assert re.sub(r"\s+", "", "5 form(s)") in text
    assert "1pass" in text and "2needchanges" in text and "2couldnotberead" in text
    for form in report.forms:
        for finding in form.findings:
            assert re.sub(r"\s+", "", finding.message) in text, finding.message
        if form.quality:
            assert re.sub(r"\s+", "", form.quality.overall) in text
    assert "Noreadablecontentcouldbefound" not in text
