"""The Head's report as a PDF (reportlab): the same figures, tables and charts as the page, from
the same `HeadReport`; reproducible (the same report gives the same bytes)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer
from reportlab.platypus import Table as RLTable

from pepforms.pdf.record import PageText, body_width, input_digest, register_fonts, seeded_canvas, styles
from pepforms.pdf.story import document, grid_style, label_value_style, para
from pepforms.report.charts import WIDTH, BarChart, drawing
from pepforms.report.head import NOT_KNOWN, HeadReport
from pepforms.report.ppplus import pounds


def _cells(rows: Sequence[Sequence[object]], head: bool = True) -> list[list[Paragraph]]:
    out = []
    for i, row in enumerate(rows):
        style = "cell-head" if head and i == 0 else "cell"
        out.append([para(str(v), style) for v in row])
    return out


def _grid(rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None) -> RLTable:
    table = RLTable(_cells(rows), colWidths=list(widths) if widths else None, repeatRows=1)
    table.setStyle(grid_style())
    return table


def _first_wide(columns: int, share: float = 0.3) -> list[float]:
    width = body_width()
    rest = (width * (1 - share)) / max(columns - 1, 1)
    return [width * share, *([rest] * (columns - 1))]


def _pairs(rows: Sequence[tuple[str, object]]) -> RLTable:
    width = body_width()
    table = RLTable([[para(k, "label"), para(str(v))] for k, v in rows],
                    colWidths=[width * 0.55, width * 0.45])
    table.setStyle(label_value_style())
    return table


def _chart(chart: BarChart) -> list[Flowable]:
    return [para(chart.title, "table"), drawing(chart, scale=body_width() / WIDTH)]  # type: ignore[list-item]


def _known(value: int | None) -> str:
    return str(value) if value is not None else NOT_KNOWN


def _returns(r: HeadReport) -> list[Flowable]:
    return [
        para("Returns and checks", "section"),
        _pairs([("Forms issued", _known(r.issued)), ("Returned", r.returned),
                ("Returned on time", r.on_time), ("Returned late", r.late),
                ("Overdue (not returned by the date due)", _known(r.overdue)),
                ("Passing their checks now", f"{r.passing} of {r.returned}"),
                ("Needing changes now", r.needs_changes),
                ("Passed first time", r.first_time.text()),
                *([("Files that could not be read", r.unreadable)] if r.unreadable else [])]),
        Spacer(1, 6), *_chart(r.charts[0]),
        para("Forms and quality grades by school", "table"),
        _grid([["School", "Forms", "Pass", "Needs changes", *r.grades],
               *([s.name + (f" (URN {s.urn})" if s.urn else ""), s.forms, s.passing,
                  s.needs_changes, *s.grades] for s in r.schools)], _first_wide(4 + len(r.grades))),
    ]


def _quality(r: HeadReport) -> list[Flowable]:
    out: list[Flowable] = [para("Quality grades by key stage", "section"), *_chart(r.charts[1]),
                           _grid([["Key stage", "Forms", *r.grades],
                                  *([k.name, k.forms, *k.grades] for k in r.key_stages)],
                                 _first_wide(2 + len(r.grades), 0.2)),
                           para("Why forms needed changes", "section")]
    if r.reasons:
        width = body_width()
        out.append(_grid([["Reason", "Forms"], *([x.text, x.forms] for x in r.reasons)],
                         [width * 0.85, width * 0.15]))
    else:
        out.append(para("No form needed changes."))
    return out


def _attendance(r: HeadReport) -> list[Flowable]:
    a = r.attendance
    last = (f" (last term: {a.below_95_last_term} of the {a.compared} with a figure then)"
            if a.below_95_last_term is not None else "")
    text = (f"{a.below_95} of {a.children} children have attendance below 95% this year{last}. "
            f"Against last term: {a.rising} rising, {a.falling} falling, {a.same} about the same "
            "(within one percentage point).")
    return [KeepTogether([para("Attendance", "section"), para(text), Spacer(1, 4),
                          *_chart(r.charts[2]),
                          _grid([["Attendance", "Children"], *([b, n] for b, n in r.bands)])])]


def _pp(r: HeadReport) -> list[Flowable]:
    t = r.pp.totals
    out: list[Flowable] = [
        para("Pupil Premium Plus", "section"),
        _pairs([("Requested in the PEPs (costed)", pounds(t.requested)),
                ("Released", f"{pounds(t.released)} for {t.released_children} child(ren)"),
                ("Held back", f"{t.held_children} child(ren)"),
                ("This term's share of the allocation",
                 f"{pounds(t.allocation)} for {t.children} child(ren)"),
                *([("Requests without a cost", t.uncosted)] if t.uncosted else [])]),
    ]
    if len(r.charts) > 3:
        out += [Spacer(1, 6), *_chart(r.charts[3]),
                _grid([["Category", "Requested", "Released"],
                       *([n, pounds(q), pounds(s)] for n, q, s in r.pp.by_category)])]
    out += [para(rule.describe(), "guidance") for rule in r.pp.rules]
    return out


def _children(r: HeadReport) -> list[Flowable]:
    if not r.with_names:
        return []
    return [para("Children", "section"), _grid([
        ["Child", "Id", "School", "Key stage", "Form", "Grade", "Attendance", "Against last term"],
        *([c.name, c.child_id, c.school, c.key_stage, c.status, c.grade,
           f"{c.attendance:g}%" if c.attendance is not None else "", c.trend]
          for c in r.children)])]


def head_pdf(r: HeadReport) -> bytes:
    """The report as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    title = f"Personal Education Plans: {r.term_label}"
    doc = document(buffer, title=title, author=", ".join(r.authorities) or "Virtual School")
    notice = ("OFFICIAL-SENSITIVE: this report includes a list of children by name. Keep it on "
              "the authority's systems." if r.with_names else
              "Figures only: this report names no child and holds no child's details, so it "
              "can be shared with a governing body.")
    story: list[Flowable] = [
        Paragraph(title, styles()["title"]),
        para("The Virtual School Head's termly report"
             + (f" · {', '.join(r.authorities)}" if r.authorities else "")
             + f" · produced {r.created.strftime('%d/%m/%Y')} by pepforms from the forms "
             "returned. Quality grades are indicative: the QA officer decides.", "subtitle"),
        para(notice, "label"),
        *_returns(r), *_quality(r), *_attendance(r), *_pp(r), *_children(r),
    ]
    text = PageText(title, "OFFICIAL-SENSITIVE" if r.with_names else "Figures only")

    def page(canv: object, d: object) -> None:
        text.draw(canv, canv.getPageNumber(), None)  # type: ignore[attr-defined, arg-type]

    seed = input_digest(title, r.created.isoformat(), r.with_names, repr(r.schools),
                        repr(r.key_stages), repr(r.reasons), repr(r.bands),
                        str(r.pp.totals), [c.child_id for c in r.children])
    doc.build(story, onFirstPage=page, onLaterPages=page, canvasmaker=seeded_canvas(seed))
    return buffer.getvalue()
