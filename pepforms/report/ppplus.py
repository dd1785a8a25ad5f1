"""Pupil Premium Plus: what each PEP requests, totals against the authority's allocation, and the
release list for finance under the authority's rule, with the reason for every child held back.

The rule is data, in each `authority.json` → `pp_plus`: the amount a child a year, whether funds
are released for a passing PEP or only a good-quality one, whether the release is what the PEP
requests (and costs) or a fixed termly allocation, and which year groups it covers.

A PEP's requests are the rows of its PP+ requests table when the form has one (each says what it
pays for, the target it supports, its type and cost); otherwise the SMART targets that carry a
PP+ cost. A form with both is counted once, from its requests table, because the targets' costs
are the same money shown beside the target. Amounts are exact (Decimal pounds and pence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pepforms import pointers
from pepforms.errors import SchemaError
from pepforms.findings import CATALOGUE
from pepforms.report.answers import AnsweredForm
from pepforms.report.model import PASS
from pepforms.schema import FormModel, form_model, load_authority

PENNY = Decimal("0.01")
DFE_RATE = Decimal("2570")  # a child a year; the default where an authority's guidance is silent
REQUESTS, TARGETS = "/pp_plus/requests", "/targets"
RELEASE_RULES = ("passing", "good-quality")
AMOUNTS = ("requested", "termly-allocation")
RELEASE, HOLD, NOT_APPLICABLE = "release", "hold back", "not applicable"
NOT_GIVEN = "Not given"


def money(value: Any) -> Decimal | None:
    """An amount from a form (a float in pounds) as exact pounds and pence."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(str(value)).quantize(PENNY, ROUND_HALF_UP)


def pounds(amount: Decimal | None) -> str:
    """£1,200.50; £300.00 — amounts for finance always show the pence."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@dataclass(frozen=True)
class Rule:
    """An authority's PP+ allocation and how it is released."""

    authority: str
    authority_name: str
    per_child_per_year: Decimal
    rate_from_guidance: bool  # False: the DfE standard rate, as a labelled default
    release: str  # passing | good-quality
    amount: str  # requested | termly-allocation
    year_groups: tuple[int, int] | None  # None: every year group the form asks PP+ for
    guidance: str

    @property
    def termly_share(self) -> Decimal:
        return (self.per_child_per_year / 3).quantize(PENNY, ROUND_HALF_UP)

    def describe(self) -> str:
        rate = pounds(self.per_child_per_year) + " a child a year" + (
            "" if self.rate_from_guidance else " (the DfE standard rate: the authority's "
                                               "guidance gives no amount)")
        when = ("for a passing PEP" if self.release == "passing"
                else "only for a good-quality PEP (the indicative grade; the QA officer decides)")
        what = ("what the PEP requests and costs" if self.amount == "requested"
                else f"a termly allocation of {pounds(self.termly_share)}")
        ages = ""
        if self.year_groups:
            low, high = self.year_groups
            ages = f"; for {_year(low)} to {_year(high)}"
        return f"{self.authority_name}: {rate}; releases {what}, {when}{ages}."


def _year(number: int) -> str:
    return {0: "Reception", -1: "Nursery"}.get(number, f"Year {number}")


def rule_for(authority_id: str) -> Rule:
    """The authority's PP+ rule from authority.json (defaults, labelled, where it is silent)."""
    authority = load_authority(authority_id)
    raw: Mapping[str, Any] = authority.raw.get("pp_plus") or {}
    release, amount = raw.get("release", "passing"), raw.get("amount", "requested")
    if release not in RELEASE_RULES or amount not in AMOUNTS:
        raise SchemaError(f"authority.json of {authority_id}: pp_plus.release must be one of "
                          f"{', '.join(RELEASE_RULES)} and pp_plus.amount one of "
                          f"{', '.join(AMOUNTS)}.")
    years = raw.get("year_groups")
    rate = raw.get("per_child_per_year")
    return Rule(
        authority=authority_id, authority_name=authority.name,
        per_child_per_year=Decimal(str(rate)) if rate is not None else DFE_RATE,
        rate_from_guidance=raw.get("rate") == "guidance",
        release=release, amount=amount,
        year_groups=(int(years[0]), int(years[1])) if years else None,
        guidance=str(raw.get("guidance", "The authority's guidance is silent on PP+: the DfE "
                                         "standard rate and release for a passing PEP are "
                                         "defaults.")))


@dataclass(frozen=True)
class Line:
    """One thing a PEP asks PP+ to pay for."""

    row: int  # 1-based, in its table
    source: str  # the table it came from: /pp_plus/requests or /targets
    what: str  # the intervention or support (or the target and its actions)
    target: str  # the target it supports
    category: str  # the type as the form shows it ("Learning", "Pastoral"), or "Not given"
    cost: Decimal | None  # None: not costed


@dataclass(frozen=True)
class ChildPP:
    """One child's PEP: what it requests, and what finance releases or holds back, and why."""

    form: AnsweredForm
    rule: Rule
    lines: tuple[Line, ...]
    asks_pp: bool  # the form has a place for PP+ requests at all
    decision: str  # release | hold back | not applicable
    release: Decimal
    reasons: tuple[str, ...]  # why it is held back (or not applicable)

    @property
    def requested(self) -> Decimal:
        """The costed requests (uncosted ones add nothing)."""
        return sum((line.cost for line in self.lines if line.cost is not None), Decimal(0))

    @property
    def uncosted(self) -> int:
        return sum(1 for line in self.lines if line.cost is None)

    @property
    def allocation(self) -> Decimal:
        """This term's share of the child's yearly allocation (0 when not applicable)."""
        return self.rule.termly_share if self.decision != NOT_APPLICABLE else Decimal(0)

    @property
    def over_allocation(self) -> bool:
        return self.decision != NOT_APPLICABLE and self.requested > self.rule.termly_share


def _model(form: AnsweredForm) -> FormModel | None:
    try:
        return form_model(form.authority, form.phase)
    except Exception:
        return None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def pp_lines(form: AnsweredForm) -> tuple[tuple[Line, ...], bool]:
    """The PEP's PP+ lines, and whether its form asks for PP+ at all."""
    return pp_lines_of(_model(form), form.instance)


def pp_lines_of(model: FormModel | None, instance: Mapping[str, Any]
                ) -> tuple[tuple[Line, ...], bool]:
    """A form's PP+ lines from its answers, and whether the form asks for PP+ at all (the one
    rule, for the PP+ summary and the finalised record alike)."""
    tables = model.table_map if model else {}
    if REQUESTS in tables:
        kind = tables[REQUESTS].column("intervention_type") if any(
            c.key == "intervention_type" for c in tables[REQUESTS].columns) else None
        lines = []
        for i, item in enumerate(pointers.get(instance, REQUESTS) or []):
            category = item.get("intervention_type")
            lines.append(Line(
                row=i + 1, source=REQUESTS, what=_text(item.get("description")),
                target=_text(item.get("target")),
                category=kind.label_for(category) if kind and category else NOT_GIVEN,
                cost=money(item.get("cost"))))
        return tuple(lines), True
    target_table = tables.get(TARGETS)
    if target_table is None or not any(c.key == "pp_cost" for c in target_table.columns):
        return (), False
    lines = []
    for i, item in enumerate(pointers.get(instance, TARGETS) or []):
        cost = money(item.get("pp_cost"))
        if cost is None or cost == 0:  # a target PP+ does not fund
            continue
        what = _text(item.get("actions")) or _text(item.get("target"))
        lines.append(Line(row=i + 1, source=TARGETS, what=what, target=_text(item.get("target")),
                          category=NOT_GIVEN, cost=cost))
    return tuple(lines), True


def good_quality(form: AnsweredForm) -> bool:
    """The grade counts as good quality: a graded framework's top two grades, else its top one."""
    quality = form.quality
    if quality is None:
        return False
    framework = load_authority(form.authority).qa_framework
    grades = list(framework.get("grades") or [])
    if quality.kind == "graded-sections":
        grades = grades or ["Outstanding", "Good", "Requires improvement", "Inadequate"]
        return quality.overall in grades[:2]
    if quality.kind == "checklist":
        return quality.overall == (grades or ["Good Quality"])[0]
    return quality.overall == (grades or ["Good"])[0]


def _hold_reasons(form: AnsweredForm, rule: Rule, lines: Sequence[Line]) -> list[str]:
    reasons = []
    if form.status != PASS:
        titles = sorted({CATALOGUE[f.code].title if f.code in CATALOGUE else f.code
                         for f in form.errors})
        reasons.append(f"The PEP needs changes ({len(form.errors)} error(s): "
                       f"{'; '.join(titles)})")
    if rule.release == "good-quality" and not good_quality(form):
        grade = form.grade or "not graded"
        reasons.append(f"The quality grade is {grade}: {rule.authority_name} releases PP+ only "
                       "for a good-quality PEP")
    if rule.amount == "requested" and not lines:
        reasons.append("The PEP requests no PP+ (no costed request or target)")
    for line in lines:
        if line.cost is None:
            reasons.append(f"PP+ request {line.row} ({line.what or 'no description'}) has "
                           "no cost")
    return reasons


def decide(form: AnsweredForm, rule: Rule | None = None) -> ChildPP:
    """What finance does with one child's PP+ this term, and why."""
    rule = rule or rule_for(form.authority)
    lines, asks = pp_lines(form)
    year = form.year_group
    if not asks:
        return ChildPP(form, rule, lines, asks, NOT_APPLICABLE, Decimal(0),
                       ("This form does not ask for PP+",))
    if rule.year_groups and (year is None or not rule.year_groups[0] <= year <= rule.year_groups[1]):
        low, high = rule.year_groups
        return ChildPP(form, rule, lines, asks, NOT_APPLICABLE, Decimal(0),
                       (f"{rule.authority_name} releases PP+ for {_year(low)} to {_year(high)}",))
    reasons = _hold_reasons(form, rule, lines)
    if reasons:
        return ChildPP(form, rule, lines, asks, HOLD, Decimal(0), tuple(reasons))
    amount = rule.termly_share if rule.amount == "termly-allocation" else \
        sum((line.cost or Decimal(0) for line in lines), Decimal(0))
    return ChildPP(form, rule, lines, asks, RELEASE, amount, ())


@dataclass(frozen=True)
class Totals:
    children: int  # children PP+ applies to
    allocation: Decimal  # this term's share of their allocation
    requested: Decimal
    released: Decimal
    released_children: int
    held_children: int
    uncosted: int  # requests without a cost


def totals(children: Sequence[ChildPP]) -> Totals:
    applies = [c for c in children if c.decision != NOT_APPLICABLE]
    zero = Decimal(0)
    return Totals(
        children=len(applies),
        allocation=sum((c.allocation for c in applies), zero),
        requested=sum((c.requested for c in applies), zero),
        released=sum((c.release for c in applies), zero),
        released_children=sum(1 for c in applies if c.decision == RELEASE),
        held_children=sum(1 for c in applies if c.decision == HOLD),
        uncosted=sum(c.uncosted for c in applies))


@dataclass(frozen=True)
class SchoolPP:
    name: str
    urn: str
    children: tuple[ChildPP, ...]
    totals: Totals


@dataclass(frozen=True)
class PPSummary:
    """The PP+ summary of a term: every child, per school, the totals, by category."""

    term: str | None
    children: tuple[ChildPP, ...]
    schools: tuple[SchoolPP, ...]
    totals: Totals
    by_category: tuple[tuple[str, Decimal, Decimal], ...]  # (category, requested, released)
    rules: tuple[Rule, ...]

    @property
    def held_back(self) -> tuple[ChildPP, ...]:
        return tuple(c for c in self.children if c.decision == HOLD)

    @property
    def released(self) -> tuple[ChildPP, ...]:
        return tuple(c for c in self.children if c.decision == RELEASE)


def _by_category(children: Sequence[ChildPP]) -> tuple[tuple[str, Decimal, Decimal], ...]:
    requested: dict[str, Decimal] = {}
    released: dict[str, Decimal] = {}
    for child in children:
        if child.decision == NOT_APPLICABLE:
            continue
        for line in child.lines:
            cost = line.cost or Decimal(0)
            requested[line.category] = requested.get(line.category, Decimal(0)) + cost
            if child.decision == RELEASE and child.rule.amount == "requested":
                released[line.category] = released.get(line.category, Decimal(0)) + cost
    order = sorted(requested, key=lambda c: (c == NOT_GIVEN, c))
    return tuple((c, requested[c], released.get(c, Decimal(0))) for c in order)


def pp_plus_summary(forms: Sequence[AnsweredForm], term: str | None = None) -> PPSummary:
    """The PP+ summary of these forms (one term's latest versions)."""
    rules: dict[str, Rule] = {}
    children = []
    for form in forms:
        if form.authority not in rules:
            rules[form.authority] = rule_for(form.authority)
        children.append(decide(form, rules[form.authority]))
    children.sort(key=lambda c: (c.form.school, c.form.school_urn, c.form.child_id))
    groups: dict[tuple[str, str], list[ChildPP]] = {}
    for child in children:
        groups.setdefault((child.form.school, child.form.school_urn), []).append(child)
    schools = tuple(SchoolPP(name, urn, tuple(group), totals(group))
                    for (name, urn), group in sorted(groups.items()))
    return PPSummary(term, tuple(children), schools, totals(children), _by_category(children),
                     tuple(rules[a] for a in sorted(rules)))
