"""The record's tables drawn on the canvas (see flow): a rule round every cell, a heading row
repeated on each page a table runs on to, rows that move whole to the next page unless they are
very tall (those run on inside the row, the rest of each cell continuing on the next page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from pepforms.pdf.flow import FUZZ, Pages, Style, wrap


@dataclass(frozen=True)
class Cell:
    text: str
    style: Style


@dataclass(frozen=True)
class Padding:
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class _Laid:
    """A row's cells broken into lines: (left edge, width, lines, style) each. One cell in a
    table of several columns spans them all."""

    cells: tuple[tuple[float, float, tuple[str, ...], Style], ...]
    height: float
    spans: bool
    head: bool = False


@dataclass
class Grid:
    """A table with a rule round every cell, as wide as its columns.

    The first `head` rows are the heading, repeated at the top of each page the table runs on
    to. A row moves whole to the next page when it does not fit, unless it is taller than
    `tall` (or than a page): then its lines run on, the rest of the row continuing on the next
    page. `label_fill` shades the first column (label | value tables), `head_fill` the heading.
    """

    rows: Sequence[Sequence[Cell]]
    widths: Sequence[float]
    padding: Padding
    rule: Color
    tall: float
    head: int = 0
    label_fill: Color | None = None
    head_fill: Color | None = None
    rule_width: float = 0.5

    @cached_property
    def laid(self) -> tuple[_Laid, ...]:
        """The rows broken into lines (once: a table is measured, then drawn)."""
        return tuple(self._lay(i, row) for i, row in enumerate(self.rows))

    def _lay(self, index: int, row: Sequence[Cell]) -> _Laid:
        pad = self.padding
        spans = len(row) == 1 and len(self.widths) > 1
        widths = [sum(self.widths)] if spans else self.widths
        cells = []
        x = 0.0
        tallest = 0.0
        for cell, width in zip(row, widths, strict=True):
            st = cell.style
            lines = wrap(cell.text, st.font, st.size, width - pad.left - pad.right)
            cells.append((x, width, lines, st))
            tallest = max(tallest, len(lines) * st.leading)
            x += width
        return _Laid(tuple(cells), tallest + pad.top + pad.bottom, spans, index < self.head)

    def height(self, width: float) -> float:
        return sum(r.height for r in self.laid)

    def place(self, pages: Pages) -> None:
        rows = self.laid
        head, body = rows[:self.head], list(rows[self.head:])
        first = head_height = sum(r.height for r in head)
        if body:
            first += self._least(body[0])
        if not pages.at_top and not pages.fits(first):
            pages.new_page()
        page: list[_Laid] = list(head)
        pages.y -= head_height
        for row in body:
            page = self._place_row(pages, row, head, head_height, page)
        self._draw(pages, page, pages.y)
        pages.at_top = False
        pages.after = 0.0

    def _least(self, row: _Laid) -> float:
        """The least of `row` that may begin a page: all of it, or a line of a tall row."""
        if row.height <= self.tall:
            return row.height
        return self.padding.top + self.padding.bottom + max(c[3].leading for c in row.cells)

    def _place_row(self, pages: Pages, row: _Laid, head: Sequence[_Laid], head_height: float,
                   page: list[_Laid]) -> list[_Laid]:
        """Place one body row (running on to new pages as needed); the rows now on the page."""
        fresh = False  # whether the page holds nothing of this table but its heading
        while True:
            if pages.fits(row.height):
                page.append(row)
                pages.y -= row.height
                return page
            split = None
            if row.height > self.tall or row.height > pages.frame.height - head_height:
                split = self._split(row, pages.room())
            if split is None and fresh:  # not one line fits under the heading: draw it as it is
                page.append(row)
                pages.y -= row.height
                return page
            if split is not None:
                part, rest = split
                page.append(part)
                pages.y -= part.height
                if rest is None:
                    return page
                row = rest
            self._draw(pages, page, pages.y)
            pages.new_page()
            page = list(head)
            pages.y -= head_height
            fresh = True

    def _split(self, row: _Laid, room: float) -> tuple[_Laid, _Laid | None] | None:
        """The lines of `row` that fit in `room`, and the rest of the row (None: there is no
        rest); None if not a line fits."""
        pad = self.padding.top + self.padding.bottom
        first, rest = [], []
        used = 0.0
        for x, width, lines, st in row.cells:
            n = max(0, int((room - pad + FUZZ) // st.leading))
            if n == 0 and lines:
                return None
            first.append((x, width, lines[:n], st))
            rest.append((x, width, lines[n:], st))
            used = max(used, len(lines[:n]) * st.leading)
        left = max(len(c[2]) * c[3].leading for c in rest)
        part = _Laid(tuple(first), used + pad, row.spans)
        return part, _Laid(tuple(rest), left + pad, row.spans) if left else None

    def _draw(self, pages: Pages, rows: Sequence[_Laid], bottom: float) -> None:
        """Draw rows placed on this page, the last one ending at `bottom`."""
        if not rows:
            return
        canv = pages.canv
        x0 = pages.frame.x
        top = bottom + sum(r.height for r in rows)
        pad = self.padding
        self._fill(canv, x0, rows, top)
        y = top
        for row in rows:
            for x, _, lines, st in row.cells:
                baseline = y - pad.top - st.size
                for line in lines:
                    pages.text(x0 + x + pad.left, baseline, line, st)
                    baseline -= st.leading
            y -= row.height
        self._rules(canv, x0, rows, top, bottom)

    def _fill(self, canv: Canvas, x0: float, rows: Sequence[_Laid], top: float) -> None:
        if self.label_fill is None and self.head_fill is None:
            return
        canv.saveState()
        y = top
        for row in rows:
            fill, width = None, 0.0
            if row.head and self.head_fill is not None:
                fill, width = self.head_fill, sum(self.widths)
            elif self.label_fill is not None and not row.spans:
                fill, width = self.label_fill, self.widths[0]
            if fill is not None:
                canv.setFillColor(fill)
                canv.rect(x0, y - row.height, width, row.height, stroke=0, fill=1)
            y -= row.height
        canv.restoreState()

    def _rules(self, canv: Canvas, x0: float, rows: Sequence[_Laid], top: float,
               bottom: float) -> None:
        """A rule round the table, between its rows, and between its columns (not across a
        cell that spans them)."""
        right = x0 + sum(self.widths)
        lines = [(x0, top, right, top)]
        y = top
        for row in rows:
            y -= row.height
            lines.append((x0, y, right, y))
        lines += [(x0, bottom, x0, top), (right, bottom, right, top)]
        edge = x0
        for width in self.widths[:-1]:
            edge += width
            lines += _column_rules(edge, rows, top)
        canv.saveState()
        canv.setStrokeColor(self.rule)
        canv.setLineWidth(self.rule_width)
        canv.setLineCap(1)
        canv.setLineJoin(1)
        canv.lines(lines)
        canv.restoreState()


def _column_rules(x: float, rows: Sequence[_Laid], top: float
                  ) -> list[tuple[float, float, float, float]]:
    """The rule at `x` down the rows, broken where a row's cell spans the columns."""
    out = []
    y = start = top
    for row in rows:
        if row.spans:
            if start > y:
                out.append((x, y, x, start))
            start = y - row.height
        y -= row.height
    if start > y:
        out.append((x, y, x, start))
    return out
