"""The finalised PEP record as a PDF, drawn with reportlab (no office suite), and what it shares with the
fillable form: fonts, styles, how a value is shown, and the page header and footer.

The output is reproducible (reportlab's `invariant=1`: no timestamps, a content-derived /ID), so
the same instance gives the same bytes. Text is real text in an embedded TrueType font (Bitstream
Vera, shipped inside reportlab), so the record is selectable and searchable everywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import cache
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.pdfgen import canvas as rl_canvas

from pepforms import pointers
from pepforms.asking import not_asked
from pepforms.calendar import term_label
from pepforms.findings import Finding
from pepforms.grades import QaDecision, QualityGrade
from pepforms.pdf.flow import Block, Frame, Gap, NeedRoom, Style, Text, Together, draw
from pepforms.pdf.grid import Cell, Grid, Padding
from pepforms.pdf.outcome import (
    MARKING,
    RecordFacts,
    findings_by_section,
    findings_rows,
    status_colour,
    summary_rows,
)
from pepforms.schema import Field, FormModel, Section, Table
from pepforms.values import clean_text, format_date, format_money, format_number

__all__ = ["EMPTY", "MARKING", "render_record", "shown"]

PAGE_SIZE = A4
MARGIN = 18 * mm
TOP_MARGIN = 24 * mm  # room for the running header
BOTTOM_MARGIN = 22 * mm  # room for the footer
EMPTY = "—"

FONT = "PepformsVera"
FONT_BOLD = "PepformsVera-Bold"
FONT_ITALIC = "PepformsVera-Italic"

INK = colors.HexColor("#1A1A1A")
GREY = colors.HexColor("#767676")  # 4.5:1 on white: still readable
RULE = colors.HexColor("#B8C2CC")
LABEL_BG = colors.HexColor("#F2F4F7")
HEADER_BG = colors.HexColor("#E3E8EF")
OK_GREEN = colors.HexColor("#1E6B34")
ERROR_RED = colors.HexColor("#A4262C")


class _Face(TTFontFace):
    """A typeface that makes each subset of its glyphs once a process: the records of a batch use
    the same few (ASCII with a dash, a pound sign and a middle dot), and making one took about a
    millisecond a font a record. The bytes are those reportlab makes."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self._made: dict[tuple[int, ...], bytes] = {}

    def makeSubset(self, subset: list[int]) -> bytes:  # noqa: N802 - reportlab's name
        key = tuple(subset)
        made = self._made.get(key)
        if made is None:
            if len(self._made) >= 64:  # a batch of unusual records: start again
                self._made.clear()
            made = self._made[key] = super().makeSubset(subset)
        return made


def _font(name: str, filename: str) -> TTFont:
    font = TTFont(name, filename)
    font.face = _Face(filename)
    return font


@cache
def register_fonts() -> None:
    """Register Bitstream Vera (it ships inside reportlab, so every machine has it) once."""
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    pdfmetrics.registerFont(_font(FONT, os.path.join(folder, "Vera.ttf")))
    pdfmetrics.registerFont(_font(FONT_BOLD, os.path.join(folder, "VeraBd.ttf")))
    pdfmetrics.registerFont(_font(FONT_ITALIC, os.path.join(folder, "VeraIt.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD)


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, textColor=INK,
                          splitLongWords=1)
    return {
        "body": base,
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD),
        "empty": ParagraphStyle("empty", parent=base, textColor=GREY),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell-empty": ParagraphStyle("cell-empty", parent=base, fontSize=8, leading=10, textColor=GREY),
        "cell-head": ParagraphStyle("cell-head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, spaceAfter=2),
        "section": ParagraphStyle("section", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16,
                                  spaceBefore=12, spaceAfter=2),
        "role": ParagraphStyle("role", parent=base, textColor=GREY, fontSize=8.5, spaceAfter=4),
        "table": ParagraphStyle("table", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13,
                                spaceBefore=6, spaceAfter=3),
        "guidance": ParagraphStyle("guidance", parent=base, fontName=FONT_ITALIC, textColor=GREY,
                                   fontSize=8, leading=10, spaceAfter=3),
        "status-ok": ParagraphStyle("status-ok", parent=base, fontName=FONT_BOLD, fontSize=20,
                                    leading=26, textColor=OK_GREEN, spaceAfter=8),
        "status-bad": ParagraphStyle("status-bad", parent=base, fontName=FONT_BOLD, fontSize=20,
                                     leading=26, textColor=ERROR_RED, spaceAfter=8),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


# --------------------------------------------------------------------------------------------
# How a value is shown (the way the Word form shows it)


def shown(f: Field, value: Any) -> str:
    """The text a reader sees for `value` in field `f`; "" when there is none.

    Choices by their display labels, dates as dd/mm/yyyy, money in pounds, percentages with %,
    ticked boxes as Yes/No. A value of an unexpected type is shown as it is, never refused: the
    record must always be printable.
    """
    if value is None or value == "":
        return ""
    try:
        if f.kind == "checkbox":
            return "Yes" if value is True else "No" if value is False else str(value)
        if f.kind == "choice":
            return clean_text(f.label_for(value))
        if f.kind == "term":
            return clean_text(term_label(str(value)))
        if f.kind == "date":
            return format_date(date.fromisoformat(str(value)))
        if isinstance(value, bool):
            return str(value)
        if f.kind == "money":
            return format_money(float(value))
        if f.kind == "percentage":
            return format_number(value) + "%"
        if f.kind in {"number", "integer"}:
            return format_number(value)
    except (TypeError, ValueError):
        pass
    return clean_text(str(value))



def role_text(role: str | None, role_labels: Mapping[str, str]) -> str:
    if not role:
        return ""
    return role_labels.get(role) or role.replace("-", " ").capitalize()


def heading_lines(model: FormModel, organisation: str, term_label: str) -> list[tuple[str, str]]:
    """The form's heading, as (text, style) lines: the record and the fillable form share it."""
    return [(model.title, "title"), *((t, "subtitle") for t in (organisation, term_label) if t)]


def section_heading_lines(section: Section, role_labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """A section's heading and who completes it, as (text, style) lines."""
    who = role_text(section.role, role_labels)
    return [(section.title, "section"), *([(f"Completed by: {who}", "role")] if who else [])]


def column_widths(table: Table, width: float) -> list[float]:
    """Column widths for a table: long-text columns wider, ticks and dates narrow."""
    weights = {"multiline": 3.0, "text": 2.0, "choice": 1.7, "date": 1.35, "money": 1.15,
               "percentage": 1.1, "number": 1.0, "integer": 1.0, "checkbox": 0.9}
    raw = [weights.get(c.kind, 1.5) for c in table.columns]
    total = sum(raw)
    return [width * w / total for w in raw]


# --------------------------------------------------------------------------------------------
# Pages: running header and footer


class PageText:
    """The running header and footer of every page, and its security marking (`marking`) at
    the top and the bottom."""

    def __init__(self, header: str, footer: str, marking: str = "") -> None:
        self.header = header
        self.footer = footer
        self.marking = marking

    def draw(self, canv: rl_canvas.Canvas, page: int, pages: int | None) -> None:
        register_fonts()
        width, height = PAGE_SIZE
        canv.saveState()
        if self.marking:
            canv.setFillColor(ERROR_RED)
            canv.setFont(FONT_BOLD, 9)
            canv.drawCentredString(width / 2, height - 9 * mm, self.marking)
            canv.drawCentredString(width / 2, 5 * mm, self.marking)
        canv.setFillColor(GREY)
        canv.setStrokeColor(RULE)
        canv.setFont(FONT, 8.5)
        canv.drawString(MARGIN, height - 14 * mm, self.header)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, height - 15.5 * mm, width - MARGIN, height - 15.5 * mm)
        canv.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        canv.setFont(FONT, 7.5)
        canv.drawString(MARGIN, 10 * mm, self.footer)
        page_text = f"Page {page} of {pages}" if pages else f"Page {page}"
        canv.drawRightString(width - MARGIN, 10 * mm, page_text)
        canv.restoreState()


def input_digest(*parts: Any) -> bytes:
    """A digest of what a document is made from: it seeds the PDF's /ID.

    In invariant mode reportlab gives every document the same /ID; the PDF standard wants one
    per document, and viewers may use it to tell documents apart. Seeding it with the inputs
    keeps the output reproducible and the /ID distinct.
    """
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


def seeded_canvas(seed: bytes) -> Callable[..., rl_canvas.Canvas]:
    """A plain canvas whose /ID is derived from `seed`."""

    class SeededCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._doc.updateSignature(seed)

    return SeededCanvas


def _numbered_canvas(text: PageText, seed: bytes) -> Callable[..., rl_canvas.Canvas]:
    """A canvas that holds pages back until the end so each footer can say "Page N of M".

    Only for documents without form fields: a held-back page has no page object yet, so a
    widget placed on it would point at the wrong page.
    """

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._doc.updateSignature(seed)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                text.draw(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def footer_text(model: FormModel, form_id: str) -> str:
    return f"Form {form_id} · {model.authority} {model.phase} schema v{model.version}"


def body_width() -> float:
    return PAGE_SIZE[0] - 2 * MARGIN


# --------------------------------------------------------------------------------------------
# The record, drawn straight onto the canvas (see flow: platypus took most of a record's time)

FRAME_PADDING = 6  # platypus's frame padding, kept so that the record's edges stay where they were


def frame_height() -> float:
    return PAGE_SIZE[1] - TOP_MARGIN - BOTTOM_MARGIN


def record_frame() -> Frame:
    """Where the record's text goes on every page: its tables are as wide as the body
    (`body_width`), running into the frame's right padding as platypus drew them."""
    return Frame(x=MARGIN + FRAME_PADDING, width=body_width() - 2 * FRAME_PADDING,
                 top=PAGE_SIZE[1] - TOP_MARGIN - FRAME_PADDING,
                 bottom=BOTTOM_MARGIN + FRAME_PADDING)


TALL = 0.4  # of a page: a row with more text than this runs on inside the row, not moved whole

LABEL_VALUE_PADDING = Padding(left=4, right=4, top=3, bottom=3)  # as label_value_style
GRID_PADDING = Padding(left=3, right=3, top=2.5, bottom=2.5)  # as grid_style


@cache
def text_style(name: str) -> Style:
    """One of `styles()` for drawing on the canvas."""
    st = styles()[name]
    return Style(st.fontName, st.fontSize, st.leading, st.textColor, st.spaceBefore,
                 st.spaceAfter)


def _text(text: str, style: str) -> Text:
    return Text(clean_text(text), text_style(style))


def _cell(text: str, style: str = "body") -> Cell:
    return Cell(clean_text(text), text_style(style))


def _value_cell(text: str, style: str, empty_style: str) -> Cell:
    return _cell(text, style) if text else Cell(EMPTY, text_style(empty_style))


def _label_value(rows: Sequence[Sequence[Cell]]) -> Grid:
    width = body_width()
    pad = LABEL_VALUE_PADDING
    return Grid(rows, [width * 0.36, width * 0.64], pad, RULE,
                tall=frame_height() * TALL + pad.top + pad.bottom, label_fill=LABEL_BG)


def _grid(rows: Sequence[Sequence[Cell]], widths: Sequence[float]) -> Grid:
    """A table with a heading row, repeated on every page it runs on to."""
    pad = GRID_PADDING
    return Grid(rows, widths, pad, RULE, tall=frame_height() * TALL + pad.top + pad.bottom,
                head=1, head_fill=HEADER_BG)


def _record_heading(model: FormModel, organisation: str, term_label: str) -> list[Block]:
    return [*(_text(t, style) for t, style in heading_lines(model, organisation, term_label)),
            Gap(4)]


def _section_heading(section: Section, role_labels: Mapping[str, str]) -> list[Block]:
    return [_text(t, style) for t, style in section_heading_lines(section, role_labels)]


def _scalar_rows(fields: list[Field], instance: Mapping[str, Any]) -> Grid:
    """Label | value rows. A row moves to the next page whole unless it is very long: then its
    text runs on across the page break."""
    return _label_value([
        [_cell(f.display_label, "label"),
         _value_cell(shown(f, pointers.get(instance, f.pointer)), "body", "empty")]
        for f in fields])


def _table_block(table: Table, instance: Mapping[str, Any],
                 section_title: str = "") -> list[Block]:
    rows_in = pointers.get(instance, table.pointer)
    items = [r for r in rows_in if isinstance(r, Mapping)] if isinstance(rows_in, list) else []
    head = [_cell(c.label, "cell-head") for c in table.columns]
    widths = column_widths(table, body_width())
    # One heading: a table that is its whole section is not titled again.
    title: list[Block] = [_text(table.label, "table")] if table.label != section_title else []
    if not items:  # one cell across the columns, as tall as a line in platypus's default font
        none = Cell("None recorded", replace(text_style("cell-empty"), leading=12))
        return [Together([*title, _grid([head, [none]], widths)])]
    body = [[_value_cell(shown(c, item.get(c.key)), "cell", "cell-empty") for c in table.columns]
            for item in items]
    return [NeedRoom(60), *title, _grid([head, *body], widths)]


def _findings_blocks(findings: Sequence[Finding], title: str) -> list[Block]:
    """A small table of open findings: where, what, how serious."""
    width = body_width()
    head = [_cell("Where", "cell-head"), _cell("Open finding", "cell-head"),
            _cell("Severity", "cell-head")]
    rows = [[_cell(text, "cell") for text in row] for row in findings_rows(findings)]
    table = _grid([head, *rows], [width * 0.3, width * 0.56, width * 0.14])
    if len(rows) < 6:  # a short table stays with its title
        return [Gap(4), Together([_text(title, "table"), table])]
    return [Gap(4), NeedRoom(80), _text(title, "table"), table]  # a long one: the title, then it


def _section_blocks(section: Section, instance: Mapping[str, Any],
                    role_labels: Mapping[str, str],
                    findings: Sequence[Finding] = ()) -> list[Block]:
    out: list[Block] = [NeedRoom(90), *_section_heading(section, role_labels)]
    for block in section.blocks():
        if isinstance(block, Table):
            out.extend(_table_block(block, instance, section.title))
        else:
            out.append(_scalar_rows(list(block), instance))
    if findings:  # on the page where the section is, not on a page of their own
        out.extend(_findings_blocks(findings, f"Open findings: {section.title}"))
    return out


def _summary_blocks(model: FormModel, instance: Mapping[str, Any], facts: RecordFacts,
                    findings: Sequence[Finding], whole_form: Sequence[Finding]) -> list[Block]:
    colour = status_colour(facts, findings, OK_GREEN, ERROR_RED)
    status = replace(text_style("label"), colour=colour)
    rows = [[_cell(label, "label"), _cell(value)]
            for label, value in summary_rows(model, instance, facts, findings)]
    rows[0][1] = Cell(clean_text(facts.status), status)
    out: list[Block] = [_label_value(rows)]
    if whole_form:
        out.extend(_findings_blocks(whole_form, "Open findings about the whole form"))
    return out


def _asked_sections(model: FormModel, instance: Mapping[str, Any]) -> list[Section]:
    # A section the form did not ask this child about is not printed as a page of dashes.
    skipped = not_asked(model, instance)
    return [s for s in model.sections if s.pointer not in skipped]


def record_canvas(buffer: io.BytesIO, text: PageText, seed: bytes, *, title: str,
                  author: str) -> rl_canvas.Canvas:
    """The record's canvas: its document information as `document` gives it, and every page's
    running text with "Page N of M"."""
    canv = _numbered_canvas(text, seed)(buffer, pagesize=PAGE_SIZE, invariant=1, lang="en-GB")
    canv.setAuthor(author)
    canv.setTitle(title)
    canv.setSubject("Personal Education Plan")
    canv.setCreator("pepforms")
    canv.setProducer("pepforms (ReportLab)")
    canv.setKeywords("")
    return canv


def render_record(model: FormModel, instance: dict[str, Any], *, organisation: str, child_name: str,
                  term_label: str, form_id: str, status: str, findings: Sequence[Finding],
                  role_labels: Mapping[str, str] = {},  # noqa: B006 - never mutated
                  quality: QualityGrade | None = None, qa: QaDecision | None = None,
                  finalised_by: str | None = None, finalised_on: date | None = None,
                  marking: str = MARKING) -> bytes:
    """The finalised record of one child's PEP as PDF bytes (same input, same bytes).

    A summary first: `status` ("Finalised" or "Not finalised: has errors"), the indicative
    `quality` grade, the QA officer's judgement (`qa`, once recorded), who finalised it and
    when, the PP+ total and how many findings are open. Then every section in form order with
    its fields and tables, and its open findings beside it. Every page carries `marking`.
    """
    register_fonts()
    facts = RecordFacts(status, quality, qa, finalised_by, finalised_on)
    grouped, whole_form = findings_by_section(model, findings)
    blocks = _record_heading(model, organisation, term_label)
    blocks.extend(_summary_blocks(model, instance, facts, findings, whole_form))
    for section in _asked_sections(model, instance):
        blocks.extend(_section_blocks(section, instance, role_labels,
                                      grouped.get(section.key, ())))
    seed = input_digest(model.schema_id, model.version, instance, organisation, child_name, term_label,
                        form_id, status, [f.as_dict() for f in findings], dict(role_labels),
                        quality.as_dict() if quality else None, qa, finalised_by, finalised_on,
                        marking)
    buffer = io.BytesIO()
    text = PageText(f"{child_name} · {term_label}", footer_text(model, form_id), marking)
    canv = record_canvas(buffer, text, seed, title=model.title, author=organisation)
    draw(blocks, canv, record_frame())
    canv.showPage()
    canv.save()
    return buffer.getvalue()
