"""The state of a term: every form's state on a date, with totals per school and overall."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, func, select

from pepforms.calendar import Term
from pepforms.findings import CATALOGUE
from pepforms.register import authority as authorities
from pepforms.register.dates import term_key
from pepforms.register.engine import Register, RegisterError
from pepforms.register.models import FormState, SchoolStatus, TermStatus
from pepforms.register.state import (
    EventFact,
    IssuedFact,
    VersionFact,
    form_state,
    totals,
    unmatched_state,
)
from pepforms.register.tables import events, findings, issued, versions


def _title(code: str) -> str:
    entry = CATALOGUE.get(code)
    return entry.title if entry is not None else code


@cache
def _good_or_better(authority_id: str) -> frozenset[str]:
    try:
        return authorities.good_or_better(authority_id)
    except Exception:  # an authority no longer installed: nothing counts as good
        return frozenset()


def latest_term(conn: Connection) -> Term | None:
    """The newest term that has issued forms."""
    key = conn.execute(select(func.max(issued.c.term_key))).scalar()
    if key is None:
        return None
    return Term(int(key) // 3, int(key) % 3)


def resolve_term(conn: Connection, term: str | None) -> Term:
    """The term asked for, or the newest in the register."""
    if term:
        try:
            return Term.parse(term)
        except ValueError as exc:
            raise RegisterError(str(exc)) from None
    found = latest_term(conn)
    if found is None:
        raise RegisterError("The register has no issued forms yet: `pepforms generate` records them.")
    return found


def _issued_facts(conn: Connection, key: int, on: dt.date) -> dict[str, IssuedFact]:
    """Each form of the term as it stood on `on` (its latest issue by then, else its first)."""
    cols = (issued.c.form_id, issued.c.issued_on, issued.c.id, issued.c.child_id,
            issued.c.school_urn, issued.c.school_name, issued.c.authority, issued.c.phase,
            issued.c.meeting_by, issued.c.return_by, issued.c.first_pep_by)
    chosen: dict[str, tuple[tuple[bool, int], Any]] = {}
    # Plain tuples, and a fact built only for the row chosen: this runs over every form.
    for row in conn.execute(select(*cols).where(issued.c.term_key == key)).all():
        form_id, issued_on, row_id = row[0], row[1], row[2]
        # Prefer issues on or before the date, the newest of those (else the oldest later one).
        rank = (True, row_id) if issued_on <= on else (False, -row_id)
        best = chosen.get(form_id)
        if best is None or rank > best[0]:
            chosen[form_id] = (rank, row)
    return {form_id: IssuedFact(form_id, r[3], r[4], r[5], r[6], r[7], r[1], r[8], r[9], r[10])
            for form_id, (_, r) in chosen.items()}


def _error_codes(conn: Connection, key: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    query = (select(findings.c.version_id, findings.c.code)
             .join(versions, versions.c.id == findings.c.version_id)
             .where(and_(versions.c.term_key == key, findings.c.severity == "error",
                         versions.c.status != "pass")))
    for row in conn.execute(query):
        out[row.version_id].append(row.code)
    return out


def _version_facts(conn: Connection, key: int) -> tuple[dict[str, list[VersionFact]],
                                                        list[VersionFact]]:
    codes = _error_codes(conn, key)
    matched: dict[str, list[VersionFact]] = defaultdict(list)
    unmatched: list[VersionFact] = []
    cols = (versions.c.id, versions.c.form_id, versions.c.received_on, versions.c.status,
            versions.c.return_by, versions.c.child_id, versions.c.path)
    for row in conn.execute(select(*cols).where(versions.c.term_key == key)):
        fact = VersionFact(row.id, row.received_on, row.status, row.return_by,
                           tuple(codes.get(row.id, ())), row.child_id, row.path)
        if row.form_id is None:
            unmatched.append(fact)
        else:
            matched[row.form_id].append(fact)
    return matched, unmatched


def _event_facts(conn: Connection, key: int) -> dict[str, list[EventFact]]:
    out: dict[str, list[EventFact]] = defaultdict(list)
    forms = select(issued.c.form_id).where(issued.c.term_key == key).distinct()
    cols = (events.c.id, events.c.form_id, events.c.kind, events.c.happened_on, events.c.grade)
    for row in conn.execute(select(*cols).where(events.c.form_id.in_(forms))):
        out[row.form_id].append(EventFact(row.id, row.kind, row.happened_on, row.grade))
    return out


def _school_matches(form: FormState, school: str) -> bool:
    wanted = " ".join(school.split()).casefold()
    return form.school_urn.casefold() == wanted or form.school_name.casefold() == wanted


def _schools(forms: Iterable[FormState], on: dt.date) -> tuple[SchoolStatus, ...]:
    by_urn: dict[str, list[FormState]] = defaultdict(list)
    for form in forms:
        if form.state != "unmatched":
            by_urn[form.school_urn].append(form)
    out = [SchoolStatus(urn, group[0].school_name, totals(group, on, _title, _good_or_better))
           for urn, group in by_urn.items()]
    return tuple(sorted(out, key=lambda s: (s.name.casefold(), s.urn)))


def term_status(reg: Register, term: str | None = None, school: str | None = None,
                on: dt.date | None = None) -> TermStatus:
    """Every form of the term in its state on `on` (default today), with totals.

    term None: the newest term in the register. school: a URN or a school's name; files that
    matched no form are listed (as "unmatched") only when no school is asked for.
    """
    day = on or dt.date.today()
    with reg.reading() as conn:
        chosen = resolve_term(conn, term)
        key = term_key(chosen)
        forms = _issued_facts(conn, key, day)
        matched, unmatched = _version_facts(conn, key)
        happened = _event_facts(conn, key)
    states = [form_state(form, matched.get(form_id, ()), happened.get(form_id, ()), day)
              for form_id, form in forms.items()]
    if school:
        states = [s for s in states if _school_matches(s, school)]
        if not states:
            raise RegisterError(f"No forms for the school '{school}' in {chosen}.")
    states.sort(key=lambda s: (s.school_name.casefold(), s.school_urn, s.child_id, s.form_id))
    if not school:
        states.extend(unmatched_state(v) for v in sorted(unmatched, key=lambda v: v.id)
                      if v.received_on <= day)
    return TermStatus(str(chosen), day, totals(states, day, _title, _good_or_better),
                      _schools(states, day), tuple(states))
