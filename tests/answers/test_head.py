"""The Virtual School Head's report: its figures, the page in headless Chromium (screenshot and
printed text), and the reportlab PDF holding the same figures."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from pepforms.report.answers import AnswerSet
from pepforms.report.head import NOT_KNOWN, TermFigures, head_html, head_report
from pepforms.report.head_pdf import head_pdf

from ..conftest import chromium_pdf
from .conftest import run
from .data import BELOW_95, SPRING

# The figures of the test term, worked out from data.py (15 children, 16 spring files).
FIGURES = [
    "Returned15", "Returnedontime14", "Returnedlate1", NOT_KNOWN,
    "Passingtheirchecksnow10of15", "Needingchangesnow5", "60%(9of15)",
    f"{BELOW_95}of15childrenhaveattendancebelow95%",
    "(lastterm:1ofthe3withafigurethen)", "1rising", "1falling", "1aboutthesame",
    "PP+requestnotcosted2", "Lowattendancenotexplained1", "Youngperson'svoicemissing1",
    "£6,860.00", "£6,123.34for9child(ren)", "5child(ren)", "£11,993.38for14child(ren)",
    "Learning£4,850.00£2,400.00", "Pastoral£600.00£600.00", "Notgiven£1,410.00£1,410.00",
    "90%to94.9%5", "95%ormore10", "Under80%0",
    "SpecimenAcademy(URN900812)3120",  # 3 forms, 1 pass, 2 need changes, 0 graded Good
    "KS2", "KS3", "KS5", "EYFS",
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _names(answers: AnswerSet) -> list[str]:
    return [f.child_name for f in answers.select(SPRING).forms]


def test_the_figures(answers: AnswerSet) -> None:
    r = head_report(answers, SPRING)
    assert (r.returned, r.on_time, r.late, r.passing, r.needs_changes) == (15, 14, 1, 10, 5)
    assert (r.issued, r.overdue) == (None, None)
    assert (r.first_time.count, r.first_time.of, r.first_time.percent) == (9, 15, 60.0)
    a = r.attendance
    assert (a.children, a.below_95, a.below_95_last_term, a.rising, a.falling, a.same) == (
        15, BELOW_95, 1, 1, 1, 1)
    assert dict(r.bands)["90% to 94.9%"] == 5 and dict(r.bands)["95% or more"] == 10
    reasons = {x.text: x.forms for x in r.reasons}
    assert reasons["PP+ request not costed"] == 2  # S0004 and W0002
    assert reasons["Low attendance not explained"] == 1  # W0005's first version
    stages = {k.name: k.forms for k in r.key_stages}
    assert stages == {"EYFS": 2, "KS2": 6, "KS3": 6, "KS5": 1}
    specimen = next(s for s in r.schools if s.urn == "900812")
    assert (specimen.forms, specimen.passing, specimen.needs_changes) == (3, 1, 2)
    assert dict(zip(r.grades, specimen.grades, strict=True))["Good Quality"] == 2
    # Every chart is drawn from the table it sits beside.
    status = r.charts[0]
    assert status.categories == tuple(s.name for s in r.schools)
    assert status.series[1].values == tuple(float(s.needs_changes) for s in r.schools)
    assert r.charts[2].series[0].values == tuple(float(n) for _, n in r.bands)


def test_page_is_self_contained_and_names_no_child(answers: AnswerSet) -> None:
    page = head_html(head_report(answers, SPRING))
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()
    assert not re.search(r"(src|href|xmlns)=", page)
    assert page.count("<svg") == 4 and "Figures only: this report names no child" in page
    for name in _names(answers):
        assert name not in page
    assert "Specimen Academy, Needs changes: 2" in page  # a bar's accessible name
    named = head_html(head_report(answers, SPRING, with_names=True))
    assert "OFFICIAL-SENSITIVE" in named and "Figures only" not in named
    for name in _names(answers):
        assert name in named


def test_register_figures_are_shown_when_known(answers: AnswerSet) -> None:
    page = head_html(head_report(answers, SPRING, figures=TermFigures(issued=21, overdue=4)))
    text = _squash(re.sub(r"<[^>]+>", " ", page))
    assert "Formsissued21" in text and "Overdue(notreturnedbythedatedue)4" in text
    assert NOT_KNOWN not in page


def _screenshot(chromium: str, page: Path, out: Path) -> None:
    profile = out.parent / ".chromium-shot"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                    "--hide-scrollbars", "--window-size=1280,2600", f"--screenshot={out}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)


def _pixels(image: Image.Image, colour: tuple[int, int, int]) -> int:
    rgb = image.convert("RGB")
    return sum(n for n, c in rgb.getcolors(maxcolors=1 << 20) or [] if c == colour)


def test_chromium_renders_the_page_and_its_charts(term_folder: Path, tmp_path: Path,
                                                  chromium: str, answers: AnswerSet) -> None:
    html, pdf = tmp_path / "head.html", tmp_path / "head.pdf"
    result = run("report", "--from", str(term_folder), "--term", SPRING, "--html", str(html),
                 "--pdf", str(pdf))
    assert result.exit_code == 0, result.output
    assert "Spring term 2027: 15 form(s) returned, 10 passing, 5 with attendance" in result.output
    shot = tmp_path / "head.png"
    _screenshot(chromium, html, shot)
    image = Image.open(shot)
    assert image.size == (1280, 2600)
    assert _pixels(image, (0, 112, 60)) > 2000  # the green bars were drawn
    assert _pixels(image, (212, 53, 28)) > 500  # and the red ones
    printed = tmp_path / "printed.pdf"
    chromium_pdf(chromium, html, printed)
    text = _squash("".join(p.extract_text() for p in PdfReader(printed).pages))
    for figure in FIGURES:
        assert _squash(figure) in text, figure
    for name in _names(answers):
        assert _squash(name) not in text
    # The reportlab PDF holds the same figures.
    ours = _squash("".join(p.extract_text() for p in PdfReader(pdf).pages))
    for figure in FIGURES:
        assert _squash(figure) in ours, figure


def _pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_pdf_is_reproducible_and_names_children_only_when_asked(answers: AnswerSet) -> None:
    report = head_report(answers, SPRING)
    data = head_pdf(report)
    assert data == head_pdf(report)
    text = _pdf_text(data)
    assert "Figures only" in text
    named = _pdf_text(head_pdf(head_report(answers, SPRING, with_names=True)))
    assert "OFFICIAL-SENSITIVE" in named
    for name in _names(answers):
        assert _squash(name) not in _squash(text) and _squash(name) in _squash(named)


def test_report_needs_an_output_and_a_known_term(term_folder: Path, tmp_path: Path) -> None:
    result = run("report", "--from", str(term_folder), "--term", SPRING)
    assert result.exit_code == 2 and "--html FILE" in result.output
    result = run("report", "--from", str(term_folder), "--term", "summer-2030", "--html",
                 str(tmp_path / "x.html"))
    assert result.exit_code == 2 and "None of the forms is for summer-2030" in result.output
    result = run("report", "--from", str(term_folder), "--term", "spring 27", "--html",
                 str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert not (tmp_path / "x.html").exists()
