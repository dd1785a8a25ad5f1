"""A test term of returned forms: spring-2027 for fifteen children of four authorities, a mix of
passing and failing forms and quality grades, one form returned twice, and autumn-2026 forms for
three of them (this term against last term). Built from the sample cases, filled into the forms
`generate` would issue, exactly as a school returns them.

The figures the tests check (PP+ totals, the release list, attendance) are worked out by hand
below from the case files, not by the code under test.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pepforms.cases import Case, discover, remove_pointer, returned_form, set_pointer

SPRING, AUTUMN = "spring-2027", "autumn-2026"
SHIFT = timedelta(days=-105)  # spring dates moved back into the autumn term

# (case, child id, changes, received) for each spring file.
SPRING_FORMS: list[tuple[str, str, dict[str, Any], list[str], date | None]] = [
    # Shropshire: released only for a Good Quality PEP, a termly allocation (Reception-Y11).
    ("shropshire/y1-11/good", "S0001", {
        "/meeting/summary": "=SUM(A1:A2) is what the school typed, not a formula",
        "/home/home_learning": "@home: reading every night; -5 minutes of screen time",
        "/strengths_needs/needs": "+ maths gaps from KS2\nand organising longer answers"},
     [], None),
    ("shropshire/y1-11/voice-missing", "S0002", {}, [], None),
    ("shropshire/y1-11/designated-teacher-not-signed", "S0003", {}, [], None),
    ("shropshire/early-years/pp-plus-not-costed", "S0004", {}, [], None),
    ("shropshire/post-16/good", "S0005", {}, [], None),
    ("shropshire/targeted-curriculum/good", "S0006", {}, [], None),
    # Cheshire West: what is requested and costed, for a passing PEP.
    ("cheshire-west/y1-11/good", "W0001", {}, [], None),
    ("cheshire-west/y1-11/pp-not-costed", "W0002", {}, [], None),
    ("cheshire-west/early-years/good", "W0003", {}, [], None),
    ("cheshire-west/targeted-curriculum/good", "W0004", {}, [], None),
    # W0005 came back twice: first with attendance unexplained, then put right.
    ("cheshire-west/y1-11/attendance-unexplained", "W0005", {}, [], date(2027, 1, 21)),
    ("cheshire-west/y1-11/good", "W0005", {}, [], date(2027, 1, 28)),
    # Sutton: PP+ costed on the targets.
    ("sutton/y1-11/good", "U0001", {}, [], None),
    ("sutton/y1-11/good", "U0002", {}, ["/targets/0/pp_cost"], None),
    # Nottinghamshire: PP £ on each target's action rows.
    ("nottinghamshire/y1-11/good", "N0001", {}, [], None),
    # Barnet: released for a PEP graded Good.
    ("barnet/y1-11/good", "B0001", {}, [], None),
]

# Last term, for three children: (child id, attendance then, subject -> working at then).
AUTUMN_FORMS = {"S0001": (94.0, {"English": "Emerging"}), "W0001": (95.0, {}),
                "U0001": (96.8, {})}

# ---- the figures, by hand from the case files ----------------------------------------------
SHROPSHIRE_TERMLY = Decimal("856.67")  # £2,570 / 3, to the penny
RELEASED = {  # child id -> amount released
    "S0001": SHROPSHIRE_TERMLY, "S0006": SHROPSHIRE_TERMLY,  # Good Quality: the termly share
    "W0001": Decimal("750.00"),  # £450 learning + £300 pastoral
    "W0003": Decimal("300.00"),
    "W0004": Decimal("450.00"),
    "W0005": Decimal("750.00"),  # its latest version passes
    "U0001": Decimal("650.00"),  # the PP+ cost on its literacy target
    "N0001": Decimal("760.00"),  # £400 + £300 + £60 on the targets' action rows
    "B0001": Decimal("750.00"),  # £600 + £150 requested
}
HELD = {  # child id -> words every reason must contain
    "S0002": ["needs changes", "Needing Development"],
    "S0003": ["needs changes"],
    "S0004": ["needs changes", "Needing Development", "has no cost"],
    "W0002": ["needs changes", "has no cost"],
    "U0002": ["requests no PP+"],
}
NOT_APPLICABLE_IDS = {"S0005"}  # Post-16: the form asks for no PP+
REQUESTED = {  # costed requests, child id -> amount
    "S0001": Decimal(600), "S0002": Decimal(600), "S0003": Decimal(600), "S0004": Decimal(0),
    "S0006": Decimal(200), "W0001": Decimal(750), "W0002": Decimal(450), "W0003": Decimal(300),
    "W0004": Decimal(450), "W0005": Decimal(750), "U0001": Decimal(650), "U0002": Decimal(0),
    "N0001": Decimal(760), "B0001": Decimal(750),
}
TOTAL_RELEASED = Decimal("6123.34")  # 2 x 856.67 + 750 + 300 + 450 + 750 + 650 + 760 + 750
TOTAL_REQUESTED = Decimal("6860.00")
# Attendance this term below 95%: W0001, W0002, W0005 (92.4), W0003 (93.5), N0001 (93.1).
BELOW_95 = 5


def _cases() -> dict[str, Case]:
    return {c.id: c for c in discover()}


def _shift(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shift(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift(v) for v in node]
    if isinstance(node, str) and len(node) == 10 and node[4] == "-" and node[7] == "-":
        try:
            return (date.fromisoformat(node) + SHIFT).isoformat()
        except ValueError:
            return node
    return node


def _case_for(case: Case, child_id: str, changes: dict[str, Any], removals: list[str],
              received: date | None) -> Case:
    instance = copy.deepcopy(case.instance)
    instance["child"]["child_id"] = child_id
    for pointer in removals:
        remove_pointer(instance, pointer)
    for pointer, value in changes.items():
        set_pointer(instance, pointer, value)
    return replace(case, instance=instance, file_name=None, received=received or case.received)


def _autumn(case: Case, attendance: float, subjects: dict[str, str]) -> Case:
    """Last term's form: the same child, dates a term earlier, this term's targets under review
    set then, and last term's attendance and attainment."""
    instance = {k: v if k == "child" else _shift(v) for k, v in copy.deepcopy(case.instance).items()}
    instance["pep"]["term"] = AUTUMN
    instance["attendance"]["percentage"] = attendance
    rows = instance.get("targets", [])
    for row, previous in zip(rows, case.instance.get("previous_targets", []), strict=False):
        row["target"] = previous["target"]
    for item in instance.get("attainment", {}).get("subjects", []):
        if item.get("subject") in subjects:
            item["working_at"] = subjects[item["subject"]]
    received = case.received + SHIFT if case.received else None
    return replace(case, instance=instance, received=received)


def build_term(folder: Path) -> Path:
    """Write the test term's returned forms into folder/spring and folder/autumn."""
    cases = _cases()
    spring_cases: dict[str, Case] = {}
    for n, (case_id, child_id, changes, removals, received) in enumerate(SPRING_FORMS):
        case = _case_for(cases[case_id], child_id, changes, removals, received)
        spring_cases[child_id] = case
        name, data = returned_form(case)
        (folder / "spring" / f"{n:02d}").mkdir(parents=True, exist_ok=True)
        (folder / "spring" / f"{n:02d}" / name).write_bytes(data)
    for child_id, (attendance, subjects) in AUTUMN_FORMS.items():
        name, data = returned_form(_autumn(spring_cases[child_id], attendance, subjects))
        (folder / "autumn").mkdir(parents=True, exist_ok=True)
        (folder / "autumn" / name).write_bytes(data)
    return folder
