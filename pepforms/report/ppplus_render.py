"""The PP+ summary rendered: text for a terminal (child ids, never names), the release list as a
CSV for finance, a workbook (release list, every request, schools), and a page."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pepforms.report.csvfile import csv_bytes
from pepforms.report.ppplus import HOLD, RELEASE, ChildPP, PPSummary, pounds

RELEASE_HEADER = ("School", "School URN", "Child id", "Child", "Form id", "Authority",
                  "Requested (£, costed)", "Requests without a cost", "Termly share (£)",
                  "Decision", "To release (£)", "Why held back")
REQUEST_HEADER = ("School", "School URN", "Child id", "Form id", "Row", "From", "Category",
                  "What it pays for", "Target it supports", "Cost (£)")
SCHOOL_HEADER = ("School", "School URN", "Children", "Termly share (£)", "Requested (£)",
                 "Released (£)", "Children released", "Children held back")
DECISION_WORDS = {RELEASE: "Release", HOLD: "Hold back", "not applicable": "Not applicable"}
SOURCE_WORDS = {"/pp_plus/requests": "PP+ requests", "/targets": "SMART targets"}


def _release_row(c: ChildPP) -> list[object]:
    return [c.form.school, c.form.school_urn, c.form.child_id, c.form.child_name, c.form.form_id,
            c.rule.authority_name, c.requested, c.uncosted,
            c.allocation, DECISION_WORDS[c.decision], c.release, "; ".join(c.reasons)]


def _request_rows(summary: PPSummary) -> list[list[object]]:
    return [[c.form.school, c.form.school_urn, c.form.child_id, c.form.form_id, line.row,
             SOURCE_WORDS.get(line.source, line.source), line.category, line.what, line.target,
             line.cost] for c in summary.children for line in c.lines]


def _school_rows(summary: PPSummary) -> list[list[object]]:
    return [[s.name, s.urn, s.totals.children, s.totals.allocation, s.totals.requested,
             s.totals.released, s.totals.released_children, s.totals.held_children]
            for s in summary.schools]


def release_csv(summary: PPSummary) -> bytes:
    """The release list for finance: one row per child, released or held back and why."""
    return csv_bytes(RELEASE_HEADER, [_release_row(c) for c in summary.children])


def _money_cells(ws: Any, columns: Sequence[int]) -> None:
    for row in ws.iter_rows(min_row=2):
        for index in columns:
            cell = row[index]
            if isinstance(cell.value, Decimal):
                cell.value = float(cell.value)
            if isinstance(cell.value, float):
                cell.number_format = '"£"#,##0.00'


def _sheet(wb: Any, name: str, header: Sequence[str], rows: Sequence[Sequence[object]],
           money: Sequence[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in rows:
        ws.append([None for _ in values])
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=ws.max_row, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
    _money_cells(ws, money)
    for c, heading in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(len(heading), 10), 40)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 1)}"


def release_xlsx(summary: PPSummary) -> bytes:
    """A workbook: the release list, every request, the schools' totals, and the rules."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "release", RELEASE_HEADER, [_release_row(c) for c in summary.children],
           (6, 8, 10))
    _sheet(wb, "requests", REQUEST_HEADER, _request_rows(summary), (9,))
    _sheet(wb, "schools", SCHOOL_HEADER, _school_rows(summary), (3, 4, 5))
    _sheet(wb, "rules", ("Authority", "Rule", "Where it comes from"),
           [[r.authority_name, r.describe(), r.guidance] for r in summary.rules], ())
    wb.properties.subject = "OFFICIAL-SENSITIVE"
    wb.properties.creator = "pepforms"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def release_text(summary: PPSummary) -> str:
    """For a terminal: totals per school and overall, and each child held back (by id)."""
    t = summary.totals
    lines = [f"PP+{' ' + summary.term if summary.term else ''}: {t.children} child(ren); "
             f"requested {pounds(t.requested)}; release {pounds(t.released)} for "
             f"{t.released_children}; hold back {t.held_children}; this term's share of the "
             f"allocation {pounds(t.allocation)}."]
    for s in summary.schools:
        lines.append(f"  {s.name}{f' (URN {s.urn})' if s.urn else ''}: requested "
                     f"{pounds(s.totals.requested)}, release {pounds(s.totals.released)}, "
                     f"held back {s.totals.held_children}")
    for c in summary.held_back:
        lines.append(f"held back: {c.form.child_id} ({c.form.form_id}): " + "; ".join(c.reasons))
    lines += [f"rule: {r.describe()}" for r in summary.rules]
    return "\n".join(lines) + "\n"


def release_html(summary: PPSummary) -> str:
    from pepforms.report.pages import render_page
    from pepforms.report.render import term_label

    return render_page("ppplus.html.j2", s=summary, pounds=pounds, decisions=DECISION_WORDS,
                       sources=SOURCE_WORDS,
                       term=term_label(summary.term) if summary.term else "")
