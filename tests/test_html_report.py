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


def test_chromium_shows_forms_by_school_failing_first(tmp_path: Path, chromium: str) -> None:
    """Rendered by a real browser: a summary per school, then each school's forms with the
    failing ones first, each headed by the child's name and id, with no jargon."""
    from pepforms.demo import distinct_children

    cases = [c for c in discover("sutton") if c.phase == "y1-11"]
    good = next(c for c in cases if c.name == "good")
    faulty = [c for c in cases if c.name != "good" and not c.tamper and not c.file_name][:2]
    folder = tmp_path / "returned"
    made = distinct_children([*faulty, good, *[c for c in CASES.values()
                                               if c.name in ("good", "no-voice")]])
    for i, case in enumerate(made):
        name, data = returned_form(case)
        (folder / str(i)).mkdir(parents=True)
        (folder / str(i) / name).write_bytes(data)
    out = tmp_path / "report.html"
    assert CliRunner().invoke(main, ["validate", str(folder), "--html", str(out)]).exit_code == 1
    pdf = tmp_path / "report.pdf"
    chromium_pdf(chromium, out, pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    report = validate([folder])
    assert "Forms by school" in text and "Checked on" in text and "read by tags" not in text
    for school in {r.school for r in report.forms}:
        forms = sorted((r for r in report.forms if r.school == school),
                       key=lambda r: text.find(r.child_id + ")"))
        positions = [text.find(f"{r.child_name} ({r.child_id})") for r in forms]
        assert all(p >= 0 for p in positions), (school, positions)
        statuses = [r.status for r in sorted(forms, key=lambda r: text.find(
            f"{r.child_name} ({r.child_id})"))]
        assert statuses == sorted(statuses, key=lambda s: s != "fail"), (school, statuses)
    # Schools one after another: every form of a school before the next school's heading.
    headings = sorted({r.school for r in report.forms}, key=lambda s: text.rfind(s))
    assert len(headings) >= 2
