"""`pepforms demo`: the whole termly cycle on the bundled fictional samples."""

from __future__ import annotations

import copy
import csv
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pepforms.cases import Case, child_from_instance, discover, returned_form
from pepforms.checking import CheckOptions, Report, validate
from pepforms.errors import OutputExistsError, PepformsError
from pepforms.fileio import atomic_write
from pepforms.filling import fill_bytes
from pepforms.generating import generate
from pepforms.recording import Recorder
from pepforms.report.csvfile import csv_bytes
from pepforms.resources import samples_dir
from pepforms.roster import Child
from pepforms.schema import load_authority

if TYPE_CHECKING:
    from pepforms.register import Register

DEMO_TERM = "spring-2027"
LAST_TERM = "autumn-2026"
AUTUMN_SHIFT = timedelta(days=-105)  # the good cases' spring dates moved back into autumn


@dataclass
class DemoSummary:
    report: Report
    lines: list[str] = field(default_factory=list)


def sample_roster(authority: str) -> Path:
    own = samples_dir() / "rosters" / f"{authority}.csv"
    return own if own.is_file() else samples_dir() / "roster.csv"


def _row_for(child: Child) -> dict[str, str]:
    def day(d: date | None) -> str:
        return d.strftime("%d/%m/%Y") if d else ""

    return {"child_id": child.child_id, "first_name": child.first_name,
            "last_name": child.last_name, "date_of_birth": day(child.date_of_birth),
            "upn": child.upn, "gender": child.gender, "legal_status": child.legal_status,
            "date_entered_care": day(child.date_entered_care), "school_name": child.school_name,
            "school_urn": child.school_urn,
            "designated_teacher_name": child.designated_teacher_name,
            "designated_teacher_email": child.designated_teacher_email,
            "social_worker_name": child.social_worker_name,
            "social_worker_email": child.social_worker_email, "carer_name": child.carer_name,
            "year_group": "", "curriculum": child.curriculum}


def demo_roster(authority: str, cases: list[Case], out: Path) -> Path:
    """The demo's roster: the bundled sample roster with every sample return's child on it, as
    that return records them, so `pepforms validate --roster` agrees with the samples."""
    with sample_roster(authority).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0].keys()) if rows else list(_row_for(child_from_instance(
        cases[0].instance, cases[0].phase)))
    by_id = {r["child_id"]: i for i, r in enumerate(rows) if r.get("child_id")}
    good_phases: dict[str, Child] = {}
    for case in cases:
        if case.name == "good" or case.instance["child"]["child_id"] not in good_phases:
            good_phases[case.instance["child"]["child_id"]] = child_from_instance(
                case.instance, case.phase)
    for child_id, child in good_phases.items():
        row = {k: v for k, v in _row_for(child).items() if k in header}
        if child_id in by_id:
            rows[by_id[child_id]] = row
        else:
            rows.insert(len(by_id), row)
    atomic_write(out, csv_bytes(header, ([r.get(h, "") for h in header] for r in rows)),
                 force=True)
    return out


def distinct_children(cases: list[Case]) -> list[Case]:
    """The sample returns, each for a child of its own: the samples reuse a few fictional
    children, and in one batch the same child's form twice is (rightly) a duplicate."""
    seen: dict[str, int] = {}
    out = []
    for case in cases:
        child_id = case.instance["child"]["child_id"]
        n = seen.get(child_id, 0)
        seen[child_id] = n + 1
        if n:
            instance = copy.deepcopy(case.instance)
            instance["child"]["child_id"] = f"{child_id}{n:02d}"
            case = replace(case, instance=instance)
        out.append(case)
    return out


def run_demo(out_dir: Path, authority: str = "cheshire-west", *, force: bool = False) -> DemoSummary:
    a = load_authority(authority)
    lines = [f"pepforms demo: {a.name}, {DEMO_TERM}", ""]
    if not force and any((out_dir / d).exists() for d in ("forms", "returned")):
        raise OutputExistsError(f"{out_dir} already holds a demo; use --force to replace it, "
                                "or --out for a new folder.")
    cases = distinct_children([c for c in discover(authority) if not c.tamper])
    if not cases:
        raise PepformsError(f"There are no sample cases for {authority}.")
    roster = demo_roster(authority, cases, out_dir / "roster.csv")
    from pepforms.register import open_register

    out_dir.mkdir(parents=True, exist_ok=True)
    database = out_dir / "register.sqlite"
    for stale in (database, database.with_name("register.sqlite-wal"),
                  database.with_name("register.sqlite-shm")):
        stale.unlink(missing_ok=True)  # each demo starts its term afresh
    register_url = f"sqlite:///{database.resolve().as_posix()}"
    with open_register(register_url) as reg:
        return _run(out_dir, a.name, authority, cases, roster, reg, register_url, lines)


def _run(out_dir: Path, name: str, authority: str, cases: list[Case], roster: Path,
         reg: Register, register_url: str, lines: list[str]) -> DemoSummary:
    forms_dir, returned_dir = out_dir / "forms", out_dir / "returned"
    result = generate(authority, DEMO_TERM, roster, forms_dir, force=True, register=reg)
    lines.append(f"1. Generated {len(result.forms)} pre-filled blank forms from {roster.name} "
                 f"into {forms_dir}/ ({len({f.school for f in result.forms})} school folders, "
                 "manifest.csv).")
    errors = [p for p in result.problems if p.severity == "error"]
    if result.problems:
        lines.append(f"   The roster has {len(result.problems)} problem(s); {len(errors)} row(s) "
                     "were not used (see roster-problems.csv):")
        lines += [f"   - {p.message}" for p in errors]
    for case in cases:
        name, data = returned_form(case)
        atomic_write(returned_dir / case.phase / case.name / name, data, force=True)
    lines.append(f"2. Filled {len(cases)} sample returns (a good one per form and typical "
                 f"faults) into {returned_dir}/.")
    pack = _two_term_cycle(out_dir, authority, roster, cases)
    lines.append(f"3. Two terms: filled {pack['returned']} {LAST_TERM} returns into "
                 f"{out_dir}/{LAST_TERM}-returned/, then generated the {DEMO_TERM} pack from them "
                 f"into {out_dir}/{DEMO_TERM}-pack/: {pack['carried']} forms carry last term's "
                 f"targets under review, each beside last term's finalised PDF, with a "
                 "summary.txt per school.")
    report = validate([returned_dir], CheckOptions(), on_result=Recorder(reg))
    atomic_write(out_dir / "report.json",
                 json.dumps(report.as_dict(), indent=2, ensure_ascii=False).encode(), force=True)
    lines += _rest_of_the_term(out_dir, authority, cases, report, reg, register_url)
    lines.append(f"6. Checked the sample returns (pepforms validate {returned_dir} --roster "
                 f"{roster}); the JSON report is {out_dir}/report.json:")
    lines.append("")
    return DemoSummary(report, lines)


STATUS_ON = date(2027, 3, 31)  # the demo's term as it will stand at its end


def _rest_of_the_term(out_dir: Path, authority: str, cases: list[Case], report: Report,
                      reg: Register, register_url: str) -> list[str]:
    """Send the faulty returns back, take one resubmission through QA to a finalised PEP, and
    show the term's state from the register."""
    from pepforms.annotating import annotate
    from pepforms.finalising import finalise
    from pepforms.recording import record_finalised, record_sent_back
    from pepforms.register import record_qa, term_status

    copies = annotate(report, out_dir / "to-send-back", force=True)
    record_sent_back(reg, report.forms, {c.source: c.target for c in copies})
    lines = [f"4. Sent {len(copies)} faulty returns back with comments ({out_dir}/to-send-back/)."]
    fixed = _resubmission(cases)
    if fixed is not None:
        name, data = returned_form(fixed)
        path = out_dir / "resubmitted" / name
        atomic_write(path, data, force=True)
        [again] = validate([path], CheckOptions(), on_result=Recorder(reg)).forms
        if again.status == "pass" and again.form_id:
            framework = load_authority(authority).qa_framework
            grades = list(framework.get("grades") or ["Good"])
            grade = "Good" if "Good" in grades else grades[0]
            record_qa(reg, again.form_id, grade, by="Demo QA officer",
                      reason="Clear SMART targets; the child's views are recorded.",
                      on=STATUS_ON - timedelta(days=7))
            pdf = out_dir / "finalised" / (Path(name).stem + ".pdf")
            finalise(path, pdf, force=True)
            record_finalised(reg, again.form_id, pdf.read_bytes())
            lines.append(f"   One school resubmitted its form: it passed, was QA graded "
                         f"{grade} and finalised ({pdf}).")
    status = term_status(reg, DEMO_TERM, on=STATUS_ON)
    counts = ", ".join(f"{n} {state.replace('-', ' ')}"
                       for state, n in status.totals.states.items() if n)
    lines.append(f"5. The term register ({register_url}) on {STATUS_ON:%d/%m/%Y}: {counts}. "
                 f"See it with: pepforms status --term {DEMO_TERM} --on {STATUS_ON:%d/%m/%Y} "
                 f"--register {register_url}")
    return lines


def _resubmission(cases: list[Case]) -> Case | None:
    """A faulty sample's child sending back the good answers for its form."""
    good = {c.phase: c for c in cases if c.name == "good"}
    for case in cases:
        if case.name != "good" and case.phase in good and not case.file_name and \
                case.expected and case.received == good[case.phase].received:
            instance = copy.deepcopy(good[case.phase].instance)
            instance["child"] = copy.deepcopy(case.instance["child"])
            return replace(case, name="resubmitted", instance=instance, expected=())
    return None


def _shift_dates(node: Any) -> Any:
    """Every ISO date in an instance moved by AUTUMN_SHIFT (spring answers made autumn ones)."""
    if isinstance(node, dict):
        return {k: _shift_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift_dates(v) for v in node]
    if isinstance(node, str) and len(node) == 10 and node[4] == "-" and node[7] == "-":
        try:
            return (date.fromisoformat(node) + AUTUMN_SHIFT).isoformat()
        except ValueError:
            return node
    return node


def _two_term_cycle(out_dir: Path, authority: str, roster: Path, cases: list[Case]) -> dict[str, int]:
    """Autumn forms, filled as the schools would return them, then the spring pack from them."""
    autumn = generate(authority, LAST_TERM, roster, out_dir / f"{LAST_TERM}-forms", force=True)
    good = {c.phase: c for c in cases if c.name == "good"}
    returned = out_dir / f"{LAST_TERM}-returned"
    count = 0
    for form in autumn.forms:
        case = good.get(form.phase)
        if case is None:
            continue
        answers = _shift_dates(copy.deepcopy(case.instance))
        answers.pop("child", None)  # the form keeps the child's own pre-filled details
        answers["pep"]["term"] = LAST_TERM
        blank = (out_dir / f"{LAST_TERM}-forms" / form.file).read_bytes()
        data = fill_bytes(blank, answers, saved_at=datetime(2026, 10, 9, 16, 0)).data
        atomic_write(returned / Path(form.file).name, data, force=True)
        count += 1
    spring = generate(authority, DEMO_TERM, roster, out_dir / f"{DEMO_TERM}-pack", force=True,
                      previous=returned)
    carried = sum(1 for f in spring.forms if f.kind.startswith("last term"))
    return {"returned": count, "carried": carried}
