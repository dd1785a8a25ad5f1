"""The finalised record's own layout (pdf/flow, pdf/grid): lines broken where reportlab's
paragraphs break them, words wider than a column broken rather than clipped, tables that move rows
whole or run a tall row on across pages with their heading repeated, and text that stays inside
the page frame and reads back from the PDF, whatever its characters.
"""

from __future__ import annotations

import copy
import io
import re
from typing import Any
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader
from reportlab.lib.colors import black
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from pepforms.pdf.flow import Frame, Style, Text, draw, wrap
from pepforms.pdf.grid import Cell, Grid, Padding
from pepforms.pdf.record import (
    BOTTOM_MARGIN,
    EMPTY,
    FONT,
    FONT_BOLD,
    MARGIN,
    PAGE_SIZE,
    TOP_MARGIN,
    body_width,
    register_fonts,
    styles,
)
from pepforms.schema import form_model

from .test_pdf import CHILD_NAME, body_text, footer_for, good_cases, page_texts, record_for, squash


def reportlab_lines(text: str, style: str, width: float) -> tuple[str, ...]:
    """How a reportlab Paragraph in one of the record's styles breaks `text` (the oracle)."""
    para = Paragraph(escape(text), styles()[style])
    para.wrap(width, 10**6)
    return tuple(" ".join(words) for _, words in para.blPara.lines)


def answers() -> list[str]:
    """Every one-paragraph text answer of the good sample forms, and some awkward ones."""
    out = set()
    for case in good_cases().values():
        stack: list[object] = [case.instance]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, str) and "\n" not in value and value.strip():
                out.add(value)
    out |= {"of support (£, EYPP or PP+)", "a" * 400, "short " + "b" * 300 + " tail end",
            "no\xa0break\xa0here and then some more words to wrap " * 3,
            "lots   of    spaces   between   words " * 4}
    return sorted(out)


@pytest.mark.parametrize(("style", "width"), [("body", 308.6), ("cell", 40.0), ("cell", 93.4),
                                               ("label", 169.6), ("cell-head", 25.0)])
def test_wrap_breaks_lines_where_reportlab_paragraphs_do(style: str, width: float) -> None:
    register_fonts()
    st = styles()[style]
    texts = answers()
    assert len(texts) > 100
    for text in texts:
        assert wrap(text, st.fontName, st.fontSize, width) == reportlab_lines(text, style, width), \
            text


def test_a_word_wider_than_its_column_is_broken_at_the_edge_and_kept_whole() -> None:
    register_fonts()
    word = "Supercalifragilistic" * 20
    lines = wrap(f"Before {word} after", FONT, 9, 100)
    assert lines[0].startswith("Before ") and lines[-1].endswith(" after")
    assert "".join(lines).replace(" ", "") == f"Before{word}after"
    assert all(stringWidth(line, FONT, 9) <= 100 for line in lines)
    assert len(lines) > 10


def test_wrap_keeps_line_breaks_and_blank_lines_and_no_break_spaces() -> None:
    register_fonts()
    assert wrap("one\n\nthree   words  here", FONT, 9, 500) == ("one", "", "three words here")
    assert wrap("a\xa0b c", FONT, 9, stringWidth("a\xa0b", FONT, 9) + 1) == ("a\xa0b", "c")


# --------------------------------------------------------------------------------------------
# Tables on small pages


PAGE = (300.0, 200.0)
FRAME = Frame(x=10, width=280, top=150, bottom=50)  # 100pt of room a page
STYLE = Style(FONT, 9, 11.5, black)
HEAD = Style(FONT_BOLD, 9, 11.5, black)
PAD = Padding(3, 3, 3, 3)


def drawn(blocks: list[object]) -> list[list[tuple[float, str]]]:
    """Each page's text lines (baseline, text) when `blocks` are drawn on small pages."""
    register_fonts()
    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=PAGE, invariant=1)
    draw(blocks, canv, FRAME)  # type: ignore[arg-type]
    canv.showPage()
    canv.save()
    pages = []
    for page in PdfReader(io.BytesIO(buffer.getvalue())).pages:
        pages.append(_lines(page))
    return pages


def _lines(page: Any) -> list[tuple[float, str]]:
    lines: list[tuple[float, str]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: lines.extend(
        (tm[5], piece.strip()) for piece in text.split("\n") if piece.strip()))
    return lines


def grid(rows: list[list[str]], tall: float = 1000, head: int = 1) -> Grid:
    cells = [[Cell(text, HEAD if i < head else STYLE) for text in row]
             for i, row in enumerate(rows)]
    return Grid(cells, [140, 140], PAD, black, tall=tall, head=head)


def test_rows_move_whole_to_the_next_page_under_a_repeated_heading() -> None:
    rows = [["Who", "When"]] + [[f"Person {i}", f"Day {i}"] for i in range(12)]
    pages = drawn([grid(rows)])
    # 100pt a page: the heading (17.5pt) and four rows of 17.5pt; the fifth would not fit whole.
    assert len(pages) == 3
    seen = []
    for lines in pages:
        texts = [t for _, t in lines]
        assert texts[0].startswith("Who") and "When" in " ".join(texts[:2]), texts
        seen += re.findall(r"Person (\d+)", " ".join(texts))
        assert all(FRAME.bottom <= y <= FRAME.top for y, _ in lines)
    assert seen == [str(i) for i in range(12)]


def test_a_row_taller_than_a_page_runs_on_with_nothing_lost() -> None:
    words = " ".join(f"w{i}" for i in range(300))
    pages = drawn([grid([["Who", "What"], ["Someone", words]], tall=50)])
    assert len(pages) > 3
    found = [int(n) for lines in pages for _, t in lines for n in re.findall(r"w(\d+)", t)]
    assert found == list(range(300))
    for lines in pages:
        assert all(FRAME.bottom <= y <= FRAME.top for y, _ in lines)
        assert lines[0][1].startswith("Who")  # the heading again on every page


def test_a_short_row_is_not_split_but_a_tall_one_is() -> None:
    filler = [["Who", "What"]] + [[f"r{i}", "x"] for i in range(3)]  # 70pt of 100
    row = [f"line{i}" for i in range(4)]  # 4 lines: 52pt, more than the 30pt left
    whole = drawn([grid([*filler, ["kept", "\n".join(row)]])])
    assert not any("line" in t for _, t in whole[0])
    assert any("line3" in t for _, t in whole[1])
    split = drawn([grid([*filler, ["split", "\n".join(row)]], tall=40)])
    # Two 11.5pt lines fit in the 30pt left (less 6pt of padding); the rest run on.
    assert [re.findall(r"line\d", t) for _, t in split[0] if "line" in t] == [["line0"], ["line1"]]
    assert re.findall(r"line\d", " ".join(t for _, t in split[1])) == ["line2", "line3"]


def test_a_heading_is_not_left_at_the_foot_of_a_page() -> None:
    title = Style(FONT_BOLD, 13, 16, black, space_before=12, space_after=2)
    tall = Text("\n".join(f"filler {i}" for i in range(7)), STYLE)  # 80.5pt of 100
    pages = drawn([tall, Text("Heading", title)])
    assert [t for _, t in pages[1]] == ["Heading"]
    assert pages[1][0][0] == pytest.approx(FRAME.top - 13)  # no space before at a page's top


# --------------------------------------------------------------------------------------------
# Whole records


def frame_texts(pdf: bytes) -> list[tuple[float, float, str]]:
    """(x, baseline, text) of every line of every page, headers and footers included."""
    out: list[tuple[float, float, str]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, *_: out.append((tm[4], tm[5], text))
                          if text.strip() else None)
    return out


def test_record_text_stays_inside_the_frame_and_its_column() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    unbroken = "Z" * 3000
    instance["voice"]["views"] = unbroken
    instance["targets"][0]["actions"] = "Y" * 2000
    pdf = record_for(model, instance)
    text = body_text(pdf, f"{CHILD_NAME} · Spring term 2027", footer_for(model))
    assert unbroken in text  # a label | value row: its text runs on across the page break
    # A table row: its other cells and the repeated heading come between its pieces.
    assert sum(len(run) for run in re.findall(r"Y{20,}", text)) == 2000
    value_column = body_width() * 0.64 - 8
    for x, y, line in frame_texts(pdf):
        if set(line.strip()) <= {"Z"}:
            assert stringWidth(line.strip(), FONT, 9) <= value_column
        if set(line.strip()) <= {"Y"}:
            assert stringWidth(line.strip(), FONT, 8) <= body_width() * 0.2
        inside = BOTTOM_MARGIN <= y <= PAGE_SIZE[1] - TOP_MARGIN
        running = y < BOTTOM_MARGIN - 20 or y > PAGE_SIZE[1] - TOP_MARGIN + 8
        assert inside or running, (y, line)
        assert x >= MARGIN - 0.01  # nothing left of the margin (the running text is at it)


def test_record_of_many_rows_keeps_every_row_in_order() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    target = instance["targets"][0]
    instance["targets"] = [dict(target, who=f"Helper {i:03d}") for i in range(150)]
    pdf = record_for(model, instance)
    pages = page_texts(pdf)
    assert len(pages) > 8
    whole = "\n".join(pages)
    assert re.findall(r"Helper (\d{3})", whole) == [f"{i:03d}" for i in range(150)]
    heading = squash("Area Target (what)")
    with_rows = [t for t in pages if "Helper" in t]
    assert len(with_rows) > 5 and all(heading in squash(t) for t in with_rows)


def test_record_shows_empty_and_blank_answers_as_a_dash() -> None:
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    before = "\n".join(page_texts(record_for(model, instance))).count(EMPTY)
    instance["voice"]["views"] = "  \n\t "
    instance["child"]["last_name"] = ""
    after = "\n".join(page_texts(record_for(model, instance))).count(EMPTY)
    assert after == before + 2


def test_record_reads_back_every_character_its_font_has() -> None:
    register_fonts()
    font = getFont(FONT)
    beyond_ascii = [chr(c) for c in sorted(font.face.charToGlyph)
                    if c > 127 and chr(c).isprintable() and not chr(c).isspace()]
    assert len(beyond_ascii) > 160  # more than the font's first subset holds
    text_in = " ".join("".join(beyond_ascii[i:i + 8]) for i in range(0, len(beyond_ascii), 8))
    model = form_model("cheshire-west", "y1-11")
    instance = copy.deepcopy(good_cases()[("cheshire-west", "y1-11")].instance)
    instance["voice"]["views"] = text_in
    pdf = record_for(model, instance)
    assert re.search(rb"/F\d\+1 ", pdf), "a second subset of the font was used"
    text = body_text(pdf, f"{CHILD_NAME} · Spring term 2027", footer_for(model))
    assert squash(text_in) in text


def test_a_paragraph_longer_than_a_page_runs_on_inside_the_frame() -> None:
    pages = drawn([Text("\n".join(f"para {i}" for i in range(20)), STYLE)])
    assert len(pages) == 3  # eight 11.5pt lines a 100pt page
    assert [t for lines in pages for _, t in lines] == [f"para {i}" for i in range(20)]
    assert all(FRAME.bottom <= y <= FRAME.top for lines in pages for y, _ in lines)
