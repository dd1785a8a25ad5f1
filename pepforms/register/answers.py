"""The answers the register holds: the latest received version of each issued form of a term,
with its findings (for exports, the PP+ summary and the Head's report)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from pepforms.register.dates import term_key
from pepforms.register.engine import Register
from pepforms.register.recording import _term
from pepforms.register.tables import findings, issued, versions


@dataclass(frozen=True)
class StoredVersion:
    """The latest version of one form, as recorded."""

    form_id: str
    child_id: str
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    authority: str
    phase: str
    term: str
    school_name: str
    school_urn: str
    status: str
    received_on: date
    path: str
    instance: dict[str, Any] = field(repr=False)
    findings: tuple[dict[str, str], ...]
    first_status: str  # the status of the form's first version


def latest_versions(reg: Register, term: str) -> list[StoredVersion]:
    """The latest readable version of every issued form of `term`, oldest form first."""
    key = term_key(_term(term))
    with reg.reading() as conn:
        forms = {row.form_id: row for row in conn.execute(
            select(issued).where(issued.c.term_key == key).order_by(issued.c.id))}
        by_form: dict[str, list[Any]] = defaultdict(list)
        query = (select(versions).where(versions.c.term_key == key)
                 .where(versions.c.form_id.is_not(None))
                 .where(versions.c.instance.is_not(None))
                 .order_by(versions.c.received_on, versions.c.id))
        for row in conn.execute(query):
            by_form[row.form_id].append(row)
        latest = {form_id: rows[-1] for form_id, rows in by_form.items()}
        found: dict[int, list[dict[str, str]]] = defaultdict(list)
        if latest:
            ids = [row.id for row in latest.values()]
            for row in conn.execute(select(findings).where(findings.c.version_id.in_(ids))
                                    .order_by(findings.c.id)):
                found[row.version_id].append({
                    "code": row.code, "severity": row.severity, "pointer": row.pointer,
                    "section": row.section, "role": row.role, "message": row.message})
    out: list[StoredVersion] = []
    for form_id, form in forms.items():
        if form_id not in latest:
            continue
        row = latest[form_id]
        out.append(StoredVersion(
            form_id=form_id, child_id=form.child_id, first_name=form.first_name,
            last_name=form.last_name, authority=form.authority, phase=form.phase,
            term=form.term, school_name=form.school_name, school_urn=form.school_urn,
            status=row.status, received_on=row.received_on, path=row.path,
            instance=dict(row.instance), findings=tuple(found[row.id]),
            first_status=by_form[form_id][0].status))
    return out


def terms_of_child(reg: Register, child_id: str) -> list[str]:
    """The terms a child was issued forms for, oldest first."""
    with reg.reading() as conn:
        rows = conn.execute(select(issued.c.term, issued.c.term_key).distinct()
                            .where(issued.c.child_id == child_id).order_by(issued.c.term_key))
        return [row.term for row in rows]
