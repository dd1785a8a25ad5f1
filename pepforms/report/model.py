"""The typed report of a validation run: one result per file, and the batch around them.

Every rendering (text, JSON, CSV, HTML) reads this model and recomputes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pepforms.findings import ERROR, Finding
from pepforms.validate.quality import QualityGrade

PASS, FAIL, UNREADABLE = "pass", "fail", "unreadable"
STATUSES = (PASS, FAIL, UNREADABLE)

# How a form was read, in words a coordinator uses (the JSON keeps the short codes).
READ_BY_WORDS = {
    "tags": "read from the form as issued",
    "bookmarks": "read from a form saved by LibreOffice",
    "labels": "read by the labels beside each answer (the fill-in boxes had been removed)",
    "pdf fields": "read from a filled-in PDF form",
}


@dataclass
class FormResult:
    """One file's outcome: what it is, how it was read, and its findings."""

    path: str
    status: str  # pass | fail | unreadable
    findings: list[Finding] = field(default_factory=list)
    form_id: str = ""
    authority: str = ""
    phase: str = ""
    term: str = ""
    child_id: str = ""
    read_by: str = ""  # tags | bookmarks | labels | pdf fields
    application: str = ""
    instance: dict[str, Any] | None = None  # the answers; dropped by a batch unless asked for
    quality: QualityGrade | None = None
    # Where a control's parts disagreed, what the reader believed (pointer → why; shown by -v).
    trusted: dict[str, str] = field(default_factory=dict)
    child_name: str = ""  # for the pages a coordinator reads (HTML); never in the text output
    school: str = ""
    school_urn: str = ""
    sha256: str = ""
    received: date | None = None  # the date that counts for the return window
    email: str = ""  # the saved email the form came attached to (its path is inside it)
    # The email's subject, only while the batch checks which child it names; never reported.
    email_subject: str = field(default="", repr=False, compare=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def as_dict(self, include_instance: bool = False) -> dict[str, Any]:
        """The stable JSON shape of one form (README: "The JSON report")."""
        out: dict[str, Any] = {
            "path": self.path,
            "form_id": self.form_id,
            "authority": self.authority,
            "phase": self.phase,
            "term": self.term,
            "child_id": self.child_id,
            "school": self.school,
            "school_urn": self.school_urn,
            "status": self.status,
            "read_by": self.read_by,
            "application": self.application,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.as_dict() for f in self.findings],
            "quality": self.quality.as_dict() if self.quality else None,
        }
        if self.email:
            out["email"] = self.email
            out["received"] = self.received.isoformat() if self.received else None
        if include_instance:
            out["instance"] = self.instance
        return out


@dataclass
class Report:
    """A batch: every file's result (sorted by path) and the roster's own problems."""

    forms: list[FormResult]
    roster_findings: list[Finding] = field(default_factory=list)
    created: date | None = None  # the day the check was run

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status != PASS for r in self.forms) else 0

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.forms:
            out[r.status] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of the report (README: "The JSON report")."""
        out: dict[str, Any] = {"version": 1,
                               "summary": {"forms": len(self.forms), **self.counts()},
                               "forms": [r.as_dict() for r in self.forms]}
        if self.roster_findings:
            out["roster"] = [f.as_dict() for f in self.roster_findings]
        return out
