"""Quality grades as data: the indicative grade of a form and the QA officer's decision.

Below every layer (the finalised PDF shows them; `validate/quality.py` works them out), so the
PDF layer need not import the validator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

INDICATIVE = "indicative: the QA officer decides"


@dataclass(frozen=True)
class PartGrade:
    id: str
    title: str
    grade: str
    errors: int
    warnings: int


@dataclass(frozen=True)
class QualityGrade:
    framework: str
    kind: str
    overall: str
    parts: tuple[PartGrade, ...]
    note: str = INDICATIVE
    show_parts: bool = False  # every report shows the part grades (Sutton's A, B and E)
    officer_fields: tuple[str, ...] = ()  # for the QA officer to complete, shown blank

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["parts"] = [asdict(p) for p in self.parts]
        return out


@dataclass(frozen=True)
class QaDecision:
    """The QA officer's judgement of a form (from the term register): it overrides nothing
    above, it is shown beside the indicative grade."""

    grade: str
    by: str
    on: date | None = None
    reason: str = ""
