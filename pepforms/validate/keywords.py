"""The custom keywords for the authorities' time and money rules (JSON Schema cannot say them).

Each is placed where the rule belongs (usually in an `allOf` entry at the root, beside its
`x-code`, `x-severity` and an `x-guidance` quoting the line it implements), and names the fields
it compares by JSON pointer:

- `pepWithin: {"date": P, "of": Q, "days": 20, "unit": "working"|"school"|"calendar"}` — the date
  at P is no more than that many days after the date at Q (the first PEP after entering care or
  changing school; sign-off within 7 days of the meeting). With `"since_term_start": true` it
  applies only when Q falls in the form's own term (the child came into care or changed school
  this term, so this is their first PEP), and with `"not_at_autumn_start": true` not when Q is in
  the first week of the autumn term (a planned move to a new key stage);
- `pepByEndOfNextTerm: {"date": P, "term": T}` — the date at P falls no later than the end of the
  term after the form's term (the next PEP is next term, not any date after the meeting);
- `pepFirstHalfOfTerm: {"date": P, "term": T}` — the date at P is before the form's term's half
  term (only where the authority publishes its term dates);
- `pepTotalsAgree: {"a": "/targets/*/pp_cost", "b": "/pp_plus/requests/*/cost", "at": P}` — the
  amounts at a add up to the amounts at b, where a has any (PP+ on targets and PP+ requests);
- `pepFromWeek: {"date": P, "week": 5, "term": T, "next_term": false}` — a date at P in the form's
  term (or the next) is not before that week of it (Barnet's Year 7 autumn PEP "from the fifth
  week onwards").
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jsonschema import ValidationError

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.validate.terms import UNIT_WORDS, Calendar
from pepforms.values import format_money


@dataclass(frozen=True)
class RuleScope:
    """What a keyword can see beyond its own value: the whole instance and the term dates."""

    root: Any
    calendar: Calendar
    context: Any  # engine.ValidationContext


SCOPE: contextvars.ContextVar[RuleScope] = contextvars.ContextVar("pep_scope")


def as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _term(root: Any, pointer: str) -> Term | None:
    value = pointers.get(root, pointer)
    try:
        return Term.parse(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _uk(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _error(message: str, rule: Mapping[str, Any], **values: Any) -> ValidationError:
    """An error carrying the values its finding's message needs (`pep_values`)."""
    error = ValidationError(message, validator_value=rule)
    error.pep_values = values  # type: ignore[attr-defined]
    return error


def pep_within(validator: Any, rule: Mapping[str, Any], instance: Any,
               schema: Any) -> Iterator[ValidationError]:
    scope = SCOPE.get()
    mine = as_date(pointers.get(scope.root, rule["date"]))
    since = as_date(pointers.get(scope.root, rule["of"]))
    if mine is None or since is None or mine < since:
        return
    if rule.get("since_term_start"):
        term = _term(scope.root, rule.get("term", "/pep/term"))
        if term is None or since < scope.calendar.start(term):
            return
        if rule.get("not_at_autumn_start") and term.season == "autumn" and \
                since <= scope.calendar.start(term) + timedelta(days=7):
            return  # joining at the start of the school year: a planned move to a new key stage
    unit = rule.get("unit", "working")
    days = scope.calendar.days_after(since, mine, unit)
    if days > int(rule["days"]):
        yield _error(f"{days} {UNIT_WORDS[unit]} after {rule['of']}; limit {rule['days']}", rule,
                     days=days, limit=rule["days"], unit=UNIT_WORDS[unit],
                     event=rule.get("event", ""), value=_uk(mine))


def pep_by_end_of_next_term(validator: Any, rule: Mapping[str, Any], instance: Any,
                            schema: Any) -> Iterator[ValidationError]:
    scope = SCOPE.get()
    mine = as_date(pointers.get(scope.root, rule["date"]))
    term = _term(scope.root, rule.get("term", "/pep/term"))
    if mine is None or term is None:
        return
    end = scope.calendar.end(term.next())
    if mine > end:
        yield _error(f"{_uk(mine)} is after the end of {term.next().label} ({_uk(end)})", rule,
                     value=_uk(mine), other=term.next().label, other_value=_uk(end))


def pep_first_half_of_term(validator: Any, rule: Mapping[str, Any], instance: Any,
                           schema: Any) -> Iterator[ValidationError]:
    scope = SCOPE.get()
    mine = as_date(pointers.get(scope.root, rule["date"]))
    term = _term(scope.root, rule.get("term", "/pep/term"))
    dates = scope.calendar.dates(term) if term is not None else None
    if mine is None or dates is None or dates.half_term is None:
        return  # without the authority's term dates, the half term is not known
    if mine >= dates.half_term[0]:
        yield _error(f"{_uk(mine)} is on or after the half term starting "
                     f"{_uk(dates.half_term[0])}", rule, value=_uk(mine),
                     other_value=_uk(dates.half_term[0]), other=term.label if term else "")


def pep_from_week(validator: Any, rule: Mapping[str, Any], instance: Any,
                  schema: Any) -> Iterator[ValidationError]:
    scope = SCOPE.get()
    mine = as_date(pointers.get(scope.root, rule["date"]))
    term = _term(scope.root, rule.get("term", "/pep/term"))
    if mine is None or term is None:
        return
    if rule.get("next_term"):
        term = term.next()
    first = scope.calendar.start(term) + timedelta(weeks=int(rule["week"]) - 1)
    # Only a date in that term is judged: an earlier date is another rule's business.
    if scope.calendar.start(term) <= mine < first:
        yield _error(f"{_uk(mine)} is before week {rule['week']} of {term.label} ({_uk(first)})",
                     rule, value=_uk(mine), other=term.label, other_value=_uk(first),
                     limit=rule["week"])


def _amounts(root: Any, pattern: str) -> list[float | None]:
    """The amount in each row of a table (None for a row without one)."""
    table, _, key = pattern.partition("/*/")
    rows = pointers.get(root, table)
    if not isinstance(rows, list):
        return []
    out: list[float | None] = []
    for row in rows:
        value = row.get(key) if isinstance(row, Mapping) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(float(value))
        else:
            out.append(None)
    return out


def pep_totals_agree(validator: Any, rule: Mapping[str, Any], instance: Any,
                     schema: Any) -> Iterator[ValidationError]:
    scope = SCOPE.get()
    costs, requests = _amounts(scope.root, rule["a"]), _amounts(scope.root, rule["b"])
    if None in requests:
        return  # a request without its cost is that finding; the totals cannot be compared
    first = sum(c for c in costs if c is not None)
    second = sum(c for c in requests if c is not None)
    if first > 0 and round(first, 2) != round(second, 2):
        yield _error(f"{rule['a']} add up to {first:.2f}; {rule['b']} to {second:.2f}", rule,
                     a=format_money(first), b=format_money(second))


KEYWORDS = {
    "pepWithin": pep_within,
    "pepByEndOfNextTerm": pep_by_end_of_next_term,
    "pepFirstHalfOfTerm": pep_first_half_of_term,
    "pepTotalsAgree": pep_totals_agree,
    "pepFromWeek": pep_from_week,
}

# Where each keyword's finding points: the field it checks.
POINTS_AT = {"pepWithin": "date", "pepByEndOfNextTerm": "date", "pepFirstHalfOfTerm": "date",
             "pepTotalsAgree": "at", "pepFromWeek": "date"}
