"""reportlab paragraphs made and measured once: the thousands of short cells of the fillable form
and the Head's report cost little. (The finalised record does not use platypus: see flow.)

A form repeats the same labels form after form, and reportlab measures each cell several times
at one width (the tall-row test, the table's sizing, its drawing). A paragraph's markup is parsed
once per (markup, style) and each paragraph gets its own copy of the parsed fragments; a paragraph
remembers its last wrap and answers again at the same width without breaking its lines anew.
The PDF is byte for byte what plain reportlab paragraphs give.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


class MemoParagraph(Paragraph):
    """A Paragraph that breaks its lines once per width (its height does not depend on the
    height offered)."""

    _memo: tuple[float, float, Any] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        memo = self._memo
        if memo is not None and memo[0] == availWidth and self.__dict__.get("blPara") is memo[2]:
            self.width = availWidth
            self.height = memo[1]
            return availWidth, memo[1]
        width, height = super().wrap(availWidth, availHeight)
        self._memo = (availWidth, height, self.__dict__.get("blPara"))
        return width, height


@lru_cache(maxsize=8192)  # labels and common answers recur form after form
def _parsed(markup: str, style: ParagraphStyle) -> tuple[str, tuple[Any, ...]]:
    """The cleaned text and parsed fragments of `markup` (from a paragraph never drawn)."""
    parsed = Paragraph(markup, style)
    return parsed.text, tuple(parsed.frags)


def paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of `markup` in `style` (a style that lives as long as the process: the
    parsed markup is kept per style)."""
    text, frags = _parsed(markup, style)
    return MemoParagraph(text, style, frags=[f.clone() for f in frags])


@lru_cache(maxsize=4096)
def shared_paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """One paragraph for text that recurs cell after cell and form after form (labels, column
    headings, the dash of an empty cell). A table measures each cell again just before drawing
    it where it is told (reportlab repeats a table's heading row on every page this way), so
    one paragraph serves every cell, its lines broken once per width."""
    return paragraph(markup, style)
