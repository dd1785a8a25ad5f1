"""The Virtual School Head's termly report: the figures a Head puts in front of a governing body,
worked out once into `HeadReport`, which the page (head.html.j2) and the PDF (head_pdf.py) show.

Aggregate only unless asked for names. What only the term register knows (forms issued, overdue)
comes in as `TermFigures`; left as None it is shown as not known.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pepforms.calendar import Term
from pepforms.findings import CATALOGUE, ERROR, Finding
from pepforms.report import charts
from pepforms.report.answers import AnsweredForm, AnswerSet
from pepforms.report.charts import BarChart
from pepforms.report.compare import (
    LOW_ATTENDANCE,
    AttendanceTrend,
    attendance_trend,
    compare_terms,
)
from pepforms.report.model import FAIL, PASS, FormResult
from pepforms.report.ppplus import PPSummary, pp_plus_summary
from pepforms.schema import load_authority

NOT_KNOWN = "not known without the term register"
KEY_STAGES = ("EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Not known")
# Codes whose title alone says little ("Rule not met"): their reasons are told apart by message.
GENERIC_CODES = {"rule-broken", "required-target-missing", "too-few-targets",
                 "signature-missing", "action-incomplete", "transition-plan-missing"}
BANDS = ((0.0, 80.0, "Under 80%"), (80.0, 85.0, "80% to 84.9%"), (85.0, 90.0, "85% to 89.9%"),
         (90.0, 95.0, "90% to 94.9%"), (95.0, 101.0, "95% or more"))
TOP_REASONS = 8


@dataclass(frozen=True)
class TermFigures:
    """What the term register knows and returned forms cannot tell: None when not known."""

    issued: int | None = None
    returned_on_time: int | None = None
    returned_late: int | None = None
    overdue: int | None = None


@dataclass(frozen=True)
class Share:
    count: int
    of: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.of, 1) if self.of else None

    def text(self) -> str:
        return f"{self.percent:g}% ({self.count} of {self.of})" if self.of else "none to count"


@dataclass(frozen=True)
class GradeRow:
    """One school or key stage: its forms, passing or not, and their grades."""

    name: str
    urn: str
    forms: int
    passing: int
    needs_changes: int
    grades: tuple[int, ...]  # a count per grade, in HeadReport.grades order


@dataclass(frozen=True)
class ChildRow:
    """One child, for the list a Head asks for with --with-names."""

    name: str
    child_id: str
    school: str
    key_stage: str
    status: str
    grade: str
    attendance: float | None
    trend: str


@dataclass(frozen=True)
class Reason:
    text: str
    forms: int


@dataclass(frozen=True)
class HeadReport:
    term: str
    term_label: str
    authorities: tuple[str, ...]
    created: date
    with_names: bool
    returned: int
    issued: int | None
    on_time: int | None
    late: int | None
    overdue: int | None
    passing: int
    first_time: Share
    grades: tuple[str, ...]
    grade_ranks: dict[str, float]
    schools: tuple[GradeRow, ...]
    key_stages: tuple[GradeRow, ...]
    reasons: tuple[Reason, ...]
    attendance: AttendanceTrend
    bands: tuple[tuple[str, int], ...]
    pp: PPSummary
    unreadable: int = 0
    children: tuple[ChildRow, ...] = ()
    charts: tuple[BarChart, ...] = field(default=())

    @property
    def needs_changes(self) -> int:
        return self.returned - self.passing

    def pp_by_category(self) -> list[tuple[str, Decimal]]:
        return [(name, requested) for name, requested, _ in self.pp.by_category]


def _grades(forms: Sequence[AnsweredForm]) -> tuple[tuple[str, ...], dict[str, float]]:
    """Every grade the forms' frameworks give, best first ("Not graded" last if needed), and
    each grade's place in its own framework (0 best, 1 worst) for its colour."""
    order: list[str] = []
    ranks: dict[str, float] = {}
    for authority in sorted({f.authority for f in forms}):
        framework = load_authority(authority).qa_framework
        default = {"graded-sections": ["Outstanding", "Good", "Requires improvement",
                                       "Inadequate"],
                   "checklist": ["Good Quality", "Needing Development"]}.get(
            str(framework.get("kind")), ["Good", "Requires improvement"])
        scale = list(framework.get("grades") or default)
        for i, grade in enumerate(scale):
            if grade not in order:
                order.append(grade)
                ranks[grade] = i / max(len(scale) - 1, 1)
    for form in forms:
        if form.grade and form.grade not in order:
            order.append(form.grade)
    if any(f.grade is None for f in forms):
        order.append("Not graded")
    return tuple(order), ranks


def _row(name: str, urn: str, forms: Sequence[AnsweredForm], grades: Sequence[str]) -> GradeRow:
    counts = Counter(f.grade or "Not graded" for f in forms)
    passing = sum(1 for f in forms if f.status == PASS)
    return GradeRow(name, urn, len(forms), passing, len(forms) - passing,
                    tuple(counts.get(g, 0) for g in grades))


def reason_counts(versions: Iterable[tuple[tuple[str, ...], Sequence[Finding]]]) -> list[Reason]:
    """The most common reasons forms needed changes: each error counted once per form, over
    every version that came back (a form put right still needed the change)."""
    seen: dict[str, set[tuple[str, ...]]] = {}
    for key, findings in versions:
        for f in findings:
            if f.severity != ERROR:
                continue
            title = CATALOGUE[f.code].title if f.code in CATALOGUE else f.code
            text = f.message if f.code in GENERIC_CODES else title
            seen.setdefault(text, set()).add(key)
    ranked = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [Reason(text, len(keys)) for text, keys in ranked[:TOP_REASONS]]


def _version_key(r: FormResult) -> tuple[str, ...]:
    return (r.form_id,) if r.form_id else ("", r.child_id, r.term, r.path)


def _bands(values: Iterable[float]) -> tuple[tuple[str, int], ...]:
    counts = dict.fromkeys((label for _, _, label in BANDS), 0)
    for value in values:
        for low, high, label in BANDS:
            if low <= value < high:
                counts[label] += 1
                break
    return tuple(counts.items())


def _authority_names(forms: Sequence[AnsweredForm]) -> tuple[str, ...]:
    names = []
    for authority in sorted({f.authority for f in forms if f.authority}):
        try:
            names.append(load_authority(authority).name)
        except Exception:
            names.append(authority)
    return tuple(names)


def head_report(answers: AnswerSet, term: str, *, figures: TermFigures | None = None,
                with_names: bool = False, created: date | None = None,
                reasons: Sequence[Reason] | None = None) -> HeadReport:
    """The Head's report of one term. `answers` may hold other terms too (last term is compared);
    `reasons` default to those of every version in `answers` of this term."""
    figures = figures or TermFigures()
    forms = [f for f in answers.forms if f.term == term]
    grades, ranks = _grades(forms)
    by_school: dict[tuple[str, str], list[AnsweredForm]] = {}
    for form in forms:
        by_school.setdefault((form.school, form.school_urn), []).append(form)
    schools = tuple(_row(n, u, fs, grades) for (n, u), fs in sorted(by_school.items()))
    stages = tuple(_row(ks, "", [f for f in forms if f.key_stage == ks], grades)
                   for ks in KEY_STAGES if any(f.key_stage == ks for f in forms))
    if reasons is None:
        versions = [v for v in answers.versions if v.term == term and v.status == FAIL]
        reasons = reason_counts((_version_key(v), v.findings) for v in versions) if versions \
            else reason_counts(((f.form_id,), f.findings) for f in forms)
    comparisons = compare_terms(forms, answers.forms)
    trend = attendance_trend(comparisons)
    late = figures.returned_late if figures.returned_late is not None else \
        sum(1 for f in forms if f.returned_late)
    on_time = figures.returned_on_time if figures.returned_on_time is not None else \
        len(forms) - late
    known_first = [f for f in forms if f.first_time_pass is not None]
    pp = pp_plus_summary(forms, term)
    children: tuple[ChildRow, ...] = ()
    if with_names:
        children = tuple(sorted((ChildRow(
            c.form.child_name, c.form.child_id, c.form.school, c.form.key_stage,
            "Pass" if c.form.status == PASS else "Needs changes", c.form.grade or "Not graded",
            c.attendance_now, c.trend) for c in comparisons),
            key=lambda r: (r.school, r.name, r.child_id)))
    report = HeadReport(
        term=term, term_label=_term_label(term), authorities=_authority_names(forms),
        created=created or date.today(), with_names=with_names, returned=len(forms),
        issued=figures.issued, on_time=on_time, late=late, overdue=figures.overdue,
        passing=sum(1 for f in forms if f.status == PASS),
        first_time=Share(sum(1 for f in known_first if f.first_time_pass), len(known_first)),
        grades=grades, grade_ranks=ranks, schools=schools, key_stages=stages, reasons=tuple(reasons),
        attendance=trend,
        bands=_bands(c.attendance_now for c in comparisons if c.attendance_now is not None),
        pp=pp, unreadable=sum(1 for r in answers.unreadable if not r.term or r.term == term),
        children=children)
    return _with_charts(report)


def _term_label(term: str) -> str:
    try:
        return Term.parse(term).label
    except ValueError:
        return term


def _with_charts(report: HeadReport) -> HeadReport:
    """The charts, drawn from the very numbers the report's tables show."""
    from dataclasses import replace

    grade_series = charts.grade_colours(report.grades, report.grade_ranks)
    made = [
        charts.stacked("status-by-school", "Forms by school: passing or needing changes",
                       "For each school, how many returned forms pass their checks and how "
                       "many need changes.",
                       [(s.name, (s.passing, s.needs_changes)) for s in report.schools],
                       [("Pass", charts.GREEN), ("Needs changes", charts.RED)]),
        charts.stacked("grades-by-key-stage", "Quality grades by key stage (indicative)",
                       "For each key stage, how many forms have each indicative quality grade.",
                       [(k.name, k.grades) for k in report.key_stages], grade_series),
        charts.stacked("attendance-bands", "Attendance this year",
                       f"How many children's attendance falls in each band; below "
                       f"{LOW_ATTENDANCE:g}% needs an explanation and strategies.",
                       [(label, (n,)) for label, n in report.bands],
                       [("Children", charts.BLUE)]),
    ]
    if report.pp.by_category:
        made.append(charts.stacked(
            "pp-by-category", "PP+ requested by category (£)",
            "The pounds of Pupil Premium Plus requested in this term's PEPs, by the category "
            "the form records.",
            [(name, (float(amount),)) for name, amount in report.pp_by_category()],
            [("Requested", charts.PURPLE)], money=True))
    return replace(report, charts=tuple(made))


def head_html(report: HeadReport) -> str:
    """The report as one self-contained page: no scripts, nothing fetched."""
    from pepforms.report.charts import layout
    from pepforms.report.pages import render_page
    from pepforms.report.ppplus import pounds

    return render_page("head.html.j2", r=report, layout=layout, pounds=pounds,
                       not_known=NOT_KNOWN)
