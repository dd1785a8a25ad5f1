"""The record's pages drawn straight onto a reportlab canvas: text wrapped by measuring it, the
blocks of a page (paragraphs, gaps, blocks kept together; tables are in grid) and the page breaks
between them.

Laying a record out with platypus (a Paragraph for every cell, a Table for every block, each
measured several times and drawn in its own saved graphics state) took most of the time a record
took. A record needs little of what platypus offers: left-aligned text in one font a cell, tables
whose rows move whole to the next page unless they are very tall (those run on inside the row),
a heading row repeated on each page a table runs on to, headings kept with what follows them. So
the blocks here are measured once and drawn once: the backgrounds and rules as they come, and each
page's text as one text object at the end of the page (text is always on top of the shading).

The geometry is platypus's, so the record looks as it did: the frame inside the page margins with
6pt padding, a line's baseline its font size below the top of its cell, a cell's height its lines
times the leading plus its padding, space before a paragraph left out at the top of a page and
overlapping the space after the paragraph before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FUZZ = 1e-6  # platypus's tolerance when asking whether something fits
_BREAKS = re.compile(r"[^\S\xa0]+")  # where a line may break: white space, not a no-break space


@dataclass(frozen=True)
class Style:
    """How a run of text is set: font, size, line spacing, colour, and the space around it."""

    font: str
    size: float
    leading: float
    colour: Color
    space_before: float = 0.0
    space_after: float = 0.0


# --------------------------------------------------------------------------------------------
# Text broken into lines


@lru_cache(maxsize=16384)  # labels, headings and common answers recur form after form
def wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """The lines of `text` set in `font` at `size` in a column `width` wide, broken where
    reportlab's paragraphs break them (so that a record's pages end where they did).

    A line break in the text starts a new line (two make a blank line); runs of spaces are one
    space. A line may run past the column by a twentieth of a space a word (reportlab's space
    shrinkage). A word wider than the column is broken where it meets the edge, its first piece
    ending the line it starts on, so that no text is lost or drawn outside its cell."""
    space = stringWidth(" ", font, size)
    shrink = rl_config.spaceShrinkage * space
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = -space  # the first word of a line has no space before it
        for word in _BREAKS.split(paragraph):
            if not word:
                continue
            wide = stringWidth(word, font, size)
            if used + space + wide <= width + shrink * len(line):
                line.append(word)
                used += space + wide
                continue
            pieces = _pieces(word, font, size, width, used + space) if wide > width else []
            if len(pieces) > 1:
                first, *middle, word = pieces
                if first:
                    line.append(first)
                lines.append(" ".join(line))
                lines.extend(middle)
                wide = stringWidth(word, font, size)
            elif line:
                lines.append(" ".join(line))
            line, used = [word], wide
        lines.append(" ".join(line))
    return tuple(lines)


def _pieces(word: str, font: str, size: float, width: float, start: float) -> list[str]:
    """`word` cut into pieces: the first fills the line it starts on (`start` of `width` is
    used; it may be empty), the others a line each, the last what is left (at least one
    character a line)."""
    pieces: list[str] = []
    piece = ""
    used = start
    for char in word:
        wide = stringWidth(char, font, size)
        if used + wide > width and (piece or wide <= width):
            pieces.append(piece)
            piece, used = "", 0.0
        piece += char
        used += wide
    pieces.append(piece)
    return pieces


# --------------------------------------------------------------------------------------------
# The pages


@dataclass(frozen=True)
class Frame:
    """Where the flow goes on every page: its left edge and width, and its top and bottom."""

    x: float
    width: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


class Pages:
    """The flow's cursor on a canvas: how far down the page it is, and the page's text so far.

    The text of a page is set as one text object: a text origin and the text's bytes a line,
    its font and colour given only when they change. Fonts must be TrueType (reportlab's
    subsetting); a line of plain ASCII is its own bytes in a font's first subset (reportlab
    puts ASCII there, code for code), so only other lines are split among the subsets."""

    def __init__(self, canv: Canvas, frame: Frame) -> None:
        self.canv = canv
        self.frame = frame
        self.y = frame.top
        self.at_top = True
        self.after = 0.0  # the space after the last block: the next one's space before overlaps it
        self._fonts: dict[str, TTFont] = {}
        self._begin_text()

    def _begin_text(self) -> None:
        self._ops: list[str] = []
        self._font: tuple[str, float, int] | None = None  # font, size, subset
        self._colour: Color | None = None

    def room(self) -> float:
        """The height left on this page (negative when a block's space after ran past it)."""
        return self.y - self.frame.bottom

    def fits(self, height: float) -> bool:
        return height <= self.room() + FUZZ

    def new_page(self) -> None:
        self.finish_page()
        self.canv.showPage()
        self.y = self.frame.top
        self.at_top = True
        self.after = 0.0

    def finish_page(self) -> None:
        """Draw the page's text, on top of everything else on it."""
        if self._ops:
            self.canv.addLiteral("q\nBT\n" + "\n".join(self._ops) + "\nET\nQ")
        self._begin_text()

    def _ttf(self, name: str) -> TTFont:
        font = self._fonts.get(name)
        if font is None:
            font = getFont(name)
            if not isinstance(font, TTFont):
                raise TypeError(f"{name} is not a TrueType font: the record's text needs one")
            font._assignState(self.canv._doc)  # its subsets in this document
            self._fonts[name] = font
        return font

    def text(self, x: float, baseline: float, line: str, style: Style) -> None:
        if not line:
            return
        ops = self._ops
        if style.colour is not self._colour:
            c = style.colour
            ops.append(f"{fp_str(c.red, c.green, c.blue)} rg")
            self._colour = c
        ops.append(f"1 0 0 1 {fp_str(x, baseline)} Tm")
        font = self._ttf(style.font)
        doc = self.canv._doc
        runs: Iterable[tuple[int, bytes]]
        if line.isascii() and line.isprintable():
            runs = ((0, line.encode("ascii")),)
        else:
            runs = font.splitString(line, doc)
        for subset, data in runs:
            current = (style.font, style.size, subset)
            if current != self._font:
                ops.append(f"{font.getSubsetInternalName(subset, doc)} {fp_str(style.size)} Tf")
                self._font = current
            ops.append(f"({escapePDF(data)}) Tj")


class Block(Protocol):
    def height(self, width: float) -> float:
        """The height it takes, not at the top of a page (for keeping blocks together)."""

    def place(self, pages: Pages) -> None:
        """Draw it at the cursor, starting new pages as it needs, and move the cursor past it."""


def draw(blocks: Sequence[Block], canv: Canvas, frame: Frame) -> None:
    """Lay `blocks` out one after another down the pages of `canv` (the last page is left open:
    the canvas's `showPage` and `save` are the caller's)."""
    pages = Pages(canv, frame)
    for block in blocks:
        block.place(pages)
    pages.finish_page()


# --------------------------------------------------------------------------------------------
# Blocks


@dataclass(frozen=True)
class Text:
    """A paragraph across the frame: a title, a heading, a line under a heading."""

    text: str
    style: Style

    def height(self, width: float) -> float:
        st = self.style
        lines = wrap(self.text, st.font, st.size, width)
        return st.space_before + len(lines) * st.leading + st.space_after

    def place(self, pages: Pages) -> None:
        st = self.style
        lines = wrap(self.text, st.font, st.size, pages.frame.width)
        before = 0.0 if pages.at_top else max(st.space_before - pages.after, 0.0)
        tall = len(lines) * st.leading
        if not pages.at_top and not pages.fits(before + tall) and tall <= pages.frame.height:
            pages.new_page()
            before = 0.0
        pages.y -= before
        for line in lines:  # a paragraph longer than a page runs on
            if not pages.at_top and not pages.fits(st.leading):
                pages.new_page()
            pages.text(pages.frame.x, pages.y - st.size, line, st)
            pages.y -= st.leading
            pages.at_top = False
        pages.y -= st.space_after
        pages.after = st.space_after


@dataclass(frozen=True)
class Gap:
    """Blank space."""

    size: float

    def height(self, width: float) -> float:
        return self.size

    def place(self, pages: Pages) -> None:
        if not pages.fits(self.size):
            pages.new_page()
        pages.y -= self.size
        pages.at_top = False
        pages.after = 0.0


@dataclass(frozen=True)
class NeedRoom:
    """A new page unless at least `size` is left on this one (a heading is not left alone at
    the bottom of a page)."""

    size: float

    def height(self, width: float) -> float:
        return 0.0

    def place(self, pages: Pages) -> None:
        if pages.room() < self.size:
            pages.new_page()
        pages.after = 0.0


@dataclass(frozen=True)
class Together:
    """Blocks kept on one page: a new page first when they do not fit in what is left of this
    one but would fit on a page of their own."""

    blocks: Sequence[Block]

    def height(self, width: float) -> float:
        return sum(b.height(width) for b in self.blocks)

    def place(self, pages: Pages) -> None:
        need = self.height(pages.frame.width)
        if not pages.at_top and not pages.fits(need) and need <= pages.frame.height:
            pages.new_page()
        for block in self.blocks:
            block.place(pages)
