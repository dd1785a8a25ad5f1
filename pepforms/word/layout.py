"""How a Word form looks: its styles, page sizes, column widths, shading and row heights.

Kept apart from `template.py` (what goes where) so that the look is in one place: the paragraph
and character styles a form uses are named styles (an authority restyles its templates in Word by
changing them), and the measures below are the ones the tests hold the built templates to.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from pepforms.schema import Field, Table
from pepforms.word.ooxml import el, qn

# Page: A4 with 1.8 cm margins; the text is 17.4 cm wide in portrait, 26.1 cm in landscape.
PAGE_SHORT, PAGE_LONG, MARGIN = 21.0, 29.7, 1.8
PORTRAIT_WIDTH = PAGE_SHORT - 2 * MARGIN
LANDSCAPE_WIDTH = PAGE_LONG - 2 * MARGIN
LABEL_WIDTH = 5.6  # the label column of a label | value table
MIN_COLUMN = 2.5  # no column of any table narrower than this (cm)
MIN_LONG_TEXT_COLUMN = 3.5  # a column people write sentences in
# Minimum heights (cm): a long answer gets a box of about five lines that grows as the school
# types; a table row with a long-text column about three lines; a short answer one line.
MULTILINE_ROW = 1.9
MULTILINE_TABLE_ROW = 1.3
SHORT_ROW = 0.62

INK = RGBColor(0x1A, 0x1A, 0x1A)
QUIET = RGBColor(0x59, 0x59, 0x59)  # guidance: 7:1 on white, still easy to read
HEADING = RGBColor(0x1F, 0x38, 0x64)
PLACEHOLDER_GREY = RGBColor(0x76, 0x76, 0x76)
LABEL_FILL = "E8EEF4"  # the label column
HEADER_FILL = "D5DFEA"  # a table's header row
BOX_FILL = "F3F6FA"  # the first-page box
BORDER = "8A9BB0"

GUIDANCE_STYLE = "PEP Guidance"
ROLE_STYLE = "PEP Completed By"
LABEL_STYLE = "PEP Label"
BOX_STYLE = "PEP Box"

# Weights for sharing a table's width among its columns: long text wider, ticks and dates narrow.
_WEIGHTS = {"multiline": 3.0, "text": 2.0, "choice": 1.7, "date": 1.35, "money": 1.15,
            "percentage": 1.1, "number": 1.0, "integer": 1.0, "checkbox": 0.9, "term": 1.5}


def twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


# --------------------------------------------------------------------------------------------
# Styles


def _paragraph_style(doc, name: str, size: float, color: RGBColor, *,  # type: ignore[no-untyped-def]
                     italic: bool = False, bold: bool = False, after: float = 2) -> None:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size)
    style.font.color.rgb = color
    style.font.italic = italic
    style.font.bold = bold
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(after)


def apply_styles(doc) -> None:  # type: ignore[no-untyped-def]
    """The form's styles: Arial throughout, quiet guidance, grey placeholders, calm headings."""
    styles = doc.styles
    if "Placeholder Text" not in [s.name for s in styles]:
        styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    placeholder = styles["Placeholder Text"]
    placeholder.font.color.rgb = PLACEHOLDER_GREY
    # python-docx derives the style id from the name; Word's own id is PlaceholderText.
    placeholder.element.set(qn("w:styleId"), "PlaceholderText")
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(2)
    for name, size, before, after in (("Title", 20, 0, 2), ("Heading 1", 13, 14, 3)):
        style = styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = HEADING
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    _remove_title_rule(styles["Title"])
    _paragraph_style(doc, GUIDANCE_STYLE, 8.5, QUIET, after=3)
    _paragraph_style(doc, ROLE_STYLE, 8.5, QUIET, italic=True, after=3)
    _paragraph_style(doc, LABEL_STYLE, 9.5, INK, bold=True, after=0)
    _paragraph_style(doc, BOX_STYLE, 9.5, INK, after=3)
    styles[ROLE_STYLE].paragraph_format.keep_with_next = True
    styles[GUIDANCE_STYLE].paragraph_format.keep_with_next = True


def _remove_title_rule(style) -> None:  # type: ignore[no-untyped-def]
    # python-docx's default Title has a blue rule under it and a theme font: a plain title reads
    # better on a form.
    ppr = style.element.find(qn("w:pPr"))
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


# --------------------------------------------------------------------------------------------
# Column widths and page orientation


def column_widths(table: Table, width: float) -> list[float]:
    """Column widths (cm) sharing `width` by weight, none narrower than MIN_COLUMN."""
    weights = [_WEIGHTS.get(c.kind, 1.5) for c in table.columns]
    fixed: dict[int, float] = {}
    while True:
        free = width - sum(fixed.values())
        share = sum(w for i, w in enumerate(weights) if i not in fixed)
        widths = [fixed.get(i, free * w / share if share else MIN_COLUMN)
                  for i, w in enumerate(weights)]
        narrow = [i for i, w in enumerate(widths) if i not in fixed and w < MIN_COLUMN]
        if not narrow:
            return widths
        for i in narrow:
            fixed[i] = MIN_COLUMN
        if len(fixed) == len(weights):
            return widths if sum(widths) >= width else [MIN_COLUMN] * len(weights)


def fits(table: Table, width: float) -> bool:
    """Whether a table's columns fit `width` at their minimum widths."""
    widths = column_widths(table, width)
    if sum(widths) > width + 0.01:
        return False
    return all(w >= MIN_LONG_TEXT_COLUMN - 0.01 for w, c in zip(widths, table.columns, strict=True)
               if c.kind == "multiline")


def needs_landscape(tables: Sequence[Table]) -> bool:
    """Whether any of these tables is too wide for a portrait page."""
    return any(not fits(t, PORTRAIT_WIDTH) for t in tables)


def set_portrait(section) -> None:  # type: ignore[no-untyped-def]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_SHORT), Cm(PAGE_LONG)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN))


def start_section(doc, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    """A section break to a new page, portrait or landscape (headers and footers carry on)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    set_portrait(section)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(PAGE_LONG), Cm(PAGE_SHORT)


# --------------------------------------------------------------------------------------------
# Tables, rows and cells


def table_properties(table, widths: Sequence[float], caption: str | None = None,  # type: ignore[no-untyped-def]
                     description: str | None = None) -> None:
    """Fixed column widths, soft borders and roomy cell margins; the caption (alt-text title)
    and description last, where the schema puts them."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    style = tbl_pr.find(qn("w:tblStyle"))
    for child in list(tbl_pr):
        tbl_pr.remove(child)
    if style is not None:
        tbl_pr.append(style)
    tbl_pr.append(el("w:tblW", {"w:w": twips(sum(widths)), "w:type": "dxa"}))
    borders = el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(el(f"w:{side}", {"w:val": "single", "w:sz": 4, "w:space": 0,
                                        "w:color": BORDER}))
    tbl_pr.append(borders)
    tbl_pr.append(el("w:tblLayout", {"w:type": "fixed"}))
    tbl_pr.append(el("w:tblCellMar", None,
                     el("w:top", {"w:w": 45, "w:type": "dxa"}),
                     el("w:left", {"w:w": 85, "w:type": "dxa"}),
                     el("w:bottom", {"w:w": 45, "w:type": "dxa"}),
                     el("w:right", {"w:w": 85, "w:type": "dxa"})))
    tbl_pr.append(el("w:tblLook", {"w:val": "04A0", "w:firstRow": 1, "w:lastRow": 0,
                                   "w:firstColumn": 1, "w:lastColumn": 0, "w:noHBand": 0,
                                   "w:noVBand": 1}))
    if caption is not None:
        tbl_pr.append(el("w:tblCaption", {"w:val": caption}))
    if description is not None:
        tbl_pr.append(el("w:tblDescription", {"w:val": description}))
    grid = tbl.find(qn("w:tblGrid"))
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(twips(width)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell_properties(cell, width)


def cell_properties(cell, width: float, fill: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A cell's width and shading, in the order the schema wants them."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for child in list(tc_pr):
        if child.tag in {qn("w:tcW"), qn("w:shd")}:
            tc_pr.remove(child)
    tc_pr.insert(0, el("w:tcW", {"w:w": twips(width), "w:type": "dxa"}))
    if fill:
        tc_pr.insert(1, el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill}))


def row_height(row, cm: float) -> None:  # type: ignore[no-untyped-def]
    """A minimum row height: the row grows with its text."""
    tr_pr = row._tr.get_or_add_trPr()
    for old in tr_pr.findall(qn("w:trHeight")):
        tr_pr.remove(old)
    tr_pr.append(el("w:trHeight", {"w:val": twips(cm), "w:hRule": "atLeast"}))


def header_row(row) -> None:  # type: ignore[no-untyped-def]
    """A table's header row: repeated on every page, never split."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(el("w:cantSplit"))
    tr_pr.append(el("w:tblHeader"))


def field_row_height(f: Field) -> float:
    return MULTILINE_ROW if f.kind == "multiline" else SHORT_ROW


def table_row_height(table: Table) -> float:
    return MULTILINE_TABLE_ROW if any(c.kind == "multiline" for c in table.columns) else SHORT_ROW


def keep_with_next(paragraph: etree._Element) -> None:
    """Keep a paragraph (a table's heading) on the page of what follows it."""
    ppr = paragraph.find(qn("w:pPr"))
    if ppr is None:
        ppr = el("w:pPr")
        paragraph.insert(0, ppr)
    ppr.append(el("w:keepNext"))
