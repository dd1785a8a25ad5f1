"""What the finalised record says about the form as a whole: its status, the quality grade and the
QA officer's judgement, who finalised it and when, the Pupil Premium Plus total, and the open
findings (the whole form's at the top, each section's beside that section).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib.colors import Color

from pepforms import pointers
from pepforms.findings import ERROR, Finding
from pepforms.grades import QaDecision, QualityGrade
from pepforms.report.ppplus import pounds, pp_lines_of
from pepforms.schema import FormModel, Section

# The security marking of every page (the Government Security Classifications' handling caveat
# for personal information about a child).
MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class RecordFacts:
    """What is known about the form beyond its answers (all optional but the status)."""

    status: str
    quality: QualityGrade | None = None
    qa: QaDecision | None = None
    finalised_by: str | None = None
    finalised_on: date | None = None


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def pp_plus_text(model: FormModel, instance: Mapping[str, Any]) -> str | None:
    """The Pupil Premium Plus the PEP asks for, counted as the PP+ summary counts it (its
    requests table, else its targets' PP+ costs); None when the form asks for no PP+."""
    lines, asks = pp_lines_of(model, instance)
    if not asks:
        return None
    if not lines:
        return "None requested"
    costed = [line.cost for line in lines if line.cost is not None]
    text = f"{pounds(sum(costed, Decimal(0)))} ({len(costed)} costed line" \
        f"{'s' if len(costed) != 1 else ''}"
    uncosted = len(lines) - len(costed)
    return text + (f"; {uncosted} not costed)" if uncosted else ")")


def qa_text(qa: QaDecision | None) -> str:
    if qa is None:
        return "Not yet recorded"
    when = f" on {long_date(qa.on)}" if qa.on else ""
    reason = f". {qa.reason}" if qa.reason else ""
    return f"{qa.grade} (by {qa.by}{when}){reason}"


def grade_text(quality: QualityGrade | None) -> str:
    if quality is None:
        return "Not graded"
    return f"{quality.overall} ({quality.framework}; {quality.note})"


def finalised_text(facts: RecordFacts) -> str:
    parts = [facts.finalised_by or "Not recorded"]
    if facts.finalised_on:
        parts.append(long_date(facts.finalised_on))
    return ", on ".join(parts)


def section_of(model: FormModel, finding: Finding) -> Section | None:
    """The section a finding is about (None: the whole form)."""
    key = pointers.parts(finding.pointer)[:1]
    return next((s for s in model.sections if [s.key] == key), None)


def findings_by_section(model: FormModel, findings: Sequence[Finding]
                        ) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Findings grouped by section key, and those about the whole form."""
    grouped: dict[str, list[Finding]] = {}
    whole: list[Finding] = []
    for finding in findings:
        section = section_of(model, finding)
        if section is None:
            whole.append(finding)
        else:
            grouped.setdefault(section.key, []).append(finding)
    return grouped, whole


def findings_rows(findings: Sequence[Finding]) -> list[tuple[str, str, str]]:
    """The rows of a table of open findings: where, what, how serious."""
    rows = []
    for finding in findings:
        where = " › ".join(p for p in (finding.section, finding.field) if p) or "The whole form"
        rows.append((where, finding.message, finding.severity))
    return rows


def summary_rows(model: FormModel, instance: Mapping[str, Any], facts: RecordFacts,
                 findings: Sequence[Finding]) -> list[tuple[str, str]]:
    """The label | value rows of the record's summary box (the status first)."""
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    if findings:
        open_text = (f"{errors} error(s), {warnings} warning(s): each is shown beside its "
                     "section")
    else:
        open_text = "None"
    rows = [
        ("Status", facts.status),
        ("Quality grade (indicative)", grade_text(facts.quality)),
        ("QA officer's judgement", qa_text(facts.qa)),
        ("Finalised by", finalised_text(facts)),
    ]
    pp = pp_plus_text(model, instance)
    if pp is not None:
        rows.append(("Pupil Premium Plus requested", pp))
    rows.append(("Open findings", open_text))
    return rows


def status_colour(facts: RecordFacts, findings: Sequence[Finding], good: Color,
                  bad: Color) -> Color:
    ok = not any(f.severity == ERROR for f in findings) and \
        facts.status.strip().lower() == "finalised"
    return good if ok else bad
