"""The answered forms every answers report reads (export, PP+, the Head's report), and where they
come from: a validation run over folders today, the term register later.

`AnsweredForm` is a plain record, so the register can build the same thing from what it stores;
nothing in the reports knows where a form came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pepforms import pointers
from pepforms.calendar import Term, key_stage
from pepforms.errors import PepformsError
from pepforms.findings import ERROR, Finding
from pepforms.report.model import FAIL, PASS, FormResult, Report
from pepforms.validate.quality import QualityGrade


@dataclass(frozen=True)
class AnsweredForm:
    """The latest returned version of one issued form: its answers and how it was judged."""

    form_id: str
    child_id: str
    child_name: str = field(repr=False)  # personal: only in pages that say they hold names
    authority: str
    phase: str
    term: str
    school_name: str
    school_urn: str
    status: str  # pass | fail
    quality: QualityGrade | None
    findings: tuple[Finding, ...]
    instance: Mapping[str, Any] = field(repr=False)
    received: date | None = None
    first_time_pass: bool | None = None  # None: not known
    path: str = ""

    @property
    def year_group(self) -> int | None:
        value = pointers.get(self.instance, "/child/year_group")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def key_stage(self) -> str:
        """EYFS, KS1 … KS5, or "Not known" when the form gives no usable year group."""
        try:
            return key_stage(self.year_group) if self.year_group is not None else "Not known"
        except ValueError:
            return "Not known"

    @property
    def grade(self) -> str | None:
        return self.quality.overall if self.quality else None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def returned_late(self) -> bool:
        return any(f.code == "returned-late" for f in self.findings)

    @property
    def school(self) -> str:
        return self.school_name or "School not given"


@dataclass(frozen=True)
class AnswerSet:
    """Answered forms, and what could not be used (unreadable files) and every version seen."""

    forms: tuple[AnsweredForm, ...]
    unreadable: tuple[FormResult, ...] = ()
    versions: tuple[FormResult, ...] = ()  # every readable file, latest or not (for reasons)

    def terms(self) -> list[str]:
        return sorted({f.term for f in self.forms if f.term}, key=_term_order)

    def latest_term(self) -> str | None:
        terms = self.terms()
        return terms[-1] if terms else None

    def select(self, term: str | None = None, school: str | None = None) -> AnswerSet:
        """The forms of one term and/or one school (its URN or its name, any case)."""
        forms = [f for f in self.forms if (term is None or f.term == term)
                 and (school is None or _school_matches(f, school))]
        return AnswerSet(tuple(forms), self.unreadable, self.versions)


def _term_order(term: str) -> tuple[int, int]:
    try:
        parsed = Term.parse(term)
        return (parsed.academic_year_start, (parsed.season_index + 1) % 3)
    except ValueError:
        return (0, 0)


def _school_matches(form: AnsweredForm, school: str) -> bool:
    wanted = " ".join(school.split()).casefold()
    return wanted in (form.school_urn.casefold(), " ".join(form.school_name.split()).casefold())


def _version_key(result: FormResult) -> tuple[date, str]:
    return (result.received or date.min, result.path)


def _identity(result: FormResult) -> tuple[str, ...]:
    # A form that lost its identity (read by its labels) still names its child and term.
    if result.form_id:
        return (result.form_id,)
    if result.child_id:
        return ("", result.child_id, result.term, result.authority, result.phase)
    return ("", result.path)


def answered(result: FormResult, first_time_pass: bool | None) -> AnsweredForm:
    """One checked file (with its answers kept) as an answered form."""
    if result.instance is None:
        raise PepformsError(f"{result.path} was checked without keeping its answers.")
    # A form that lost its identity still needs a key for its table rows in an export.
    form_id = result.form_id or f"no form id: {Path(result.path).name}"
    return AnsweredForm(
        form_id=form_id, child_id=result.child_id, child_name=result.child_name,
        authority=result.authority, phase=result.phase, term=result.term,
        school_name=result.school, school_urn=result.school_urn, status=result.status,
        quality=result.quality, findings=tuple(result.findings), instance=result.instance,
        received=result.received, first_time_pass=first_time_pass, path=result.path)


def from_report(report: Report) -> AnswerSet:
    """The latest version of each form in a validation report (answers kept).

    Versions of one form are told apart by the date they came back, then by file name; the
    earliest version present is taken as the first one returned, for "passed first time".
    """
    groups: dict[tuple[str, ...], list[FormResult]] = {}
    unreadable = []
    readable = []
    for result in report.forms:
        if result.status not in (PASS, FAIL) or result.instance is None:
            unreadable.append(result)
            continue
        readable.append(result)
        groups.setdefault(_identity(result), []).append(result)
    forms = []
    for versions in groups.values():
        versions.sort(key=_version_key)
        forms.append(answered(versions[-1], versions[0].status == PASS))
    forms.sort(key=lambda f: (_term_order(f.term), f.school_name, f.child_id, f.form_id))
    return AnswerSet(tuple(forms), tuple(unreadable), tuple(readable))


def answers_from_folders(paths: Sequence[Path], *, jobs: int = 1,
                         progress: Callable[[int], None] | None = None,
                         on_total: Callable[[int], None] | None = None) -> AnswerSet:
    """Check the returned forms in `paths` (files and folders), keeping their answers."""
    from pepforms.checking import CheckOptions, collect_paths, validate
    from pepforms.outputs import require_inputs

    require_inputs(paths)
    files = collect_paths(paths, emails=True)
    if not files:
        raise PepformsError("No forms found in " + ", ".join(str(p) for p in paths) + ".")
    report = validate(files, CheckOptions(), jobs=jobs, progress=progress, on_total=on_total,
                      keep_answers=True)
    return from_report(report)
