"""Due dates from each authority's settings: meeting windows, return windows, first PEPs, term dates."""

from __future__ import annotations

import datetime as dt

import pytest

from pepforms.calendar import Term
from pepforms.errors import SchemaError
from pepforms.register.authority import child_name, good_or_better, qa_grades, settings
from pepforms.register.dates import due_dates, term_dates, term_of_date

D = dt.date
SPRING = Term.parse("spring-2027")


@pytest.mark.parametrize(("authority", "meeting_by", "return_by"), [
    ("cheshire-west", D(2027, 2, 14), D(2027, 2, 19)),  # half-term; 5 working days
    ("sutton", D(2027, 3, 31), D(2027, 4, 7)),  # end of term; 7 calendar days
    ("barnet", D(2027, 3, 31), D(2027, 4, 10)),  # 10 calendar days
    ("shropshire", D(2027, 3, 31), D(2027, 4, 14)),  # 10 working days
    ("nottinghamshire", D(2027, 3, 31), D(2027, 4, 7)),  # 5 working days
])
def test_each_authoritys_meeting_and_return_dates(authority: str, meeting_by: D,
                                                  return_by: D) -> None:
    config = settings(authority)
    assert config["meeting_window"]["within"] in ("first-half", "term")
    assert config["meeting_window"]["guidance"] and config["first_pep"]["guidance"]
    dates = due_dates(SPRING, config)
    assert (dates.meeting_by, dates.return_by, dates.first_pep_by) == (meeting_by, return_by, None)


def test_working_days_skip_bank_holidays() -> None:
    # Shropshire, a meeting planned for Wednesday 24 March 2027: Good Friday (26th) and Easter
    # Monday (29th) are not working days, so ten working days run to Friday 9 April.
    dates = due_dates(SPRING, settings("shropshire"), planned_meeting=D(2027, 3, 24))
    assert dates.return_by == D(2027, 4, 9)


def test_first_pep_twenty_working_days_after_entering_care_or_a_new_school() -> None:
    config = settings("cheshire-west")
    entered = due_dates(SPRING, config, entered_care=D(2027, 1, 11))
    assert entered.first_pep_by == D(2027, 2, 8) == entered.meeting_by
    both = due_dates(SPRING, config, entered_care=D(2027, 1, 11), joined_school=D(2027, 1, 18))
    assert both.first_pep_by == D(2027, 2, 8)  # the sooner deadline binds
    old = due_dates(SPRING, config, entered_care=D(2026, 10, 1))
    assert old.first_pep_by is None and old.meeting_by == D(2027, 2, 14)


def test_an_authoritys_own_term_dates_win() -> None:
    config = {**settings("cheshire-west"),
              "term_dates": {"spring-2027": {"start": "2027-01-05", "half_term": "2027-02-12",
                                             "end": "2027-03-25"}}}
    assert term_dates(SPRING, config).end == D(2027, 3, 25)
    assert due_dates(SPRING, config).meeting_by == D(2027, 2, 12)
    assert term_dates(Term.parse("summer-2027"), config).start == D(2027, 4, 1)  # reference
    with pytest.raises(SchemaError, match="term_dates"):
        term_dates(SPRING, {"term_dates": {"spring-2027": {"start": "5/1/2027"}}})
    with pytest.raises(SchemaError, match="meeting_window"):
        due_dates(SPRING, {"meeting_window": {"within": "whenever"}})


def test_reference_terms_and_the_term_of_a_date() -> None:
    autumn = term_dates(Term.parse("autumn-2026"), {})
    assert (autumn.start, autumn.half_term, autumn.end) == (D(2026, 9, 1), D(2026, 10, 26),
                                                          D(2026, 12, 20))
    assert [str(term_of_date(d)) for d in (D(2026, 11, 3), D(2027, 2, 1), D(2027, 6, 1))] == \
        ["autumn-2026", "spring-2027", "summer-2027"]


def test_qa_grades_and_good_or_better_per_framework() -> None:
    assert qa_grades("sutton") == ("Outstanding", "Good", "Requires improvement", "Inadequate")
    assert good_or_better("sutton") == {"Outstanding", "Good"}
    assert good_or_better("shropshire") == {"Good Quality"}
    assert good_or_better("cheshire-west") == {"Good"}


def test_names_in_reminders_as_allowed() -> None:
    assert child_name("initials", "Ava", "Sample") == "A.S."
    assert child_name("first-name", "Ava", "Sample") == "Ava"
    assert child_name("full", "Ava", "Sample") == "Ava Sample"
    assert child_name("none", "Ava", "Sample") == ""
