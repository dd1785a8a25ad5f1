"""What is due: meetings, returns and first PEPs due soon or overdue, and a calendar file of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from pepforms.register.dates import term_key
from pepforms.register.engine import Register
from pepforms.register.models import DueItem, FormState
from pepforms.register.status import resolve_term, term_status
from pepforms.register.tables import issued

# Forms with nothing received yet are the ones with something still due.
_WAITING = ("issued", "overdue")
DEFAULT_WITHIN = dt.timedelta(days=14)


def _deadlines(form: FormState) -> list[tuple[str, dt.date]]:
    out: list[tuple[str, dt.date]] = []
    if form.first_pep_by is not None:
        out.append(("first-pep", form.first_pep_by))
    if form.meeting_by is not None and form.meeting_by != form.first_pep_by:
        out.append(("meeting", form.meeting_by))
    if form.return_by is not None:
        out.append(("return", form.return_by))
    return out


def due(reg: Register, within: dt.timedelta = DEFAULT_WITHIN, on: dt.date | None = None, *,
        term: str | None = None, school: str | None = None) -> list[DueItem]:
    """Every meeting, return and first PEP due within `within` of `on` (default today) or overdue.

    Only forms with nothing received yet; term None is the newest term in the register.
    Sorted by school, then date.
    """
    day = on or dt.date.today()
    status = term_status(reg, term, school, day)
    with reg.reading() as conn:
        key = term_key(resolve_term(conn, status.term))
        contacts = {row.form_id: row for row in conn.execute(
            select(issued.c.form_id, issued.c.dt_email, issued.c.first_name, issued.c.last_name)
            .where(issued.c.term_key == key).order_by(issued.c.id))}  # the latest issue wins
    horizon = day + within
    items = []
    for form in status.forms:
        if form.state not in _WAITING:
            continue
        contact = contacts[form.form_id]
        for kind, when in _deadlines(form):
            if when <= horizon:
                items.append(DueItem(
                    form_id=form.form_id, child_id=form.child_id, term=status.term,
                    authority=form.authority, school_urn=form.school_urn,
                    school_name=form.school_name, dt_email=contact.dt_email, kind=kind, due=when,
                    overdue=when < day, state=form.state, first_name=contact.first_name,
                    last_name=contact.last_name))
    items.sort(key=lambda i: (i.school_name.casefold(), i.school_urn, i.due, i.form_id, i.kind))
    return items


def parse_within(text: str) -> dt.timedelta:
    """"14d", "2w" or "14" (days) as a time span."""
    cleaned = text.strip().lower()
    unit = 7 if cleaned.endswith("w") else 1
    number = cleaned.rstrip("dw").strip()
    if not number.isdigit():
        raise ValueError(f"'{text}' is not a span of days: write it like 14d or 2w.")
    return dt.timedelta(days=int(number) * unit)


def due_ics(items: Sequence[DueItem], on: dt.date) -> bytes:
    """A calendar (iCalendar) of the items, one all-day event each; Outlook imports it.

    Events name the form, child id and school, never a child's name. Stable UIDs, so importing
    a newer file updates the same events.
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//pepforms//term register//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "PEPs due")
    stamp = dt.datetime.combine(on, dt.time(0), tzinfo=dt.timezone.utc)
    for item in items:
        event = Event()
        event.add("uid", f"{item.form_id}-{item.kind}@pepforms.invalid")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + dt.timedelta(days=1))
        prefix = "Overdue: " if item.overdue else ""
        event.add("summary", f"{prefix}{item.what} due: {item.form_id} ({item.school_name})")
        event.add("description", "\n".join([
            f"{item.what} due {item.due.isoformat()} for form {item.form_id}",
            f"Child id: {item.child_id}", f"School: {item.school_name} (URN {item.school_urn})",
            f"Designated teacher: {item.dt_email or 'not known'}", f"State: {item.state}",
        ]))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["PEP"])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
