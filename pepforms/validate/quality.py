"""The indicative quality grade: each authority's QA framework, as data, applied to the findings.

It is indicative only: the Virtual School's QA officer decides. It reads the findings (and, for
"not applicable", whether a part of the form is empty); it never judges the quality of writing,
so the top grade of a graded framework (e.g. Sutton's "Outstanding") is never given automatically.

Three kinds, set in `authority.json` → `qa_framework.kind`:
- `graded-sections`: each listed section graded with the framework's grades (best first) from the
  errors and warnings in the parts of the form it covers; the overall grade is the best fit (the
  most common section grade, the lower on a tie), and no better than the third grade when the
  form has any error (it is not ready for QA).
- `checklist`: each item met, not met, or not applicable (where `na_allowed` and its parts are
  empty, and, if the item has `na_when` (a JSON Schema the instance must match), only then: e.g.
  previous targets are N/A only for a child new to care); the overall grade is the first grade if
  every item is met or N/A, else the second.
- `good-requires-improvement`: "Good" with no errors, else "Requires improvement"; items, if
  listed, are reported the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator

from pepforms.findings import ERROR, Finding
from pepforms.grades import (  # noqa: F401  (imported from here too)
    INDICATIVE,
    PartGrade,
    QaDecision,
    QualityGrade,
)

# Example: authority.json `qa_framework.officer_fields` lists what the QA officer writes on the
# grid ("VS Staff Member", "Reason for Judgement/additional comments"); reports show them blank.


def _covers(pointers: Sequence[str], finding: Finding) -> bool:
    return any(finding.pointer == p or finding.pointer.startswith(p.rstrip("/") + "/")
               for p in pointers)


def _count(pointers: Sequence[str], findings: Sequence[Finding]) -> tuple[int, int]:
    mine = [f for f in findings if _covers(pointers, f)]
    errors = sum(1 for f in mine if f.severity == ERROR)
    return errors, len(mine) - errors


def _empty(instance: Mapping[str, Any] | None, pointers: Sequence[str]) -> bool:
    if instance is None:
        return False
    for pointer in pointers:
        node: Any = instance
        for part in pointer.strip("/").split("/"):
            node = node.get(part) if type(node) is dict or isinstance(node, Mapping) else None
        if node not in (None, {}, [], "", False):
            return False
    return True


def _applies(item: Mapping[str, Any], phase: str) -> bool:
    phases = item.get("phases")
    return not phases or phase in phases


def _not_applicable(item: Mapping[str, Any], instance: Mapping[str, Any] | None) -> bool:
    if not item.get("na_allowed") or not _empty(instance, item["pointers"]):
        return False
    condition = item.get("na_when")
    return condition is None or bool(Draft202012Validator(condition).is_valid(instance or {}))


def _extras(framework: Mapping[str, Any]) -> dict[str, Any]:
    return {"show_parts": bool(framework.get("show_parts")),
            "officer_fields": tuple(framework.get("officer_fields", ()))}


def indicative_grade(framework: Mapping[str, Any], phase: str, findings: Sequence[Finding],
                     instance: Mapping[str, Any] | None = None) -> QualityGrade | None:
    """The framework applied to one form's findings; None when the authority has no framework."""
    kind = framework.get("kind")
    name = framework.get("name", "Quality assurance")
    if kind == "graded-sections":
        grades = list(framework.get("grades") or
                      ["Outstanding", "Good", "Requires improvement", "Inadequate"])
        parts = []
        for section in framework.get("sections", []):
            if not _applies(section, phase):
                continue
            errors, warnings = _count(section["pointers"], findings)
            # Never the top grade automatically; "Good" at best, lower with more errors.
            index = 1 if errors == 0 else (2 if errors <= 2 else 3)
            index = min(index, len(grades) - 1)
            parts.append(PartGrade(section["id"], section.get("title", section["id"]),
                                   grades[index], errors, warnings))
        counts = Counter(p.grade for p in parts)
        overall = max(counts, key=lambda g: (counts[g], grades.index(g))) if parts else grades[1]
        if any(f.severity == ERROR for f in findings):
            # A form with errors is not ready for QA: it cannot be "Good" overall.
            overall = grades[max(grades.index(overall), min(2, len(grades) - 1))]
        return QualityGrade(name, kind, overall, tuple(parts), **_extras(framework))
    if kind == "checklist":
        met, not_met = (framework.get("grades") or ["Good Quality", "Needing Development"])[:2]
        parts = []
        for item in framework.get("items", []):
            if not _applies(item, phase):
                continue
            errors, warnings = _count(item["pointers"], findings)
            if _not_applicable(item, instance):
                grade = "N/A"
            else:
                grade = "met" if errors == 0 else "not met"
            parts.append(PartGrade(item["id"], item.get("title", item["id"]), grade, errors,
                                   warnings))
        overall = met if all(p.grade in {"met", "N/A"} for p in parts) else not_met
        return QualityGrade(name, kind, overall, tuple(parts), **_extras(framework))
    if kind == "good-requires-improvement":
        good, ri = (framework.get("grades") or ["Good", "Requires improvement"])[:2]
        parts = []
        for item in framework.get("items", []):
            if not _applies(item, phase):
                continue
            errors, warnings = _count(item["pointers"], findings)
            parts.append(PartGrade(item["id"], item.get("title", item["id"]),
                                   good if errors == 0 else ri, errors, warnings))
        overall = good if not any(f.severity == ERROR for f in findings) else ri
        return QualityGrade(name, kind, overall, tuple(parts), **_extras(framework))
    return None
