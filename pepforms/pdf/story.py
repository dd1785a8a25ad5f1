"""The platypus pieces the fillable form and the Head's report are built from: paragraphs in the
record's styles, the document template, headings and table styles. (The finalised record itself
is drawn straight onto the canvas: see record and flow.)"""

from __future__ import annotations

import io
from collections.abc import Mapping
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from pepforms.pdf.paragraphs import paragraph, shared_paragraph
from pepforms.pdf.record import (
    BOTTOM_MARGIN,
    HEADER_BG,
    LABEL_BG,
    MARGIN,
    PAGE_SIZE,
    RULE,
    TOP_MARGIN,
    heading_lines,
    section_heading_lines,
    styles,
)
from pepforms.schema import FormModel, Section
from pepforms.values import clean_text


def markup(text: str) -> str:
    """Plain text as Paragraph markup: XML-escaped, line breaks kept."""
    return escape(clean_text(text)).replace("\n", "<br/>")


SHARED_STYLES = frozenset({"label", "cell-head"})  # text that recurs: see shared_paragraph


def para(text: str, style: str = "body") -> Paragraph:
    if style in SHARED_STYLES:
        return shared_paragraph(markup(text), styles()[style])
    return paragraph(markup(text), styles()[style])


def document(buffer: io.BytesIO, *, title: str, author: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer, pagesize=PAGE_SIZE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN, title=title, author=author, creator="pepforms",
        producer="pepforms (ReportLab)", subject="Personal Education Plan", invariant=1,
        lang="en-GB",
    )


def heading_block(model: FormModel, organisation: str, term_label: str) -> list[Flowable]:
    return [*(para(t, style) for t, style in heading_lines(model, organisation, term_label)),
            Spacer(1, 4)]


def section_heading(section: Section, role_labels: Mapping[str, str]) -> list[Flowable]:
    return [para(t, style) for t, style in section_heading_lines(section, role_labels)]


def label_value_style() -> TableStyle:
    return TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


def grid_style() -> TableStyle:
    return TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ])
