"""A form's due dates: the meeting window, the return-by date and a first PEP's deadline.

From the authority's settings in `authority.json`:
- `meeting_window`: `{"within": "first-half" | "term"}`: the termly meeting is due by half-term
  or by the end of term;
- `return_window`: `{"days": 5, "unit": "working" | "calendar"}` after the meeting;
- `first_pep`: `{"days": 20, "unit": "working", "after": ["entered-care", "changed-school"]}`:
  the first PEP after a child enters care or changes school;
- `term_dates` (optional): `{"spring-2027": {"start": "2027-01-05", "half_term": "2027-02-12",
  "end": "2027-03-26"}}`, the authority's real term dates. Without them, reference dates are used:
  autumn 1 September to 20 December, spring 1 January to 31 March, summer 1 April to 20 July,
  half-term half way through. Working days skip weekends and England and Wales bank holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pepforms.calendar import Term, add_working_days
from pepforms.errors import SchemaError

_REFERENCE_END = {"autumn": (12, 20), "spring": (3, 31), "summer": (7, 20)}
DEFAULT_FIRST_PEP: dict[str, Any] = {"days": 20, "unit": "working",
                                     "after": ["entered-care", "changed-school"]}
MEETING_WINDOWS = ("first-half", "term")


@dataclass(frozen=True)
class TermDates:
    start: dt.date
    half_term: dt.date
    end: dt.date


@dataclass(frozen=True)
class DueDates:
    meeting_by: dt.date  # the termly meeting (or the first PEP, when that is sooner)
    return_by: dt.date  # the form back, counted from the planned meeting or the meeting-by date
    first_pep_by: dt.date | None


def term_key(term: Term) -> int:
    """A number that orders terms in time (autumn-2026 < spring-2027 < summer-2027)."""
    return term.year * 3 + term.season_index


def term_dates(term: Term, settings: Mapping[str, Any]) -> TermDates:
    """The authority's dates for the term, or the reference dates."""
    given = (settings.get("term_dates") or {}).get(str(term))
    if given:
        try:
            start, end = dt.date.fromisoformat(given["start"]), dt.date.fromisoformat(given["end"])
            half = (dt.date.fromisoformat(given["half_term"]) if given.get("half_term")
                    else start + (end - start) / 2)
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(
                f"authority.json: term_dates for {term} need a start and an end written "
                f"YYYY-MM-DD ({exc})."
            ) from None
        return TermDates(start, half, end)
    start = term.start_date
    month, day = _REFERENCE_END[term.season]
    end = dt.date(term.year, month, day)
    return TermDates(start, start + (end - start) / 2, end)


def after_window(start: dt.date, window: Mapping[str, Any]) -> dt.date:
    """`start` plus a window of `days` working or calendar days."""
    days = int(window.get("days", 0))
    if window.get("unit", "working") == "calendar":
        return start + dt.timedelta(days=days)
    return add_working_days(start, days)


def meeting_by(term: Term, settings: Mapping[str, Any]) -> dt.date:
    """The last day of the authority's meeting window for the term."""
    within = (settings.get("meeting_window") or {}).get("within", "term")
    if within not in MEETING_WINDOWS:
        raise SchemaError(
            f"authority.json: meeting_window.within must be one of {', '.join(MEETING_WINDOWS)}."
        )
    dates = term_dates(term, settings)
    return dates.half_term if within == "first-half" else dates.end


def first_pep_by(term: Term, settings: Mapping[str, Any], entered_care: dt.date | None,
                 joined_school: dt.date | None) -> dt.date | None:
    """The first PEP's deadline, when a recent entry to care or change of school sets one.

    Recent means the deadline falls in this term or later; an older one was last term's business.
    With both, the sooner deadline binds (one PEP by then, at the new school, meets both).
    """
    rule = settings.get("first_pep") or DEFAULT_FIRST_PEP
    events = {"entered-care": entered_care, "changed-school": joined_school}
    deadlines = [after_window(day, rule) for kind, day in events.items()
                 if day is not None and kind in rule.get("after", DEFAULT_FIRST_PEP["after"])]
    start = term_dates(term, settings).start
    current = [d for d in deadlines if d >= start]
    return min(current) if current else None


def due_dates(term: Term, settings: Mapping[str, Any], *, planned_meeting: dt.date | None = None,
              entered_care: dt.date | None = None,
              joined_school: dt.date | None = None) -> DueDates:
    """A form's due dates when it is issued."""
    meeting = meeting_by(term, settings)
    first = first_pep_by(term, settings, entered_care, joined_school)
    if first is not None:
        meeting = min(meeting, first)
    basis = planned_meeting or meeting
    return DueDates(meeting, after_window(basis, settings.get("return_window") or {}), first)


def return_by_after_meeting(meeting_date: dt.date, settings: Mapping[str, Any]) -> dt.date:
    """The return-by date once the meeting date is known (from the returned form)."""
    return after_window(meeting_date, settings.get("return_window") or {})


def term_of_date(day: dt.date) -> Term:
    """The term a date falls in by the reference dates (for a file that says no term)."""
    if day.month >= 9:
        return Term.of("autumn", day.year)
    return Term.of("spring" if day.month <= 3 else "summer", day.year)
