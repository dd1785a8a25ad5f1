"""The school calendar: terms, academic years, year groups, PEP phases and working days."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PHASES",
    "SEASONS",
    "Term",
    "add_working_days",
    "term_id",
    "term_label",
    "is_working_day",
    "key_stage",
    "parse_year_group",
    "phase_for",
    "working_days_after",
    "year_group",
    "year_group_label",
]

PHASES = ("early-years", "y1-11", "post-16", "targeted-curriculum")

# In calendar order, so that (year, season_index) sorts terms in time order:
# autumn-2026 (2026, 2) < spring-2027 (2027, 0) < summer-2027 (2027, 1) < autumn-2027 (2027, 2).
SEASONS = ("spring", "summer", "autumn")

# Reference dates for each term, NOT any school's actual term dates (those vary by school and
# authority). They are used only to place a term in time, e.g. a child's age at the term.
_SEASON_START = {"spring": (1, 1), "summer": (4, 1), "autumn": (9, 1)}

_TERM_TEXT = re.compile(r"(autumn|spring|summer)(?:\s+term)?\s*[-\s_]?\s*(\d{4})")
_TERM_ACADEMIC_YEAR = re.compile(r"(autumn|spring|summer)(?:\s+term)?[-\s_]+(\d{4})\s*/\s*\d{2,4}")
_TERM_EXPECTED = (
    'Write the term as season-year, like "spring-2027": autumn, spring or summer, then the '
    "calendar year the term falls in."
)

PEP_MIN_YEAR_GROUP = -2
PEP_MAX_YEAR_GROUP = 13


@dataclass(frozen=True, order=True, repr=False)
class Term:
    """One school term, e.g. spring-2027.

    ``year`` is the calendar year the term falls in (as written in "spring-2027");
    ``season_index`` indexes SEASONS (0 spring, 1 summer, 2 autumn).
    """

    year: int
    season_index: int

    def __post_init__(self) -> None:
        if self.season_index not in (0, 1, 2):
            raise ValueError("season_index must be 0 (spring), 1 (summer) or 2 (autumn)")
        if not 1 <= self.year <= 9998:
            raise ValueError("The term's year must be a four-digit year")

    @classmethod
    def of(cls, season: str, year: int) -> Term:
        """The term for a season name ("autumn", "spring", "summer") and calendar year."""
        season = season.strip().lower()
        if season not in SEASONS:
            raise ValueError(_TERM_EXPECTED)
        return cls(year, SEASONS.index(season))

    @classmethod
    def parse(cls, text: str) -> Term:
        """Read "spring-2027": any case; hyphen, underscore or space; or "Spring term 2027"."""
        cleaned = " ".join(text.split()).lower()
        match = _TERM_TEXT.fullmatch(cleaned)
        if match is not None:
            return cls.of(match[1], int(match[2]))
        academic = _TERM_ACADEMIC_YEAR.fullmatch(cleaned)
        if academic is not None:
            start = int(academic[2])
            raise ValueError(
                f"{_TERM_EXPECTED} The terms of academic year {start}/{(start + 1) % 100:02d} "
                f"are autumn-{start}, spring-{start + 1} and summer-{start + 1}."
            )
        raise ValueError(_TERM_EXPECTED)

    @property
    def season(self) -> str:
        return SEASONS[self.season_index]

    def __str__(self) -> str:
        return f"{self.season}-{self.year}"

    def __repr__(self) -> str:
        return f"Term.parse({str(self)!r})"

    @property
    def academic_year_start(self) -> int:
        """The calendar year the academic year starts in: 2026 for autumn-2026 to summer-2027."""
        return self.year if self.season == "autumn" else self.year - 1

    @property
    def academic_year(self) -> str:
        """The academic year as people write it, e.g. "2026/27"."""
        start = self.academic_year_start
        return f"{start}/{(start + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """For people: "Spring term 2027"."""
        return f"{self.season.capitalize()} term {self.year}"

    @property
    def start_date(self) -> dt.date:
        """A reference start date (1 September, 1 January, 1 April), not a school's real one."""
        month, day = _SEASON_START[self.season]
        return dt.date(self.year, month, day)

    @classmethod
    def containing(cls, day: dt.date) -> Term:
        """The term a date falls in (autumn from September, spring from January, summer from
        April), by the reference start dates."""
        season = "autumn" if day.month >= 9 else "summer" if day.month >= 4 else "spring"
        return cls.of(season, day.year)

    def next(self) -> Term:
        if self.season_index == 2:
            return Term(self.year + 1, 0)
        return Term(self.year, self.season_index + 1)

    def previous(self) -> Term:
        if self.season_index == 0:
            return Term(self.year - 1, 2)
        return Term(self.year, self.season_index - 1)


def term_label(text: str) -> str:
    """A term as people write it ("spring-2027" is "Spring term 2027"); other text as it is."""
    try:
        return Term.parse(text).label
    except ValueError:
        return text


def term_id(text: str) -> str:
    """The term id ("spring-2027") of a term written any way `Term.parse` reads; other text as
    it is (the schema's pattern then says what is wrong with it)."""
    try:
        return str(Term.parse(text))
    except ValueError:
        return text


# --- year groups and phases ------------------------------------------------------------------


def year_group(date_of_birth: dt.date, academic_year_start: int) -> int:
    """England's National Curriculum year (1 September cut-off) in the given academic year.

    Reception is 0, Nursery -1, age 2-3 is -2; younger children give lower numbers still.
    """
    birth_academic_year = (
        date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    )
    return academic_year_start - birth_academic_year - 5


def year_group_label(number: int) -> str:
    """For people: "Pre-school (age 2-3)", "Nursery", "Reception", "Year 5"."""
    if number < PEP_MIN_YEAR_GROUP:
        raise ValueError(f"There is no year group {number}: PEPs start at age 2")
    return {-2: "Pre-school (age 2-3)", -1: "Nursery", 0: "Reception"}.get(
        number, f"Year {number}"
    )


_YEAR_GROUP_WORDS = {
    "r": 0,
    "rec": 0,
    "reception": 0,
    "n": -1,
    "nur": -1,
    "nursery": -1,
    "preschool": -2,
    "pre school": -2,
}
_YEAR_GROUP = re.compile(r"(?:(?:year|yr|y|ncy|nc year|nc)\s*)?([a-z ]+|\d{1,2})")


def parse_year_group(text: str) -> int:
    """Read a year group as written in a roster: R, Rec, Reception, N, Nursery, Y5, 5, Year 5, yr 5.

    -2 and -1 (and "Pre-school") are read too, as some systems export them.
    """
    stripped = text.strip()
    if stripped.startswith("-"):
        if stripped in ("-1", "-2"):
            return int(stripped)
        stripped = "?"  # anything else below zero is not a PEP year group
    cleaned = " ".join(re.sub(r"[-_.]", " ", stripped.lower()).split())
    match = _YEAR_GROUP.fullmatch(cleaned)
    if match is not None:
        value = match[1].strip()
        if value.isdigit():
            return int(value)
        if value in _YEAR_GROUP_WORDS:
            return _YEAR_GROUP_WORDS[value]
    raise ValueError(
        'Write the year group as R (Reception), N (Nursery) or a number such as "5" or '
        '"Year 5".'
    )


def phase_for(year_group: int, curriculum: str) -> str:
    """The PEP form a child needs: one of PHASES.

    curriculum is "mainstream" (or blank) or "targeted"; a targeted child gets the Targeted
    Curriculum form whatever their year group, provided they are of PEP age.
    """
    if year_group > PEP_MAX_YEAR_GROUP or year_group < PEP_MIN_YEAR_GROUP:
        raise ValueError(
            f"Year group {year_group} is outside PEP age range (age 2 to Year 13)."
        )
    kind = curriculum.strip().lower()
    if kind == "targeted":
        return "targeted-curriculum"
    if kind not in ("mainstream", ""):
        raise ValueError('The curriculum must be "mainstream" or "targeted".')
    if year_group <= 0:
        return "early-years"
    if year_group <= 11:
        return "y1-11"
    return "post-16"


def key_stage(year_group: int) -> str:
    """EYFS (age 2 to Reception), KS1 (Y1-2), KS2 (Y3-6), KS3 (Y7-9), KS4 (Y10-11), KS5 (Y12-13)."""
    if year_group < PEP_MIN_YEAR_GROUP or year_group > PEP_MAX_YEAR_GROUP:
        raise ValueError(f"Year group {year_group} is outside PEP age range (age 2 to Year 13).")
    for last, stage in ((0, "EYFS"), (2, "KS1"), (6, "KS2"), (9, "KS3"), (11, "KS4")):
        if year_group <= last:
            return stage
    return "KS5"


# --- working days ----------------------------------------------------------------------------


@functools.cache
def _bank_holidays() -> Any:
    """England and Wales bank holidays; built once per process (years fill in as asked for)."""
    import holidays  # imported here so that importing pepforms stays quick

    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays()


def weekdays_after(start: dt.date, end: dt.date) -> int:
    """How many Mondays to Fridays fall after start, up to and including end (0 if end <= start):
    never fewer than the working days, so a limit it keeps to is kept without the bank holidays."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    first = start.weekday() + 1  # the weekday of the first day counted (0 = Monday, may pass 6)
    return weeks * 5 + sum(1 for d in range(first, first + rest) if d % 7 < 5)


def working_days_after(start: dt.date, end: dt.date) -> int:
    """How many working days fall after start, up to and including end (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date that is `days` working days after start (before it, if days is negative).

    add_working_days(d, 0) is d itself, even on a weekend.
    """
    step = dt.timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day
