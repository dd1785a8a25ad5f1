"""The register's plain data: what is recorded (issued forms, received versions) and what it answers.

No database here (importing this module does not import SQLAlchemy), so the command line and
other layers can name these types cheaply. Personal fields are left out of every `repr`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The states of a form in its term, in the order the cycle moves through them.
STATES = (
    "not-issued",
    "issued",
    "overdue",
    "received-late",
    "needs-changes",
    "sent-back",
    "passed",
    "qa-graded",
    "finalised",
    "unmatched",
)

STATE_LABELS = {
    "not-issued": "Not issued",
    "issued": "Issued",
    "overdue": "Overdue",
    "received-late": "Received late",
    "needs-changes": "Needs changes",
    "sent-back": "Sent back",
    "passed": "Passed",
    "qa-graded": "QA graded",
    "finalised": "Finalised",
    "unmatched": "Unmatched",
}

VERSION_STATUSES = ("pass", "fail", "unreadable")


@dataclass(frozen=True)
class IssuedForm:
    """One blank form that `generate` issued: who it is for, where it went, what it was filled with."""

    form_id: str
    authority: str
    phase: str
    term: str
    child_id: str
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    date_of_birth: date | None = field(repr=False)
    year_group: int | None
    school_name: str
    school_urn: str
    dt_email: str = field(repr=False)
    schema_id: str
    schema_version: str
    file_path: str
    sha256: str
    prefill: Mapping[str, Any] = field(repr=False)  # pointer -> the value written in the form
    prefill_digest: str
    date_entered_care: date | None = field(default=None, repr=False)
    date_joined_school: date | None = field(default=None, repr=False)
    issued_on: date | None = None  # None: today
    issued_by: str = ""  # empty: the operating-system user


@dataclass(frozen=True)
class ReceivedVersion:
    """One returned file as `validate` read it (a version of its issued form, or unmatched)."""

    path: str
    sha256: str
    received_on: date
    read_by: str  # tags | bookmarks | labels | pdf fields | "" (unreadable)
    status: str  # pass | fail | unreadable
    form_id: str = ""
    child_id: str = ""
    term: str = ""
    findings: Sequence[Mapping[str, Any]] = ()  # code, severity, pointer, message, role, section
    quality_grade: str | None = None  # the indicative overall grade
    instance: Mapping[str, Any] | None = field(default=None, repr=False)
    recorded_by: str = ""


@dataclass(frozen=True)
class RecordedVersion:
    """What recording a received file did."""

    version_id: int
    form_id: str | None  # None: unmatched
    new: bool  # False: this very file (same SHA-256) was already recorded
    number: int  # 1 for a form's first version; 0 when unmatched

    @property
    def matched(self) -> bool:
        return self.form_id is not None


@dataclass(frozen=True)
class FormState:
    """One form (or one unmatched file) as it stands on a date."""

    form_id: str
    child_id: str
    school_urn: str
    school_name: str
    authority: str
    phase: str
    state: str
    issued_on: date | None
    meeting_by: date | None
    return_by: date | None
    first_pep_by: date | None
    received: date | None  # the first version's date
    last_received: date | None
    versions: int
    on_time: bool | None  # None: nothing received yet
    passed_first_time: bool | None
    sent_back_on: date | None
    qa_grade: str | None
    qa_on: date | None
    finalised_on: date | None
    reasons: tuple[str, ...] = ()  # error codes of the latest failing version
    path: str = ""  # unmatched files only: the file as received

    def as_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "form_id": self.form_id, "child_id": self.child_id, "school_urn": self.school_urn,
            "school_name": self.school_name, "authority": self.authority, "phase": self.phase,
            "state": self.state, "issued": iso(self.issued_on), "meeting_by": iso(self.meeting_by),
            "return_by": iso(self.return_by), "first_pep_by": iso(self.first_pep_by),
            "received": iso(self.received), "last_received": iso(self.last_received),
            "versions": self.versions, "on_time": self.on_time,
            "passed_first_time": self.passed_first_time, "sent_back": iso(self.sent_back_on),
            "qa_grade": self.qa_grade, "qa_on": iso(self.qa_on),
            "finalised": iso(self.finalised_on), "reasons": list(self.reasons),
            "path": self.path,
        }


@dataclass(frozen=True)
class Rate:
    """A share: `count` of `of`, and the percentage (None when `of` is 0)."""

    count: int
    of: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.of, 1) if self.of else None

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "of": self.of, "percent": self.percent}


@dataclass(frozen=True)
class Reason:
    code: str
    title: str
    forms: int


@dataclass(frozen=True)
class Totals:
    forms: int
    states: Mapping[str, int]  # every state in STATES, zero where none
    returned_on_time: Rate
    passed_first_time: Rate
    good_or_better: Rate
    reasons: tuple[Reason, ...]  # the most common reasons for changes, most common first

    def as_dict(self) -> dict[str, Any]:
        return {
            "forms": self.forms,
            "states": dict(self.states),
            "returned_on_time": self.returned_on_time.as_dict(),
            "passed_first_time": self.passed_first_time.as_dict(),
            "good_or_better": self.good_or_better.as_dict(),
            "reasons": [{"code": r.code, "title": r.title, "forms": r.forms} for r in self.reasons],
        }


@dataclass(frozen=True)
class SchoolStatus:
    urn: str
    name: str
    totals: Totals

    def as_dict(self) -> dict[str, Any]:
        return {"urn": self.urn, "name": self.name, "totals": self.totals.as_dict()}


@dataclass(frozen=True)
class TermStatus:
    """The state of a term on a date: every form, totals per school and overall."""

    term: str
    on: date
    totals: Totals
    schools: tuple[SchoolStatus, ...]
    forms: tuple[FormState, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "term": self.term,
            "on": self.on.isoformat(),
            "totals": self.totals.as_dict(),
            "schools": [s.as_dict() for s in self.schools],
            "forms": [f.as_dict() for f in self.forms],
        }


DUE_KINDS = {"first-pep": "First PEP meeting", "meeting": "PEP meeting", "return": "Form returned"}


@dataclass(frozen=True)
class DueItem:
    """One thing due soon or overdue: a meeting, a return or a first PEP, for one form."""

    form_id: str
    child_id: str
    term: str
    authority: str
    school_urn: str
    school_name: str
    dt_email: str = field(repr=False)
    kind: str  # first-pep | meeting | return
    due: date
    overdue: bool
    state: str
    first_name: str = field(default="", repr=False)  # for reminders, shown as authority allows
    last_name: str = field(default="", repr=False)

    @property
    def what(self) -> str:
        return DUE_KINDS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        """For CSV and JSON: no names, no date of birth."""
        return {"school_urn": self.school_urn, "school_name": self.school_name,
                "dt_email": self.dt_email, "form_id": self.form_id, "child_id": self.child_id,
                "term": self.term, "what": self.what, "due": self.due.isoformat(),
                "overdue": self.overdue, "state": self.state}


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed (or, on a dry run, would remove), by kind of record."""

    before_term: str
    dry_run: bool
    terms: tuple[str, ...]
    issued: int
    versions: int
    findings: int
    events: int

    @property
    def total(self) -> int:
        return self.issued + self.versions + self.findings + self.events


@dataclass(frozen=True)
class RegisterInfo:
    """Which register is in use and what it holds."""

    url: str  # password hidden
    engine: str  # sqlite | postgresql
    path: str | None  # the SQLite file
    permissions: str | None  # e.g. "0600" for the SQLite file
    schema_version: str | None
    current_version: str
    up_to_date: bool
    counts: Mapping[str, int]
    terms: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "engine": self.engine, "path": self.path,
                "permissions": self.permissions, "schema_version": self.schema_version,
                "current_version": self.current_version, "up_to_date": self.up_to_date,
                "counts": dict(self.counts), "terms": list(self.terms)}
