"""Bar charts drawn from the same numbers a report's tables show: laid out once here, then drawn
as inline SVG in a page (templates/_charts.html.j2) and with reportlab graphics in a PDF.

Horizontal bars, one per category (a school, a key stage, an attendance band), stacked by series
(pass / needs changes, one grade per colour). Every segment and bar total is labelled with its
number, so the chart reads without colour, and each chart carries a text description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 190
TOTAL_WIDTH = 70
ROW = 26
BAR = 18
LEGEND_LINE = 20
CHAR = 6.4  # the average width of a 11px Arial character, for fitting labels
FONT_SIZE = 11
INK = "#0b0c0c"

# GOV.UK colours; the text on each is chosen for contrast.
GREEN, RED, BLUE, ORANGE, PURPLE, OLIVE, GREY = (
    "#00703c", "#d4351c", "#1d70b8", "#f47738", "#4c2c92", "#85994b", "#b1b4b6")
ON_DARK, ON_LIGHT = "#ffffff", INK
LIGHT = {ORANGE, OLIVE, GREY}


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str  # what the chart shows, for people who cannot see it
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    money: bool = False

    def label(self, value: float) -> str:
        if self.money:
            return f"£{value:,.0f}"
        return f"{value:g}"

    @property
    def totals(self) -> tuple[float, ...]:
        return tuple(sum(s.values[i] for s in self.series) for i in range(len(self.categories)))


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str  # the tooltip and accessible name: "School A, Pass: 3"


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    anchor: str  # start | middle | end
    colour: str = INK
    bold: bool = False
    full: str = ""  # the whole text, when `text` was shortened to fit


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]


def _fit(text: str, width: float) -> str:
    most = max(int(width / CHAR), 4)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _legend(chart: BarChart) -> tuple[list[Rect], list[Text], float]:
    """The key, wrapped onto as many lines as it needs; returns its height too."""
    rects, texts = [], []
    x, y = float(LABEL_WIDTH), 6.0
    for series in chart.series:
        width = 16 + len(series.name) * CHAR + 18
        if x > LABEL_WIDTH and x + width > WIDTH:
            x, y = float(LABEL_WIDTH), y + LEGEND_LINE
        rects.append(Rect(x, y, 12, 12, series.colour, series.name))
        texts.append(Text(x + 16, y + 10, series.name, "start"))
        x += width
    return rects, texts, y + LEGEND_LINE


def layout(chart: BarChart) -> Layout:
    """Where every bar, segment and label goes (y downwards, as in SVG)."""
    rects: list[Rect] = []
    texts: list[Text] = []
    top = 4.0
    if len(chart.series) > 1:
        rects, texts, top = _legend(chart)
    area = WIDTH - LABEL_WIDTH - TOTAL_WIDTH
    biggest = max(chart.totals, default=0) or 1
    for i, category in enumerate(chart.categories):
        y = top + i * ROW
        baseline = y + BAR / 2 + FONT_SIZE * 0.36
        texts.append(Text(LABEL_WIDTH - 8, baseline, _fit(category, LABEL_WIDTH - 12), "end",
                          full=category))
        x = float(LABEL_WIDTH)
        for series in chart.series:
            value = series.values[i]
            if value <= 0:
                continue
            width = area * value / biggest
            rects.append(Rect(x, y, width, BAR, series.colour,
                              f"{category}, {series.name}: {chart.label(value)}"))
            text = chart.label(value)
            if width >= len(text) * CHAR + 6 and len(chart.series) > 1:
                texts.append(Text(x + width / 2, baseline, text, "middle",
                                  ON_LIGHT if series.colour in LIGHT else ON_DARK, bold=True))
            x += width
        texts.append(Text(x + 6, baseline, chart.label(chart.totals[i]), "start", bold=True))
    height = top + max(len(chart.categories), 1) * ROW + 4
    return Layout(WIDTH, height, tuple(rects), tuple(texts))


def stacked(id: str, title: str, description: str, rows: Sequence[tuple[str, Sequence[float]]],
            series: Sequence[tuple[str, str]], money: bool = False) -> BarChart:
    """A chart from table rows: (category, one value per series) and (series name, colour)."""
    return BarChart(id, title, description, tuple(name for name, _ in rows),
                    tuple(Series(name, colour, tuple(float(r[1][k]) for r in rows))
                          for k, (name, colour) in enumerate(series)), money)


def grade_colours(grades: Sequence[str], ranks: dict[str, float] | None = None) -> list[tuple[str, str]]:
    """A colour per grade from its place in its own framework (0 best, 1 worst): green for the
    best, red for the worst, olive and orange between."""
    out = []
    for i, grade in enumerate(grades):
        rank = (ranks or {}).get(grade, i / max(len(grades) - 1, 1))
        colour = GREEN if rank <= 0 else OLIVE if rank <= 0.34 else ORANGE if rank < 1 else RED
        out.append((grade, GREY if grade == "Not graded" else colour))
    return out


def drawing(chart: BarChart, scale: float = 0.75) -> object:
    """The chart as a reportlab Drawing (the same layout, y flipped), for a PDF."""
    from reportlab.graphics.shapes import Drawing, Group, String
    from reportlab.graphics.shapes import Rect as RLRect
    from reportlab.lib import colors

    from pepforms.pdf.record import FONT, FONT_BOLD, register_fonts

    register_fonts()
    shape = layout(chart)
    group = Group()
    flip: Callable[[float], float] = lambda y: shape.height - y  # noqa: E731
    for r in shape.rects:
        group.add(RLRect(r.x, flip(r.y) - r.height, r.width, r.height,
                         fillColor=colors.HexColor(r.colour), strokeColor=None))
    for t in shape.texts:
        group.add(String(t.x, flip(t.y), t.text, fontName=FONT_BOLD if t.bold else FONT,
                         fontSize=FONT_SIZE * 0.85, fillColor=colors.HexColor(t.colour),
                         textAnchor=t.anchor))
    group.scale(scale, scale)
    out = Drawing(shape.width * scale, shape.height * scale)
    out.add(group)
    return out
