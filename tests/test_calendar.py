"""Tests for pepforms.calendar: terms, year groups, phases, key stages and working days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pepforms.calendar import (
    PHASES,
    Term,
    _bank_holidays,
    add_working_days,
    is_working_day,
    key_stage,
    parse_year_group,
    phase_for,
    weekdays_after,
    working_days_after,
    year_group,
    year_group_label,
)

terms = st.builds(Term, st.integers(1990, 2100), st.integers(0, 2))


# --- terms -----------------------------------------------------------------------------------


def test_terms_sort_in_time_order() -> None:
    in_order = ["autumn-2026", "spring-2027", "summer-2027", "autumn-2027", "spring-2028"]
    shuffled = [Term.parse(text) for text in reversed(in_order)]
    assert [str(term) for term in sorted(shuffled)] == in_order
    assert Term.parse("autumn-2026") < Term.parse("spring-2027") < Term.parse("summer-2027")
    assert Term.parse("summer-2027") < Term.parse("autumn-2027")


@pytest.mark.parametrize(
    ("text", "season", "year"),
    [
        ("spring-2027", "spring", 2027),
        ("Spring-2027", "spring", 2027),
        ("SUMMER-2027", "summer", 2027),
        ("autumn 2026", "autumn", 2026),
        ("Autumn  2026", "autumn", 2026),
        (" spring_2027 ", "spring", 2027),
        ("Spring term 2027", "spring", 2027),
    ],
)
def test_term_parse(text: str, season: str, year: int) -> None:
    term = Term.parse(text)
    assert (term.season, term.year) == (season, year)
    assert str(term) == f"{season}-{year}"


@pytest.mark.parametrize(
    "text", ["spring-2026/27", "winter-2027", "spring-27", "2027-spring", "", "spring", "term 2"]
)
def test_term_parse_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match='like "spring-2027"'):
        Term.parse(text)


def test_term_parse_explains_academic_years() -> None:
    with pytest.raises(ValueError, match="autumn-2026, spring-2027 and summer-2027"):
        Term.parse("spring-2026/27")


@pytest.mark.parametrize(
    ("text", "start_year", "academic_year", "label", "start_date"),
    [
        ("autumn-2026", 2026, "2026/27", "Autumn term 2026", dt.date(2026, 9, 1)),
        ("spring-2027", 2026, "2026/27", "Spring term 2027", dt.date(2027, 1, 1)),
        ("summer-2027", 2026, "2026/27", "Summer term 2027", dt.date(2027, 4, 1)),
        ("autumn-2027", 2027, "2027/28", "Autumn term 2027", dt.date(2027, 9, 1)),
        ("spring-2000", 1999, "1999/00", "Spring term 2000", dt.date(2000, 1, 1)),
    ],
)
def test_term_properties(
    text: str, start_year: int, academic_year: str, label: str, start_date: dt.date
) -> None:
    term = Term.parse(text)
    assert term.academic_year_start == start_year
    assert term.academic_year == academic_year
    assert term.label == label
    assert term.start_date == start_date


def test_term_next_and_previous() -> None:
    autumn = Term.parse("autumn-2026")
    assert str(autumn.next()) == "spring-2027"
    assert str(autumn.next().next()) == "summer-2027"
    assert str(autumn.next().next().next()) == "autumn-2027"
    assert str(autumn.previous()) == "summer-2026"
    assert str(Term.parse("spring-2027").previous()) == "autumn-2026"


@given(terms)
def test_term_next_previous_str_parse_agree(term: Term) -> None:
    assert term.next().previous() == term
    assert term.previous().next() == term
    assert term < term.next()
    assert term.start_date < term.next().start_date
    assert Term.parse(str(term)) == term
    assert Term.parse(term.label) == term
    assert term.academic_year_start in (term.start_date.year, term.start_date.year - 1)


def test_term_is_frozen_hashable_and_checked() -> None:
    term = Term.parse("spring-2027")
    assert {term, Term.parse("Spring 2027")} == {term}
    assert repr(term) == "Term.parse('spring-2027')"
    with pytest.raises(AttributeError):
        term.year = 2028  # type: ignore[misc]
    with pytest.raises(ValueError):
        Term(2027, 3)
    assert Term.of("Summer", 2027) == Term.parse("summer-2027")


# --- year groups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (dt.date(2020, 9, 1), 1),  # oldest in Year 1
        (dt.date(2021, 8, 31), 1),  # youngest in Year 1
        (dt.date(2021, 9, 1), 0),  # oldest in Reception
        (dt.date(2022, 8, 31), 0),
        (dt.date(2022, 9, 1), -1),  # Nursery
        (dt.date(2023, 8, 31), -1),
        (dt.date(2023, 9, 1), -2),  # age 2-3
        (dt.date(2020, 2, 29), 2),  # leap-day birthdays
        (dt.date(2016, 2, 29), 6),
        (dt.date(2015, 9, 1), 6),  # oldest in Year 6
        (dt.date(2015, 8, 31), 7),  # youngest in Year 7
        (dt.date(2011, 8, 31), 11),
        (dt.date(2010, 9, 1), 11),
        (dt.date(2010, 8, 31), 12),
        (dt.date(2008, 9, 1), 13),  # oldest in Year 13
        (dt.date(2008, 8, 31), 14),
    ],
)
def test_year_group_uses_the_first_of_september_cut_off(born: dt.date, expected: int) -> None:
    assert year_group(born, 2026) == expected


def test_year_group_moves_up_each_academic_year() -> None:
    born = dt.date(2018, 12, 25)
    assert [year_group(born, start) for start in (2024, 2025, 2026)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("number", "label"),
    [(-2, "Pre-school (age 2-3)"), (-1, "Nursery"), (0, "Reception"), (1, "Year 1"),
     (11, "Year 11"), (13, "Year 13"), (14, "Year 14")],
)
def test_year_group_label(number: int, label: str) -> None:
    assert year_group_label(number) == label


def test_year_group_label_refuses_below_pre_school() -> None:
    with pytest.raises(ValueError):
        year_group_label(-3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R", 0), ("r", 0), ("Reception", 0), ("Rec", 0), ("Year R", 0), ("N", -1),
        ("Nursery", -1), ("Y5", 5), ("y5", 5), ("5", 5), (" 5 ", 5), ("Year 5", 5),
        ("year5", 5), ("yr 5", 5), ("Yr5", 5), ("Year 12", 12), ("Y13", 13), ("NCY 3", 3),
        ("Year-7", 7), ("Pre-school", -2), ("-1", -1), ("-2", -2), ("0", 0), ("Year 14", 14),
    ],
)
def test_parse_year_group(text: str, expected: int) -> None:
    assert parse_year_group(text) == expected


@pytest.mark.parametrize(
    "text", ["", "Year", "Y", "banana", "Year 5b", "5.5", "-3", "Year five and a bit", "KS2",
             "123"]
)
def test_parse_year_group_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="year group"):
        parse_year_group(text)


# --- phases and key stages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "curriculum", "phase"),
    [
        (-2, "mainstream", "early-years"),
        (-1, "mainstream", "early-years"),
        (0, "mainstream", "early-years"),
        (1, "mainstream", "y1-11"),
        (11, "mainstream", "y1-11"),
        (12, "mainstream", "post-16"),
        (13, "mainstream", "post-16"),
        (0, "", "early-years"),
        (5, "targeted", "targeted-curriculum"),
        (0, "targeted", "targeted-curriculum"),
        (13, "Targeted", "targeted-curriculum"),
    ],
)
def test_phase_for(group: int, curriculum: str, phase: str) -> None:
    assert phase_for(group, curriculum) == phase
    assert phase in PHASES


@pytest.mark.parametrize(("group", "curriculum"), [(14, "mainstream"), (-3, "mainstream"),
                                                   (14, "targeted")])
def test_phase_for_refuses_outside_pep_age(group: int, curriculum: str) -> None:
    with pytest.raises(ValueError, match="outside PEP age range"):
        phase_for(group, curriculum)


def test_phase_for_refuses_unknown_curriculum() -> None:
    with pytest.raises(ValueError, match="mainstream"):
        phase_for(5, "special")


@pytest.mark.parametrize(
    ("group", "stage"),
    [(-2, "EYFS"), (0, "EYFS"), (1, "KS1"), (2, "KS1"), (3, "KS2"), (6, "KS2"), (7, "KS3"),
     (9, "KS3"), (10, "KS4"), (11, "KS4"), (12, "KS5"), (13, "KS5")],
)
def test_key_stage(group: int, stage: str) -> None:
    assert key_stage(group) == stage


@pytest.mark.parametrize("group", [-3, 14])
def test_key_stage_refuses_outside_pep_age(group: int) -> None:
    with pytest.raises(ValueError):
        key_stage(group)


# --- working days ----------------------------------------------------------------------------


def test_the_holidays_package_knows_the_bank_holidays_we_test_with() -> None:
    holidays = _bank_holidays()
    for day in ("2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29"):
        assert dt.date.fromisoformat(day) in holidays
    assert dt.date(2026, 12, 29) not in holidays
    assert _bank_holidays() is holidays  # built once per process


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-12-24", True),  # Thursday
        ("2026-12-25", False),  # Christmas Day
        ("2026-12-26", False),  # Saturday
        ("2026-12-28", False),  # Boxing Day (substitute)
        ("2026-12-29", True),
        ("2027-03-26", False),  # Good Friday
        ("2027-03-29", False),  # Easter Monday
        ("2027-03-30", True),
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert is_working_day(dt.date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-12-24", "2026-12-29", 1),  # over Christmas: only the 29th
        ("2026-12-23", "2027-01-04", 5),  # 24, 29, 30, 31 Dec and 4 Jan
        ("2027-03-25", "2027-03-30", 1),  # over Easter: only Tuesday
        ("2027-01-11", "2027-01-15", 4),  # an ordinary week, Monday to Friday
        ("2027-01-15", "2027-01-18", 1),  # Friday to Monday
        ("2027-01-15", "2027-01-15", 0),
        ("2027-01-18", "2027-01-15", 0),  # end before start
    ],
)
def test_working_days_after(start: str, end: str, expected: int) -> None:
    assert working_days_after(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-12-24", 1, "2026-12-29"),
        ("2026-12-23", 5, "2027-01-04"),
        ("2027-03-25", 1, "2027-03-30"),
        ("2027-01-11", 20, "2027-02-08"),
        ("2027-01-16", 0, "2027-01-16"),  # a Saturday stays itself
        ("2026-12-29", -1, "2026-12-24"),
        ("2027-03-30", -1, "2027-03-25"),
    ],
)
def test_add_working_days(start: str, days: int, expected: str) -> None:
    assert add_working_days(dt.date.fromisoformat(start), days) == dt.date.fromisoformat(expected)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2060, 12, 31)), st.integers(0, 60))
def test_add_and_count_working_days_agree(start: dt.date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_after(start, end) == days
    if days:
        assert is_working_day(end)
        assert working_days_after(start, end - dt.timedelta(days=1)) == days - 1


@given(st.dates(dt.date(2000, 1, 1), dt.date(2060, 12, 31)), st.integers(-10, 400))
def test_weekdays_after_counts_mondays_to_fridays_and_bounds_working_days(start: dt.date,
                                                                         span: int) -> None:
    end = start + dt.timedelta(days=span)
    counted = sum(1 for i in range(1, span + 1) if (start + dt.timedelta(days=i)).weekday() < 5)
    assert weekdays_after(start, end) == counted
    assert weekdays_after(start, end) >= working_days_after(start, end)
