"""This term against last term, for each child: attendance and attainment now and then, and the
targets carried forward with how each was rated.

Last term's form is the same child's form for the term before (same authority); without one,
the figures for last term are None and say so. Attendance is "rising" or "falling" when it moved
by at least one percentage point, else "about the same": smaller moves are noise in a termly
figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.coercion import normalise_label
from pepforms.report.answers import AnsweredForm
from pepforms.schema import Field, FormModel, Table, form_model

TREND_STEP = 1.0  # percentage points
RISING, FALLING, SAME, NO_LAST, NO_FIGURE = ("rising", "falling", "about the same",
                                             "no figure last term", "no figure")
LOW_ATTENDANCE = 95.0


@dataclass(frozen=True)
class AttainmentRow:
    """One subject (or area, qualification, step) now and last term, as the form shows them."""

    name: str
    now: str | None  # None: not in this term's form
    last: str | None  # None: not in last term's form


@dataclass(frozen=True)
class CarriedTarget:
    """A target under review in this term's form: how it was rated, and whether it was one of
    last term's targets."""

    target: str
    rating: str  # e.g. "Partly achieved"; "Not rated" when left blank
    comment: str
    from_last_term: bool | None  # None: no form for last term to look in


@dataclass(frozen=True)
class TermComparison:
    form: AnsweredForm
    last: AnsweredForm | None
    attendance_now: float | None
    attendance_last: float | None
    attainment: tuple[AttainmentRow, ...]
    carried: tuple[CarriedTarget, ...]

    @property
    def last_term(self) -> str:
        try:
            return str(Term.parse(self.form.term).previous())
        except ValueError:
            return ""

    @property
    def attendance_change(self) -> float | None:
        if self.attendance_now is None or self.attendance_last is None:
            return None
        return round(self.attendance_now - self.attendance_last, 1)

    @property
    def trend(self) -> str:
        change = self.attendance_change
        if self.attendance_now is None:
            return NO_FIGURE
        if change is None:
            return NO_LAST
        if change >= TREND_STEP:
            return RISING
        if change <= -TREND_STEP:
            return FALLING
        return SAME

    def ratings(self) -> dict[str, int]:
        """How many carried-forward targets got each rating."""
        out: dict[str, int] = {}
        for target in self.carried:
            out[target.rating] = out.get(target.rating, 0) + 1
        return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _model(form: AnsweredForm) -> FormModel | None:
    try:
        return form_model(form.authority, form.phase)
    except Exception:
        return None


def attainment_table(model: FormModel | None) -> Table | None:
    """The form's attainment table (subjects, areas, steps, qualifications, dimensions)."""
    if model is None:
        return None
    return next((t for t in model.tables() if t.pointer.startswith("/attainment/")), None)


def _shown(col: Field, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return col.label_for(value) if col.choices else str(value)


def _attainment_rows(form: AnsweredForm | None) -> dict[str, tuple[str, str]]:
    """Normalised name -> (name, what the row says), for one form's attainment table."""
    if form is None:
        return {}
    table = attainment_table(_model(form))
    if table is None:
        return {}
    key, *rest = table.columns
    shown = [c for c in rest if c.kind != "multiline"]  # comments are too long to compare
    out: dict[str, tuple[str, str]] = {}
    for item in pointers.get(form.instance, table.pointer) or []:
        name = item.get(key.key)
        if name in (None, ""):
            continue
        text = "; ".join(f"{c.label}: {_shown(c, item[c.key])}" for c in shown
                         if item.get(c.key) not in (None, ""))
        out.setdefault(normalise_label(_shown(key, name)), (_shown(key, name), text))
    return out


def _attainment(now: AnsweredForm, last: AnsweredForm | None) -> tuple[AttainmentRow, ...]:
    this, then = _attainment_rows(now), _attainment_rows(last)
    rows = [AttainmentRow(name, text, then[k][1] if k in then else None)
            for k, (name, text) in this.items()]
    rows += [AttainmentRow(name, None, text) for k, (name, text) in then.items() if k not in this]
    return tuple(rows)


def _targets_text(form: AnsweredForm) -> set[str]:
    return {normalise_label(str(t.get("target", ""))) for t in
            pointers.get(form.instance, "/targets") or [] if t.get("target")}


def _carried(now: AnsweredForm, last: AnsweredForm | None) -> tuple[CarriedTarget, ...]:
    model = _model(now)
    fields = model.field_map if model else {}
    progress = fields.get("/previous_targets/*/progress")
    rating = fields.get("/previous_targets/*/rating")
    earlier = _targets_text(last) if last is not None else None
    out = []
    for item in pointers.get(now.instance, "/previous_targets") or []:
        words = [col.label_for(item[col.key]) for col in (progress, rating)
                 if col is not None and item.get(col.key) not in (None, "")]
        text = str(item.get("target", ""))
        out.append(CarriedTarget(
            target=text, rating=" · ".join(words) or "Not rated",
            comment=str(item.get("comment", "")),
            from_last_term=None if earlier is None else normalise_label(text) in earlier))
    return tuple(out)


def compare(now: AnsweredForm, last: AnsweredForm | None) -> TermComparison:
    return TermComparison(
        form=now, last=last,
        attendance_now=_number(pointers.get(now.instance, "/attendance/percentage")),
        attendance_last=_number(pointers.get(last.instance, "/attendance/percentage"))
        if last else None,
        attainment=_attainment(now, last), carried=_carried(now, last))


def _previous(term: str) -> str | None:
    try:
        return str(Term.parse(term).previous())
    except ValueError:
        return None


def compare_terms(forms: Sequence[AnsweredForm],
                  pool: Sequence[AnsweredForm] | None = None) -> list[TermComparison]:
    """Each form in `forms` against its child's form of the term before, found in `pool`
    (default: `forms` themselves), same authority."""
    by_child: Mapping[tuple[str, str, str], AnsweredForm] = {
        (f.authority, f.child_id, f.term): f for f in (pool if pool is not None else forms)}
    out = []
    for form in forms:
        previous = _previous(form.term)
        last = by_child.get((form.authority, form.child_id, previous)) if previous else None
        out.append(compare(form, last))
    return out


def child_history(pool: Sequence[AnsweredForm], child_id: str) -> list[TermComparison]:
    """One child's forms, newest term first, each against the term before."""
    wanted = child_id.strip().casefold()
    mine = [f for f in pool if f.child_id.casefold() == wanted]
    mine.sort(key=lambda f: _term_key(f.term), reverse=True)
    return compare_terms(mine, pool)


def _term_key(term: str) -> Term:
    try:
        return Term.parse(term)
    except ValueError:
        return Term(1, 0)


@dataclass(frozen=True)
class AttendanceTrend:
    """The term's attendance against last term, for the Head's report."""

    children: int  # forms with an attendance figure this term
    below_95: int
    below_95_last_term: int | None  # None: no form had a figure last term
    compared: int  # children with a figure in both terms
    rising: int
    falling: int
    same: int


def attendance_trend(comparisons: Sequence[TermComparison]) -> AttendanceTrend:
    now = [c for c in comparisons if c.attendance_now is not None]
    with_last = [c for c in comparisons if c.attendance_last is not None]
    trends = [c.trend for c in now]
    return AttendanceTrend(
        children=len(now),
        below_95=sum(1 for c in now if (c.attendance_now or 0) < LOW_ATTENDANCE),
        below_95_last_term=sum(1 for c in with_last if (c.attendance_last or 0) < LOW_ATTENDANCE)
        if with_last else None,
        compared=sum(1 for t in trends if t in (RISING, FALLING, SAME)),
        rising=trends.count(RISING), falling=trends.count(FALLING), same=trends.count(SAME))


def _percent(value: float | None) -> str:
    return f"{value:g}%" if value is not None else "no figure"


def history_text(history: Sequence[TermComparison]) -> str:
    """One child's terms for a terminal, newest first (by child id: no name, no date of birth)."""
    lines: list[str] = []
    for c in history:
        form = c.form
        lines.append(f"{form.child_id} {form.term} ({form.form_id}): "
                     f"{'passes' if form.status == 'pass' else 'needs changes'}"
                     + (f", quality grade {form.grade}" if form.grade else ""))
        change = c.attendance_change
        moved = f" ({change:+g} points, {c.trend})" if change is not None else f" ({c.trend})"
        lines.append(f"  attendance: {_percent(c.attendance_now)} now, "
                     f"{_percent(c.attendance_last)} in {c.last_term or 'the term before'}{moved}")
        for row in c.attainment:
            lines.append(f"  attainment, {row.name}: now {row.now or 'not recorded'}; last term "
                         f"{row.last or 'not recorded'}")
        for target in c.carried:
            set_then = {True: "set last term", False: "not in last term's targets",
                        None: "no form for last term"}[target.from_last_term]
            lines.append(f"  target carried forward ({set_then}): {target.rating}: "
                         f"{target.target}")
        if not c.carried:
            lines.append("  no targets carried forward for review")
    return "\n".join(lines) + "\n"
