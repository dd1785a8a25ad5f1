"""Exports and reports: each report is one route, listed on the Reports page with its formats.

To add a report, write one function and decorate it:

    @report("export", "Answers for the case system", "One row per child ...", ("xlsx", "csv"))
    def export(fmt: str, args: ReportArgs) -> Response:
        return download(export_bytes(args.register, args.term, fmt), f"export.{fmt}", fmt)

It is served at /reports/export.xlsx and /reports/export.csv (with ?term= and ?on= passed on as
`args`), and listed on the Reports page. HTML pages that the library renders whole (with their own
inline style) go through `library_page`, which allows exactly those styles and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from pepforms.register import Register, RegisterError, term_status
from pepforms.web.app import state
from pepforms.web.security import CSP
from pepforms.web.store import FileStore

blueprint = Blueprint("reports", __name__)

MIMETYPES = {"html": "text/html", "csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "pdf": "application/pdf", "txt": "text/plain", "ics": "text/calendar"}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@dataclass(frozen=True)
class ReportArgs:
    """What every report is given: the register, the page's folder, the term and date asked for."""

    register: Register
    store: FileStore
    term: str | None
    on: date | None


@dataclass(frozen=True)
class ReportEntry:
    slug: str
    title: str
    description: str
    formats: tuple[str, ...]


REPORTS: list[ReportEntry] = []


def _args() -> ReportArgs:
    from pepforms.values import ValueNotUnderstood, parse_date

    on = None
    if request.args.get("on"):
        try:
            on = parse_date(request.args["on"])
        except ValueNotUnderstood:
            abort(400, "Enter the date as day, month and year, like 31/01/2027.")
    return ReportArgs(state().register, state().store, request.args.get("term") or None, on)


def report(slug: str, title: str, description: str,
           formats: tuple[str, ...]) -> Callable[[Callable[[str, ReportArgs], Response]],
                                                 Callable[[str, ReportArgs], Response]]:
    """Register a report: one route, /reports/<slug>.<format>, and a line on the Reports page."""

    def wrap(fn: Callable[[str, ReportArgs], Response]) -> Callable[[str, ReportArgs], Response]:
        REPORTS.append(ReportEntry(slug, title, description, formats))

        def view(fmt: str) -> Response:
            if fmt not in formats:
                abort(404)
            return fn(fmt, _args())

        blueprint.add_url_rule(f"/reports/{slug}.<fmt>", endpoint=slug, view_func=view)
        return fn

    return wrap


def download(data: bytes, name: str, fmt: str) -> Response:
    """A report file to save (never shown inline, never cached)."""
    response = Response(data, mimetype=MIMETYPES.get(fmt, "application/octet-stream"))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def library_page(html: str) -> Response:
    """A whole page the library rendered (the status page, a validation report): its own inline
    styles are allowed by their hashes; scripts, frames and fetching elsewhere stay refused."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest())
        .decode("ascii") + "'" for m in _STYLE.finditer(html))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP + f"; style-src 'self' {hashes}"
    return response


def _status(args: ReportArgs) -> Any:
    try:
        return term_status(args.register, args.term, on=args.on)
    except RegisterError as exc:
        abort(404, str(exc))


@report("status", "The term's status",
        "Every child's form and its state, per school, with the term's totals: the page for "
        "the Virtual School Head, one row per form for a spreadsheet, or the stable JSON.",
        ("html", "csv", "json"))
def status_report(fmt: str, args: ReportArgs) -> Response:
    from pepforms.register.render import status_csv, status_html

    status = _status(args)
    if fmt == "html":
        return library_page(status_html(status))
    if fmt == "csv":
        return download(status_csv(status), f"status-{status.term}.csv", fmt)
    data = json.dumps(status.as_dict(), indent=2, ensure_ascii=False).encode("utf-8")
    return download(data, f"status-{status.term}.json", fmt)


@report("due", "Due and overdue",
        "Meetings, returns and first PEPs due in the next 14 days or overdue, per school with "
        "the designated teacher's email (as `pepforms due`).", ("csv", "ics"))
def due_report(fmt: str, args: ReportArgs) -> Response:
    from pepforms.register import due, due_ics
    from pepforms.register.render import due_csv

    day = args.on or date.today()
    try:
        items = due(args.register, within=timedelta(days=14), on=day, term=args.term)
    except RegisterError as exc:
        abort(404, str(exc))
    data = due_csv(items) if fmt == "csv" else due_ics(items, day)
    return download(data, f"due.{fmt}", fmt)


@blueprint.route("/reports")
def reports_page() -> str:
    batches = state().store.batches()
    return render_template("reports.html", reports=REPORTS, batches=batches[:50],
                           term=request.args.get("term", ""))


# ---- answers out of the register: the export, the PP+ summary, the Head's report -------------


def _answers(args: ReportArgs) -> tuple[Any, str]:
    from pepforms.recording import answers_from_register

    term = args.term or _status(args).term
    return answers_from_register(args.register, term), term


@report("export", "Answers for the case system",
        "The latest returned answers of every form of the term: one row per form (labels and "
        "JSON pointers as headers), a sheet per table, this term against last term "
        "(as `pepforms export`).", ("xlsx",))
def export_report(fmt: str, args: ReportArgs) -> Response:
    from pepforms.report.export import export_answers

    answers, term = _answers(args)
    export = export_answers(answers, fmt, term=term)
    [data] = export.files.values()
    return download(data, f"answers-{term}.xlsx", fmt)


@report("pp-plus", "Pupil Premium Plus",
        "What each PEP requests and for what, totals against the authority's allocation, and "
        "the release list for finance with the reason for every child held back "
        "(as `pepforms pp-plus`).", ("html", "csv"))
def pp_plus_report(fmt: str, args: ReportArgs) -> Response:
    from pepforms.report.ppplus import pp_plus_summary
    from pepforms.report.ppplus_render import release_csv, release_html

    answers, term = _answers(args)
    summary = pp_plus_summary(answers.select(term).forms, term)
    if fmt == "html":
        return library_page(release_html(summary))
    return download(release_csv(summary), f"pp-plus-release-{term}.csv", fmt)


@report("head", "The Virtual School Head's report",
        "One page for a governing body: returns, checks, quality grades by school and key "
        "stage, reasons for changes, attendance and PP+, with charts; figures only "
        "(as `pepforms report`).", ("html", "pdf"))
def head_report_page(fmt: str, args: ReportArgs) -> Response:
    from pepforms.recording import figures_from_register
    from pepforms.report.head import head_html, head_report
    from pepforms.report.head_pdf import head_pdf

    answers, term = _answers(args)
    report = head_report(answers, term, figures=figures_from_register(args.register, term))
    if fmt == "html":
        return library_page(head_html(report))
    return download(head_pdf(report), f"head-report-{term}.pdf", fmt)
