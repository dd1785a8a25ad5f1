"""The state of a form on a date, computed from its facts; and the totals of many forms.

Only facts dated on or before the date count, so the same facts answer "as it stood on 1 March"
and "as it will stand on 1 May". The rule, first match wins:
- not issued: issued after the date;
- finalised: a finalised PDF recorded;
- QA graded: a QA officer's decision recorded;
- a version received: the latest failed (or could not be read): sent back if the form was sent
  back on or after that version came in, else needs changes; the latest passed: received late
  when the first version came in after the return-by date, else passed;
- nothing received: overdue once the return-by date or the meeting window has passed, else issued.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pepforms.register.models import STATES, FormState, Rate, Reason, Totals

TOP_REASONS = 5


@dataclass(frozen=True)
class IssuedFact:
    form_id: str
    child_id: str
    school_urn: str
    school_name: str
    authority: str
    phase: str
    issued_on: dt.date
    meeting_by: dt.date
    return_by: dt.date
    first_pep_by: dt.date | None


@dataclass(frozen=True)
class VersionFact:
    id: int
    received_on: dt.date
    status: str
    return_by: dt.date | None
    reasons: tuple[str, ...]  # its error codes
    child_id: str = ""
    path: str = ""


@dataclass(frozen=True)
class EventFact:
    id: int
    kind: str
    on: dt.date
    grade: str | None = None


def _latest(events: Sequence[EventFact], kind: str) -> EventFact | None:
    mine = [e for e in events if e.kind == kind]
    return max(mine, key=lambda e: (e.on, e.id)) if mine else None


def _received_state(first: VersionFact, last: VersionFact, on_time: bool,
                    sent_back: EventFact | None) -> str:
    if last.status != "pass":
        return "sent-back" if sent_back and sent_back.on >= last.received_on else "needs-changes"
    return "passed" if on_time else "received-late"


def _reasons(received: Sequence[VersionFact]) -> tuple[str, ...]:
    codes: set[str] = set()
    for version in received:
        if version.status != "pass":
            codes.update(version.reasons)
    return tuple(sorted(codes))


def _untouched(form: IssuedFact, state: str) -> FormState:
    """A form with nothing received or done yet: most forms early in a term, so kept quick."""
    return FormState(form.form_id, form.child_id, form.school_urn, form.school_name,
                     form.authority, form.phase, state, form.issued_on, form.meeting_by,
                     form.return_by, form.first_pep_by, None, None, 0, None, None, None, None,
                     None, None)


def form_state(form: IssuedFact, all_versions: Sequence[VersionFact],
               all_events: Sequence[EventFact], on: dt.date) -> FormState:
    """One issued form's state on `on`."""
    if form.issued_on > on:
        return _untouched(form, "not-issued")
    received = sorted((v for v in all_versions if v.received_on <= on),
                      key=lambda v: (v.received_on, v.id)) if all_versions else []
    happened = [e for e in all_events if e.on <= on]
    if not received and not happened:
        overdue = on > form.return_by or on > form.meeting_by
        return _untouched(form, "overdue" if overdue else "issued")
    finalised, qa = _latest(happened, "finalised"), _latest(happened, "qa")
    sent_back = _latest(happened, "sent-back")
    first, last = (received[0], received[-1]) if received else (None, None)
    return_by = (first.return_by or form.return_by) if first else form.return_by
    on_time = first.received_on <= return_by if first else None
    if finalised:
        state = "finalised"
    elif qa:
        state = "qa-graded"
    elif first and last:
        state = _received_state(first, last, bool(on_time), sent_back)
    elif on > form.return_by or on > form.meeting_by:
        state = "overdue"
    else:
        state = "issued"
    return FormState(
        form_id=form.form_id, child_id=form.child_id, school_urn=form.school_urn,
        school_name=form.school_name, authority=form.authority, phase=form.phase, state=state,
        issued_on=form.issued_on, meeting_by=form.meeting_by, return_by=return_by,
        first_pep_by=form.first_pep_by, received=first.received_on if first else None,
        last_received=last.received_on if last else None, versions=len(received),
        on_time=on_time, passed_first_time=(first.status == "pass") if first else None,
        sent_back_on=sent_back.on if sent_back else None, qa_grade=qa.grade if qa else None,
        qa_on=qa.on if qa else None, finalised_on=finalised.on if finalised else None,
        reasons=_reasons(received),
    )


def unmatched_state(version: VersionFact) -> FormState:
    """A received file that matched no issued form."""
    return FormState(
        form_id="", child_id=version.child_id, school_urn="", school_name="", authority="",
        phase="", state="unmatched", issued_on=None, meeting_by=None, return_by=None,
        first_pep_by=None, received=version.received_on, last_received=version.received_on,
        versions=1, on_time=None, passed_first_time=None, sent_back_on=None, qa_grade=None,
        qa_on=None, finalised_on=None, reasons=tuple(sorted(set(version.reasons))),
        path=version.path,
    )


def totals(forms: Sequence[FormState], on: dt.date, titles: Callable[[str], str],
           good_or_better: Callable[[str], frozenset[str]]) -> Totals:
    """Counts per state and the term's measures over these forms."""
    states = dict.fromkeys(STATES, 0)
    states.update(Counter(f.state for f in forms))
    issued = [f for f in forms if f.state not in ("not-issued", "unmatched")]
    due_or_in = [f for f in issued
                 if f.received is not None or (f.return_by is not None and on > f.return_by)]
    received = [f for f in issued if f.received is not None]
    graded = [f for f in issued if f.qa_grade]
    reasons = Counter(code for f in issued for code in f.reasons)
    top = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]
    return Totals(
        forms=len(issued),
        states=states,
        returned_on_time=Rate(sum(1 for f in due_or_in if f.on_time), len(due_or_in)),
        passed_first_time=Rate(sum(1 for f in received if f.passed_first_time), len(received)),
        good_or_better=Rate(sum(1 for f in graded if f.qa_grade in good_or_better(f.authority)),
                            len(graded)),
        reasons=tuple(Reason(code, titles(code), count) for code, count in top),
    )
