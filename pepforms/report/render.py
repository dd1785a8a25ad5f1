"""The validation report rendered as text (for a terminal), JSON, CSV and an HTML page."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from pepforms.findings import ERROR, Finding
from pepforms.report.csvfile import csv_bytes
from pepforms.report.model import FAIL, PASS, READ_BY_WORDS, UNREADABLE, FormResult, Report
from pepforms.terminal import printable

STATUS_WORDS = {PASS: "Pass", FAIL: "Needs changes", UNREADABLE: "Could not be read"}
ROLE_WORDS = {
    "designated-teacher": "For the designated teacher",
    "social-worker": "For the social worker",
    "carer": "For the carer",
    "young-person": "For the young person",
    "virtual-school": "For the Virtual School",
    "health": "For the health professional",
    "": "For whoever checks the form",
}


# ---- text -----------------------------------------------------------------------------------


def finding_line(path: str, f: Finding) -> str:
    where = " › ".join(x for x in (f.section, f.field) if x)
    mark = "" if f.severity == ERROR else " (warning)"
    return f"{path}: {where} — {f.message}{mark}" if where else f"{path}: {f.message}{mark}"


def form_lines(result: FormResult, verbose: bool) -> list[str]:
    path = printable(result.path)
    lines = []
    if not result.findings:
        lines.append(f"{path}: pass")
    for f in result.findings:
        lines.append(finding_line(path, f))
        if verbose:
            lines.append(f"    [{f.code}] {f.note}" if f.note else f"    [{f.code}]")
    quality = result.quality
    if quality is not None:
        lines.append(f"{path}: quality grade: {quality.overall} ({quality.framework}; "
                     f"{quality.note})")
        if verbose or quality.kind == "graded-sections":
            lines += [f"    {part.title}: {part.grade}" for part in quality.parts]
    if verbose and result.read_by:
        lines.append(f"    {READ_BY_WORDS.get(result.read_by, result.read_by)}")
    return lines


def roster_lines(findings: list[Finding]) -> list[str]:
    # The messages say where themselves ("Line 32, child C10032: ...").
    return [f"roster: {f.message}" + ("" if f.severity == ERROR else " (warning)")
            for f in findings]


def report_text(report: Report, verbose: bool = False) -> str:
    """The text report: a line per finding, then the totals."""
    lines = roster_lines(report.roster_findings)
    for result in report.forms:
        lines += form_lines(result, verbose)
    counts = report.counts()
    lines.append(f"{len(report.forms)} form(s): {counts[PASS]} pass, {counts[FAIL]} fail, "
                 f"{counts[UNREADABLE]} unreadable.")
    return "\n".join(lines) + "\n"


# ---- JSON and CSV ---------------------------------------------------------------------------


def report_json(report: Report) -> bytes:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False).encode("utf-8")


FINDINGS_HEADER = ("file", "form_id", "child_id", "status", "severity", "code", "section",
                   "pointer", "who", "message")


def findings_csv(report: Report) -> bytes:
    """One row per finding (and one per passing form)."""
    rows: list[tuple[object, ...]] = []
    for f in report.roster_findings:
        rows.append((f"roster row {f.line}" if f.line else "roster", "", f.child_id, "",
                     f.severity, f.code, f.section, f.pointer, f.role, f.message))
    for form in report.forms:
        if not form.findings:
            rows.append((form.path, form.form_id, form.child_id, form.status, "", "", "", "",
                         "", ""))
        for f in form.findings:
            rows.append((form.path, form.form_id, form.child_id, form.status, f.severity,
                         f.code, f.section, f.pointer, f.role, f.message))
    return csv_bytes(FINDINGS_HEADER, rows)


# ---- HTML -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolGroup:
    name: str
    urn: str
    forms: list[FormResult]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((PASS, FAIL, UNREADABLE), 0)
        for r in self.forms:
            out[r.status] += 1
        return out


_ORDER = {UNREADABLE: 0, FAIL: 1, PASS: 2}


def by_school(report: Report) -> list[SchoolGroup]:
    """Forms grouped by school (schools by name), failing forms first within each."""
    groups: dict[tuple[str, str], list[FormResult]] = defaultdict(list)
    for r in report.forms:
        groups[(r.school or "", r.school_urn or "")].append(r)
    out = []
    for (name, urn), forms in sorted(groups.items(), key=lambda kv: (kv[0][0] == "", kv[0])):
        forms.sort(key=lambda r: (_ORDER[r.status], r.child_name, r.child_id, r.path))
        out.append(SchoolGroup(name or "School not known (the form could not be read)", urn,
                               forms))
    return out


def by_role(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by who must act, in the order the roles first appear."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.role or "", []).append(f)
    return [(ROLE_WORDS.get(role, "For the " + role.replace("-", " ")), fs)
            for role, fs in groups.items()]


def report_html(report: Report, title: str = "PEP forms checked before quality assurance") -> str:
    """The report as one self-contained page (same report, same bytes)."""
    from pepforms.report.pages import render_page
    from pepforms.schema import PHASE_TITLES, load_authority

    def authority_name(authority_id: str) -> str:
        try:
            return load_authority(authority_id).name
        except Exception:  # an id from a damaged form: show it as it is
            return authority_id

    authorities = sorted({authority_name(r.authority) for r in report.forms if r.authority})
    terms = sorted({r.term for r in report.forms if r.term})
    return render_page(
        "validation.html.j2", title=title, report=report, counts=report.counts(),
        schools=by_school(report), by_role=by_role, status_words=STATUS_WORDS,
        read_by_words=READ_BY_WORDS, phase_titles=PHASE_TITLES, authorities=authorities,
        terms=[term_label(t) for t in terms], created=report.created,
        roster=report.roster_findings)


def term_label(term: str) -> str:
    from pepforms.calendar import Term

    try:
        return Term.parse(term).label
    except ValueError:
        return term
