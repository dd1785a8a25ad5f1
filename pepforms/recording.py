"""What the jobs tell the term register: issued forms (generate), received versions (validate),
sent back (annotate), finalised (finalise); and what the register tells the checker back.

The bridge between the jobs and `pepforms/register/`, so that the register knows nothing of
Word or PDF and the jobs know no SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pepforms import pointers
from pepforms.findings import ERROR, Finding, make
from pepforms.report.model import FormResult

if TYPE_CHECKING:
    from pepforms.generating import GenerateResult
    from pepforms.grades import QaDecision
    from pepforms.register import Register
    from pepforms.register.history import EventRecord
    from pepforms.register.models import IssuedForm, ReceivedVersion
    from pepforms.report.answers import AnsweredForm, AnswerSet
    from pepforms.report.head import TermFigures


def issued_forms(result: GenerateResult, authority: str, term: str) -> list[IssuedForm]:
    """One IssuedForm per blank form a `generate` run wrote."""
    from pepforms.register.models import IssuedForm
    from pepforms.schema import form_model

    children = {c.child_id: c for c in result.roster.children}
    out = []
    for form in result.forms:
        if form.kind != "blank form" or form.child_id not in children:
            continue
        child = children[form.child_id]
        model = form_model(authority, form.phase)
        out.append(IssuedForm(
            form_id=form.form_id, authority=authority, phase=form.phase, term=term,
            child_id=child.child_id, first_name=child.first_name, last_name=child.last_name,
            date_of_birth=child.date_of_birth, year_group=child.year_group,
            school_name=child.school_name, school_urn=child.school_urn,
            dt_email=child.designated_teacher_email, schema_id=model.schema_id,
            schema_version=str(model.version), file_path=form.file, sha256=form.sha256,
            prefill=dict(form.locked), prefill_digest=form.prefill_digest,
            date_entered_care=child.date_entered_care,
            date_joined_school=child.date_joined_school))
    return out


def record_generated(reg: Register, result: GenerateResult, authority: str, term: str) -> int:
    from pepforms.register import record_issued

    return record_issued(reg, issued_forms(result, authority, term))


def _sha256(path: str) -> str:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return ""


# A form whose child is in doubt is never recorded as a version of the form it claims to be.
DOUBTFUL = {"wrong-child", "identity-unknown", "not-on-roster"}


def received_version(result: FormResult, received: date | None = None) -> ReceivedVersion:
    from pepforms.register.models import ReceivedVersion

    doubtful = any(f.code in DOUBTFUL for f in result.findings)
    return ReceivedVersion(
        path=result.path, sha256=result.sha256 or _sha256(result.path),
        received_on=received or result.received or date.today(), read_by=result.read_by,
        status=result.status, form_id="" if doubtful else result.form_id,
        child_id="" if doubtful else result.child_id,
        term=result.term, findings=[f.as_dict() for f in result.findings],
        quality_grade=result.quality.overall if result.quality else None,
        instance=result.instance)


def check_against_issued(reg: Register, result: FormResult) -> None:
    """A form that lost its identity is compared with what the register says was issued for
    its child and term: the issued values vouch for it, or every changed one is a finding."""
    from pepforms.register import find_form_id, issued_values

    codes = {f.code for f in result.findings}
    if "identity-unconfirmed" not in codes or result.instance is None or not result.term:
        return
    form_id = find_form_id(reg, result.child_id, result.term)
    issued = issued_values(reg, form_id) if form_id else None
    if not issued:
        return
    from pepforms.schema import form_model
    from pepforms.validate.verdict import in_form_order

    changed = [p for p, v in issued.items() if pointers.get(result.instance, p) != v]
    findings = [f for f in result.findings if f.code != "identity-unconfirmed" or changed]
    findings += [_changed(p) for p in changed]
    result.findings = in_form_order(form_model(result.authority, result.phase), findings)
    result.form_id = result.form_id or (form_id or "")
    result.status = "fail" if any(f.severity == ERROR for f in findings) else "pass"


def _changed(pointer: str) -> Finding:
    return make("locked-value-changed", pointer=pointer, label=pointer.rsplit("/", 1)[-1]
                .replace("_", " "), note="differs from the value issued (term register)")


class Recorder:
    """Records each checked form as it comes (called in the parent process)."""

    def __init__(self, reg: Register, received: date | None = None) -> None:
        self.reg = reg
        self.received = received
        self.recorded = 0
        self._children: dict[str, dict[str, str]] = {}  # term → the children issued forms
        from pepforms.register import IssuedIndex

        self._index = IssuedIndex()  # the issued forms, looked up once per term

    def __call__(self, result: FormResult) -> None:
        from pepforms.register import record_version

        check_against_issued(self.reg, result)
        if result.email_subject and result.term:
            self._check_email(result)
        record_version(self.reg, received_version(result, self.received), self._index)
        self.recorded += 1


    def _check_email(self, result: FormResult) -> None:
        """Which child the email names, among every child issued a form that term."""
        from pepforms.calendar import Term
        from pepforms.emails import check_named_child
        from pepforms.register.history import issued_children

        try:
            term = str(Term.parse(result.term))
        except ValueError:
            return
        if term not in self._children:
            self._children[term] = issued_children(self.reg, term)
        check_named_child(result, self._children[term])


def record_sent_back(reg: Register, results: Iterable[FormResult],
                     copies: Mapping[str, Path | None]) -> int:
    """"Sent back" for every matched form whose annotated copy was written."""
    from pepforms.register import UnknownForm
    from pepforms.register import record_sent_back as record

    done = 0
    today = date.today()
    for result in results:
        if result.form_id and copies.get(result.path) is not None:
            # Sent back now, and never before it came in (a --received date ahead of today).
            on = max(today, result.received) if result.received else today
            try:
                done += bool(record(reg, result.form_id, on=on))
            except UnknownForm:  # a form this register never issued: nothing to update
                continue
    return done


def record_finalised(reg: Register, form_id: str, pdf: bytes, by: str = "") -> bool:
    from pepforms.register import UnknownForm
    from pepforms.register import record_finalised as record

    try:
        return record(reg, form_id, hashlib.sha256(pdf).hexdigest(), by=by)
    except UnknownForm:
        return False




def qa_decision(reg: Register, form_id: str) -> QaDecision | None:
    """The QA officer's latest judgement of a form, for its finalised record (None if none)."""
    from pepforms.register.history import form_history

    history = form_history(reg, form_id) if form_id else None
    decisions = [e for e in history.events if e.kind == "qa" and e.grade] if history else []
    return _decision(decisions[-1]) if decisions else None


def qa_decisions(reg: Register) -> dict[str, QaDecision]:
    """Every graded form's latest QA judgement, by form id (for finalising a batch)."""
    from pepforms.register.history import latest_qa

    return {form_id: _decision(event) for form_id, event in latest_qa(reg).items()}


def _decision(event: EventRecord) -> QaDecision:
    from pepforms.grades import QaDecision

    return QaDecision(grade=str(event.grade), by=event.by, on=event.happened_on,
                      reason=event.reason or "")


def answers_from_register(reg: Register, term: str) -> AnswerSet:
    """The latest version of each form of `term` in the register, as answered forms."""
    from pepforms.register.answers import latest_versions
    from pepforms.report.answers import AnsweredForm, AnswerSet
    from pepforms.schema import load_authority
    from pepforms.validate.quality import indicative_grade

    forms = []
    for stored in latest_versions(reg, term):
        found = tuple(Finding(code=f["code"], severity=f["severity"], pointer=f["pointer"],
                              section=f["section"], role=f["role"], message=f["message"])
                      for f in stored.findings)
        framework = load_authority(stored.authority).qa_framework
        forms.append(AnsweredForm(
            form_id=stored.form_id, child_id=stored.child_id,
            child_name=f"{stored.first_name} {stored.last_name}".strip(),
            authority=stored.authority, phase=stored.phase, term=stored.term,
            school_name=stored.school_name, school_urn=stored.school_urn, status=stored.status,
            quality=indicative_grade(framework, stored.phase, list(found), stored.instance),
            findings=found, instance=stored.instance, received=stored.received_on,
            first_time_pass=stored.first_status == "pass", path=stored.path))
    return AnswerSet(tuple(forms))


def figures_from_register(reg: Register, term: str) -> TermFigures:
    """The Head's report's return figures, from the term's state today."""
    from pepforms.register import term_status
    from pepforms.report.head import TermFigures

    status = term_status(reg, term)
    states = status.totals.states
    return TermFigures(issued=status.totals.forms,
                       returned_on_time=status.totals.returned_on_time.count,
                       returned_late=states.get("received-late", 0),
                       overdue=states.get("overdue", 0))


def answers_for_child(reg: Register, child_id: str) -> list[AnsweredForm]:
    """Every term's latest version of the child's forms (for `status --child`)."""
    from pepforms.register.answers import terms_of_child

    out: list[AnsweredForm] = []
    for term in terms_of_child(reg, child_id):
        out += [f for f in answers_from_register(reg, term).forms if f.child_id == child_id]
    return out
