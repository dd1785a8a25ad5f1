"""The term's status and what is due, rendered: a compact text table, CSV, and an HTML page.

Renderings only read the `TermStatus` / `DueItem`s they are given; none recomputes anything.
No names or dates of birth: children appear by their child id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from pepforms.register.models import STATE_LABELS, STATES, DueItem, Rate, TermStatus, Totals

# Shown in the text table, in this order (unmatched is listed apart).
_COLUMNS = {"issued": "iss", "overdue": "over", "received-late": "late",
            "needs-changes": "chg", "sent-back": "back", "passed": "pass", "qa-graded": "qa",
            "finalised": "fin"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _percent(rate: Rate) -> str:
    return "-" if rate.percent is None else f"{rate.percent:g}%"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def _measures(totals: Totals) -> str:
    return (f"returned on time {_percent(totals.returned_on_time)}, passed first time "
            f"{_percent(totals.passed_first_time)}, graded Good or better "
            f"{_percent(totals.good_or_better)}")


def status_text(status: TermStatus, *, forms: bool = True) -> str:
    """A compact terminal table: schools with counts per state, then each form, then totals."""
    out = [f"{status.term}: {status.totals.forms} form(s), as of {status.on.isoformat()}", ""]
    header = ["school", "urn", "forms", *_COLUMNS.values(), "on time", "1st pass", "good+"]
    rows = [header]
    for school in status.schools:
        t = school.totals
        rows.append([school.name[:40], school.urn, str(t.forms),
                     *(str(t.states[s]) for s in _COLUMNS), _percent(t.returned_on_time),
                     _percent(t.passed_first_time), _percent(t.good_or_better)])
    t = status.totals
    rows.append(["All schools", "", str(t.forms), *(str(t.states[s]) for s in _COLUMNS),
                 _percent(t.returned_on_time), _percent(t.passed_first_time),
                 _percent(t.good_or_better)])
    out += _table(rows)
    if forms and status.forms:
        out += ["", *_table([["form", "urn", "child", "state", "meeting by", "return by",
                              "received", "versions"]] + [
            [f.form_id or f.path, f.school_urn or "-", f.child_id, f.state, _day(f.meeting_by),
             _day(f.return_by), _day(f.received), str(f.versions)] for f in status.forms])]
    out += ["", f"Overall: {_measures(t)}."]
    if t.states["unmatched"]:
        out.append(f"{t.states['unmatched']} received file(s) matched no issued form.")
    if t.reasons:
        out.append("Most common reasons for changes: "
                   + "; ".join(f"{r.title} ({r.forms})" for r in t.reasons) + ".")
    return "\n".join(out) + "\n"


def _safe_cell(value: Any) -> str:
    """A cell Excel shows as text: one that looks like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel reads it right), CRLF lines, formula-looking cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_FORM_COLUMNS = ("school_urn", "school_name", "form_id", "child_id", "phase", "state",
                 "issued", "meeting_by", "return_by", "first_pep_by", "received", "versions",
                 "on_time", "passed_first_time", "sent_back", "qa_grade", "finalised", "reasons")


def status_csv(status: TermStatus) -> bytes:
    """One row per form (and per unmatched file), with its state and dates."""
    rows = []
    for form in status.forms:
        record = form.as_dict()
        record["reasons"] = " ".join(record["reasons"])
        if form.state == "unmatched":
            record["form_id"] = form.path
        rows.append([record[c] for c in _FORM_COLUMNS])
    return csv_bytes(_FORM_COLUMNS, rows)


def due_text(items: Sequence[DueItem], on: date) -> str:
    """What is due, per school with the designated teacher's email."""
    if not items:
        return f"Nothing due or overdue as of {on.isoformat()}.\n"
    out: list[str] = []
    school = None
    for item in items:
        if item.school_urn != school:
            school = item.school_urn
            if out:
                out.append("")
            out.append(f"{item.school_name} ({item.school_urn}), "
                       f"designated teacher {item.dt_email or 'not known'}")
        flag = "OVERDUE" if item.overdue else "due"
        out.append(f"  {item.due.isoformat()}  {flag:<7}  {item.what:<17}  {item.form_id}  "
                   f"child {item.child_id}")
    overdue = sum(1 for i in items if i.overdue)
    out += ["", f"{len(items)} item(s) due, {overdue} overdue, as of {on.isoformat()}."]
    return "\n".join(out) + "\n"


_DUE_COLUMNS = ("school_urn", "school_name", "dt_email", "form_id", "child_id", "term", "what",
                "due", "overdue", "state")


def due_csv(items: Sequence[DueItem]) -> bytes:
    return csv_bytes(_DUE_COLUMNS, [[i.as_dict()[c] for c in _DUE_COLUMNS] for i in items])


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("pepforms.register", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def status_html(status: TermStatus) -> str:
    """A page for a Virtual School Head: overdue forms first, schools as rows, states as counts."""
    overdue = [f for f in status.forms if f.state == "overdue"]
    columns = [s for s in STATES if s not in ("not-issued", "unmatched")]
    return str(_environment().get_template("status.html").render(
        status=status, overdue=overdue, columns=columns, labels=STATE_LABELS,
        percent=_percent, day=_day,
        unmatched=[f for f in status.forms if f.state == "unmatched"],
    ))
