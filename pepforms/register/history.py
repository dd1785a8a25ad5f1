"""One form's history as the register holds it: the form issued, every version with its findings,
what happened afterwards; a child's forms term by term; one version by its id (for downloads).

Read-only queries returning plain dataclasses, for pages that show a single child (the web page's
child page). Personal fields are left out of every `repr`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from pepforms.findings import Finding
from pepforms.register.engine import Register
from pepforms.register.tables import events, findings, issued, versions


@dataclass(frozen=True)
class VersionRecord:
    """A returned file as recorded: its findings, grade and where the checker read it from."""

    id: int
    form_id: str | None
    sha256: str
    path: str = field(repr=False)
    received_on: dt.date
    read_by: str
    status: str
    errors: int
    warnings: int
    quality_grade: str | None
    number: int  # 1 for the form's first version
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class EventRecord:
    """Sent back, a QA decision, or finalised: with who, when, and the grade, reason or PDF."""

    kind: str
    happened_on: dt.date
    by: str
    grade: str | None
    reason: str | None
    pdf_sha256: str | None


@dataclass(frozen=True)
class FormHistory:
    """One issued form (as it now stands) and everything recorded about it."""

    form_id: str
    authority: str
    phase: str
    term: str
    child_id: str
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    year_group: int | None
    school_name: str
    school_urn: str
    issued_on: dt.date
    versions: tuple[VersionRecord, ...]  # oldest first
    events: tuple[EventRecord, ...]  # oldest first


def _findings(conn: Connection, version_ids: list[int]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = defaultdict(list)
    if not version_ids:
        return out
    query = (select(findings).where(findings.c.version_id.in_(version_ids))
             .order_by(findings.c.id))
    for row in conn.execute(query):
        out[row.version_id].append(Finding(row.code, row.severity, row.pointer, row.section,
                                           row.role, row.message))
    return out


def _versions(conn: Connection, form_id: str) -> tuple[VersionRecord, ...]:
    rows = conn.execute(select(versions.c.id, versions.c.sha256, versions.c.path,
                               versions.c.received_on, versions.c.read_by, versions.c.status,
                               versions.c.errors, versions.c.warnings, versions.c.quality_grade)
                        .where(versions.c.form_id == form_id).order_by(versions.c.id)).all()
    found = _findings(conn, [r.id for r in rows])
    ordered = sorted(rows, key=lambda r: (r.received_on, r.id))
    return tuple(VersionRecord(r.id, form_id, r.sha256, r.path, r.received_on, r.read_by,
                               r.status, r.errors, r.warnings, r.quality_grade, n,
                               tuple(found.get(r.id, ())))
                 for n, r in enumerate(ordered, start=1))


def form_history(reg: Register, form_id: str) -> FormHistory | None:
    """The form as issued (its latest issue), its versions and its events; None if never issued."""
    with reg.reading() as conn:
        form = conn.execute(select(issued).where(issued.c.form_id == form_id)
                            .order_by(issued.c.id.desc()).limit(1)).first()
        if form is None:
            return None
        happened = conn.execute(select(events).where(events.c.form_id == form_id)
                                .order_by(events.c.happened_on, events.c.id)).all()
        recorded = _versions(conn, form_id)
    return FormHistory(
        form_id=form.form_id, authority=form.authority, phase=form.phase, term=form.term,
        child_id=form.child_id, first_name=form.first_name, last_name=form.last_name,
        year_group=form.year_group, school_name=form.school_name, school_urn=form.school_urn,
        issued_on=form.issued_on, versions=recorded,
        events=tuple(EventRecord(e.kind, e.happened_on, e.by, e.grade, e.reason, e.pdf_sha256)
                     for e in happened))


def child_forms(reg: Register, child_id: str) -> list[tuple[str, str]]:
    """(term, form id) of every form issued for a child, oldest term first."""
    with reg.reading() as conn:
        rows = conn.execute(select(issued.c.term, issued.c.term_key, issued.c.form_id)
                            .where(issued.c.child_id == child_id).distinct()).all()
    return [(r.term, r.form_id) for r in sorted(rows, key=lambda r: (r.term_key, r.form_id))]


def version_record(reg: Register, version_id: int) -> VersionRecord | None:
    """One recorded version (matched or not) by its id, with its findings."""
    with reg.reading() as conn:
        row = conn.execute(select(versions).where(versions.c.id == version_id)).first()
        if row is None:
            return None
        found = _findings(conn, [row.id])
    return VersionRecord(row.id, row.form_id, row.sha256, row.path, row.received_on, row.read_by,
                         row.status, row.errors, row.warnings, row.quality_grade, 0,
                         tuple(found.get(row.id, ())))


def child_names(reg: Register, term: str) -> dict[str, tuple[str, str]]:
    """form id → (first name, last name) of every form issued in a term (for the school page)."""
    with reg.reading() as conn:
        rows = conn.execute(select(issued.c.form_id, issued.c.first_name, issued.c.last_name)
                            .where(issued.c.term == term).order_by(issued.c.id)).all()
    return {r.form_id: (r.first_name, r.last_name) for r in rows}


def issued_children(reg: Register, term: str) -> dict[str, str]:
    """child id → full name of every child a form was issued for in a term (for telling which
    child an email names)."""
    with reg.reading() as conn:
        rows = conn.execute(select(issued.c.child_id, issued.c.first_name, issued.c.last_name)
                            .where(issued.c.term == term).distinct()).all()
    return {r.child_id: f"{r.first_name} {r.last_name}" for r in rows}


__all__ = ["EventRecord", "FormHistory", "VersionRecord", "child_forms", "child_names",
           "form_history", "issued_children", "version_record"]


def latest_qa(reg: Register) -> dict[str, EventRecord]:
    """Each graded form's latest QA decision (form id -> event), in one query: a batch of forms
    being finalised shows each its judgement without a query per form."""
    with reg.reading() as conn:
        rows = conn.execute(select(events).where(events.c.kind == "qa")
                            .order_by(events.c.happened_on, events.c.id)).all()
    return {e.form_id: EventRecord(e.kind, e.happened_on, e.by, e.grade, e.reason, e.pdf_sha256)
            for e in rows if e.grade}
