"""`pepforms demo`: the whole termly cycle on the bundled fictional samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.cases import discover, returned_form
from pepforms.checking import CheckOptions, Report, validate
from pepforms.errors import OutputExistsError, PepformsError
from pepforms.fileio import atomic_write
from pepforms.generating import generate
from pepforms.resources import samples_dir
from pepforms.schema import load_authority

DEMO_TERM = "spring-2027"


@dataclass
class DemoSummary:
    report: Report
    lines: list[str] = field(default_factory=list)


def sample_roster(authority: str) -> Path:
    own = samples_dir() / "rosters" / f"{authority}.csv"
    return own if own.is_file() else samples_dir() / "roster.csv"


def run_demo(out_dir: Path, authority: str = "cheshire-west", *, force: bool = False,
             progress: Callable[[int], AbstractContextManager[Callable[[int], None]]] | None = None,
             ) -> DemoSummary:
    a = load_authority(authority)
    lines = [f"pepforms demo: {a.name}, {DEMO_TERM}", ""]
    forms_dir, returned_dir = out_dir / "forms", out_dir / "returned"
    if not force and (forms_dir.exists() or returned_dir.exists()):
        raise OutputExistsError(f"{out_dir} already holds a demo; use --force to replace it, "
                                "or --out for a new folder.")
    roster = sample_roster(authority)
    result = generate(authority, DEMO_TERM, roster, forms_dir, force=True)
    lines.append(f"1. Generated {len(result.forms)} pre-filled blank forms from {roster.name} "
                 f"into {forms_dir}/ ({len({f.school for f in result.forms})} school folders, "
                 "manifest.csv).")
    errors = [p for p in result.problems if p.severity == "error"]
    if result.problems:
        lines.append(f"   The roster has {len(result.problems)} problem(s); {len(errors)} row(s) "
                     "were not used (see roster-problems.csv):")
        lines += [f"   - {p.message}" for p in errors]
    cases = discover(authority)
    if not cases:
        raise PepformsError(f"There are no sample cases for {authority}.")
    for case in cases:
        name, data = returned_form(case)
        atomic_write(returned_dir / case.phase / case.name / name, data, force=True)
    lines.append(f"2. Filled {len(cases)} sample returns (a good one per form and typical "
                 f"faults) into {returned_dir}/.")
    report = validate([returned_dir], CheckOptions())
    atomic_write(out_dir / "report.json",
                 json.dumps(report.as_dict(), indent=2, ensure_ascii=False).encode(), force=True)
    lines.append(f"3. Checked them (pepforms validate {returned_dir}); the JSON report is "
                 f"{out_dir}/report.json:")
    lines.append("")
    return DemoSummary(report, lines)
