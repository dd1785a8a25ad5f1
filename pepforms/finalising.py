"""The finalised record: a checked form rendered to PDF with reportlab (no office suite needed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pepforms.calendar import Term
from pepforms.checking import CheckOptions, FormResult, check_file
from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.findings import ERROR, Finding
from pepforms.pdf.protect import encrypt, read_password_file
from pepforms.pdf.record import render_record
from pepforms.schema import form_model as get_model
from pepforms.schema import load_authority
from pepforms.validate.engine import validate_instance
from pepforms.validate.quality import QaDecision, QualityGrade, indicative_grade

FINALISED = "Finalised"
NOT_FINALISED = "Not finalised: has errors"


class HasErrors(Exception):
    """The form has error findings and --allow-findings was not given (exit code 1)."""

    def __init__(self, result: FormResult) -> None:
        super().__init__(result.path)
        self.result = result


@dataclass
class Finalised:
    pdf: bytes
    result: FormResult
    status: str


def record_pdf(authority: str, phase: str, instance: Mapping[str, Any], term: str, form_id: str,
               findings: list[Finding], *, quality: QualityGrade | None = None,
               qa: QaDecision | None = None, finalised_by: str | None = None,
               finalised_on: date | None = None) -> tuple[bytes, str]:
    """The finalised-record PDF of an instance, and its status.

    The indicative `quality` grade is worked out from the findings when not given; the QA
    officer's judgement (`qa`, from the term register) and who finalised the form and when are
    printed when given."""
    model = get_model(authority, phase)
    a = load_authority(authority)
    child = instance.get("child", {})
    name = f"{child.get('first_name', '')} {str(child.get('last_name', '')).upper()}".strip()
    status = NOT_FINALISED if any(f.severity == ERROR for f in findings) else FINALISED
    try:
        term_label = Term.parse(term).label
    except ValueError:
        term_label = term or "term not recorded"
    if quality is None:
        quality = indicative_grade(a.qa_framework, phase, findings, instance)
    pdf = render_record(model, dict(instance), organisation=a.raw.get("virtual_school", a.name),
                        child_name=name or "Name not recorded", term_label=term_label,
                        form_id=form_id or "not recorded", status=status, findings=findings,
                        role_labels=a.roles, quality=quality, qa=qa,
                        finalised_by=finalised_by, finalised_on=finalised_on)
    return pdf, status


def record_for_instance(authority: str, phase: str, instance: Mapping[str, Any]) -> tuple[bytes, str]:
    """The record of an instance that came as JSON (from `pepforms read`): validated first."""
    findings = validate_instance(get_model(authority, phase), instance)
    term = str(instance.get("pep", {}).get("term", ""))
    return record_pdf(authority, phase, instance, term, "", findings)


def finalise_form(path: Path, *, allow_findings: bool = False,
                  options: CheckOptions | None = None, qa: QaDecision | None = None,
                  finalised_by: str | None = None,
                  finalised_on: date | None = None) -> Finalised:
    """Check a returned form and render its record; refuse a form with errors unless allowed."""
    result = check_file(path, options or CheckOptions())
    if result.status == "unreadable" or result.instance is None:
        message = result.findings[0].message if result.findings else "it could not be read"
        raise PepformsError(f"{path} could not be finalised: {message}")
    if result.status == "fail" and not allow_findings:
        raise HasErrors(result)
    pdf, status = record_pdf(result.authority, result.phase, result.instance, result.term,
                             result.form_id, result.findings, quality=result.quality, qa=qa,
                             finalised_by=finalised_by, finalised_on=finalised_on)
    return Finalised(pdf, result, status)


def finalise(path: Path, out: Path, *, password_file: Path | None = None,
             allow_findings: bool = False, force: bool = False,
             options: CheckOptions | None = None, qa: QaDecision | None = None,
             finalised_by: str | None = None, finalised_on: date | None = None) -> Finalised:
    """Write the finalised record of `path` to `out` (AES-256 encrypted with a password file).

    `finalised_by` and `finalised_on` say who finalised it and when, and `qa` is the QA
    officer's judgement once the register has one; the record shows each that is given."""
    password = read_password_file(password_file) if password_file else None
    done = finalise_form(path, allow_findings=allow_findings, options=options, qa=qa,
                         finalised_by=finalised_by, finalised_on=finalised_on)
    data = encrypt(done.pdf, password) if password else done.pdf
    atomic_write(out, data, force=force)
    return done
