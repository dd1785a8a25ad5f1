"""An authority's term dates (authority.json `term_dates`): term ends, half terms and school days.

Schools' term dates vary by authority (and by school), so they are data: each authority lists
its terms as `{"autumn-2026": {"start": "2026-09-03", "half_term": ["2026-10-26", "2026-10-30"],
"end": "2026-12-18"}, ...}`. Where a term is not listed, rules that need its dates either fall
back to the reference term boundaries (generously, never to a false alarm) or do not apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pepforms.calendar import Term, is_working_day, working_days_after


@dataclass(frozen=True)
class TermDates:
    start: dt.date
    end: dt.date
    half_term: tuple[dt.date, dt.date] | None = None


class Calendar:
    """The term dates one authority has published."""

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self._terms: dict[str, TermDates] = {}
        for name, dates in (raw or {}).items():
            if not isinstance(dates, Mapping) or name.startswith("_"):
                continue
            half = dates.get("half_term")
            self._terms[name] = TermDates(
                dt.date.fromisoformat(dates["start"]), dt.date.fromisoformat(dates["end"]),
                (dt.date.fromisoformat(half[0]), dt.date.fromisoformat(half[1])) if half else None)

    def dates(self, term: Term) -> TermDates | None:
        return self._terms.get(str(term))

    def start(self, term: Term) -> dt.date:
        """The term's first day: published, else the reference date (1 September, …)."""
        known = self.dates(term)
        return known.start if known else term.start_date

    def end(self, term: Term) -> dt.date:
        """The term's last day: published, else the day before the next term's reference start
        (which takes in the holiday after it: generous, so never a false alarm)."""
        known = self.dates(term)
        return known.end if known else term.next().start_date - dt.timedelta(days=1)

    def is_school_day(self, day: dt.date) -> bool:
        """A working day within a published term and outside its half term; where no term
        covers the day, any working day."""
        if not is_working_day(day):
            return False
        covering = [t for t in self._terms.values()]
        if not covering or not (min(t.start for t in covering) <= day <= max(t.end for t in covering)):
            return True
        for t in covering:
            if t.start <= day <= t.end:
                return not (t.half_term and t.half_term[0] <= day <= t.half_term[1])
        return False  # a holiday between published terms

    def days_after(self, start: dt.date, end: dt.date, unit: str) -> int:
        """Days after `start` up to and including `end`, in `unit` (working, school, calendar)."""
        if unit == "calendar":
            return max((end - start).days, 0)
        if unit == "working":
            return working_days_after(start, end)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_school_day(day):
                count += 1
        return count


UNIT_WORDS = {"working": "working days", "school": "school days", "calendar": "days"}
