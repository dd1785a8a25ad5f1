"""What the register reads from an authority's settings: dates, QA grades, how reminders name children."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pepforms.errors import SchemaError

REMINDER_NAMES = ("none", "initials", "first-name", "full")
DEFAULT_REMINDER_NAMES = "initials"


def settings(authority_id: str) -> Mapping[str, Any]:
    """The authority's authority.json (cached by the schema loader)."""
    from pepforms.schema import load_authority

    return load_authority(authority_id).raw


def qa_grades(authority_id: str) -> tuple[str, ...]:
    """The QA officer's grades for this authority, best first (as its framework names them)."""
    framework = settings(authority_id).get("qa_framework") or {}
    kind = framework.get("kind")
    if framework.get("grades"):
        return tuple(framework["grades"])
    if kind == "graded-sections":
        return ("Outstanding", "Good", "Requires improvement", "Inadequate")
    if kind == "checklist":
        return ("Good Quality", "Needing Development")
    return ("Good", "Requires improvement")


def good_or_better(authority_id: str) -> frozenset[str]:
    """The grades that count as "Good or better": the top two of a graded scale, else the top one."""
    framework = settings(authority_id).get("qa_framework") or {}
    grades = qa_grades(authority_id)
    top = 2 if framework.get("kind") == "graded-sections" and len(grades) > 2 else 1
    return frozenset(grades[:top])


def canonical_grade(authority_id: str, grade: str) -> str:
    """The grade as the framework spells it (any case); ValueError naming the grades if unknown."""
    wanted = " ".join(grade.split()).casefold()
    for known in qa_grades(authority_id):
        if known.casefold() == wanted:
            return known
    raise ValueError(
        f"'{grade}' is not one of this authority's QA grades: {', '.join(qa_grades(authority_id))}."
    )


def reminder_names(authority_id: str) -> str:
    """How a reminder email may name a child: none, initials, first-name or full."""
    mode = (settings(authority_id).get("reminders") or {}).get("names", DEFAULT_REMINDER_NAMES)
    if mode not in REMINDER_NAMES:
        raise SchemaError(
            f"authority.json of {authority_id}: reminders.names must be one of "
            f"{', '.join(REMINDER_NAMES)}."
        )
    return str(mode)


def child_name(mode: str, first_name: str, last_name: str) -> str:
    """A child's name as the authority allows it in an email ("" for none)."""
    if mode == "full":
        return f"{first_name} {last_name}".strip()
    if mode == "first-name":
        return first_name.strip()
    if mode == "initials":
        return "".join(f"{part.strip()[0].upper()}." for part in (first_name, last_name)
                       if part.strip())
    return ""
