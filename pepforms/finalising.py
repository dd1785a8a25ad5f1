"""The finalised record: a checked form rendered to PDF with reportlab (no office suite needed).

`finalise` does one form; `finalise_many` does files and folders in one call (start-up, fonts and
schemas paid once), over processes with `jobs`, one outcome per file: a bad file never stops the
batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from pepforms.calendar import Term
from pepforms.checking import (
    CheckOptions,
    FormResult,
    attached_form_names,
    check_one_form,
    collect_paths,
    form_in_email,
)
from pepforms.errors import OutputExistsError, PepformsError
from pepforms.fanout import chunks, fan_out
from pepforms.fileio import atomic_write
from pepforms.findings import ERROR, Finding
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
                  finalised_by: str | None = None, finalised_on: date | None = None,
                  judgements: Mapping[str, QaDecision] | None = None) -> Finalised:
    """Check a returned form (a file, the one form attached to a saved email, or a form named
    inside its email) and render its record; refuse a form with errors unless allowed."""
    result = check_one_form(path, options or CheckOptions())
    if result.status == "unreadable" or result.instance is None:
        raise PepformsError(f"{path} could not be finalised: {_why_unreadable(result)}")
    return _finalised(result, allow_findings, qa=qa or (judgements or {}).get(result.form_id),
                      finalised_by=finalised_by, finalised_on=finalised_on)


def _why_unreadable(result: FormResult) -> str:
    return result.findings[0].message if result.findings else "it could not be read"


def _finalised(result: FormResult, allow_findings: bool, *, qa: QaDecision | None = None,
               finalised_by: str | None = None, finalised_on: date | None = None) -> Finalised:
    """The record of a checked, readable form; refused (HasErrors) if it has errors."""
    assert result.instance is not None
    if result.status == "fail" and not allow_findings:
        raise HasErrors(result)
    pdf, status = record_pdf(result.authority, result.phase, result.instance, result.term,
                             result.form_id, result.findings, quality=result.quality, qa=qa,
                             finalised_by=finalised_by, finalised_on=finalised_on)
    return Finalised(pdf, result, status)


def _password(password_file: Path | None) -> str | None:
    """The password in the file's first line (the PDF library is loaded only to encrypt)."""
    if password_file is None:
        return None
    from pepforms.pdf.protect import read_password_file

    return read_password_file(password_file)


def _protected(pdf: bytes, password: str | None) -> bytes:
    """The PDF, AES-256 encrypted when there is a password."""
    if not password:
        return pdf
    from pepforms.pdf.protect import encrypt

    return encrypt(pdf, password)


def finalise(path: Path, out: Path, *, password_file: Path | None = None,
             allow_findings: bool = False, force: bool = False,
             options: CheckOptions | None = None, qa: QaDecision | None = None,
             finalised_by: str | None = None, finalised_on: date | None = None,
             judgements: Mapping[str, QaDecision] | None = None) -> Finalised:
    """Write the finalised record of `path` to `out` (AES-256 encrypted with a password file).

    `finalised_by` and `finalised_on` say who finalised it and when, and `qa` is the QA
    officer's judgement once the register has one (or `judgements`, the register's by form id);
    the record shows each that is given."""
    password = _password(password_file)
    done = finalise_form(path, allow_findings=allow_findings, options=options, qa=qa,
                         finalised_by=finalised_by, finalised_on=finalised_on,
                         judgements=judgements)
    atomic_write(out, _protected(done.pdf, password), force=force)
    return done


# --------------------------------------------------------------------------------------------
# Many forms


WRITTEN = "finalised"  # the PDF was written and says "Finalised"
WRITTEN_WITH_ERRORS = "written with errors"  # --allow-findings: it says "Not finalised: has errors"
REFUSED = "has errors"  # not written: the form has errors
FAILED = "failed"  # not written: the file could not be read or the PDF could not be written


@dataclass(frozen=True)
class FinaliseOutcome:
    """What became of one file: `status` is one of WRITTEN, WRITTEN_WITH_ERRORS, REFUSED, FAILED."""

    source: Path
    out: Path  # where its PDF goes (written only for WRITTEN and WRITTEN_WITH_ERRORS)
    status: str
    message: str  # plain words for the person running the batch
    result: FormResult | None = None  # the check (findings), without the form's answers

    @property
    def ok(self) -> bool:
        return self.status == WRITTEN or self.status == WRITTEN_WITH_ERRORS


@dataclass(frozen=True)
class _Item:
    source: Path
    out: Path
    password: str | None
    allow_findings: bool
    force: bool
    options: CheckOptions
    finalised_by: str | None = None
    finalised_on: date | None = None


def targets(paths: Iterable[Path], out_dir: Path) -> list[tuple[Path, Path]]:
    """(form, PDF) pairs: a file given goes to `out_dir/<name>.pdf`; the forms in a folder keep
    their sub-folders under `out_dir`. A form attached to a saved email is named inside it, as
    reports name it (`RE PEP.eml/Form.docx`), and goes to `<the email's name>/Form.pdf`."""
    pairs = []
    for path in paths:
        if path.is_dir():
            pairs += [(f, out_dir / f.relative_to(path).with_suffix(".pdf"))
                      for f in collect_paths([path], emails=True)]
        else:
            pairs.append((path, out_dir / Path(path.name).with_suffix(".pdf")))
    return [pair for source, out in pairs for pair in _each_form(source, out)]


def _each_form(source: Path, out: Path) -> list[tuple[Path, Path]]:
    inside = form_in_email(source)
    if inside is None or inside[1]:
        return [(source, out)]
    names = attached_form_names(source)  # none: the email is reported as it is (no form, damaged)
    folder = out.with_suffix("")
    return [(source / name, folder / Path(name).with_suffix(".pdf")) for name in names] or \
        [(source, out)]


def _check_targets(pairs: list[tuple[Path, Path]], force: bool) -> None:
    """Refuse, before anything is written, a batch that would overwrite an input, write two forms
    to one PDF, or replace a PDF without `force`."""
    inputs = {source.resolve() for source, _ in pairs}
    seen: dict[Path, Path] = {}
    for source, out in pairs:
        if out.resolve() in inputs:
            raise PepformsError(f"The PDF for {source} would replace the returned form {out}: "
                                "choose another --out folder.")
        if out in seen:
            raise PepformsError(f"{seen[out]} and {source} would both be finalised as {out}: "
                                "finalise them into different folders.")
        seen[out] = source
    existing = [out for _, out in pairs if out.exists()]
    if existing and not force:
        raise OutputExistsError(f"{len(existing)} PDF(s) already exist (for example "
                                f"{existing[0]}). Nothing was written. Use a new folder, or "
                                "--force to replace them.")


def _finalise_run(run: tuple[list[_Item], Mapping[str, QaDecision]]) -> list[FinaliseOutcome]:
    """A run of files, with the QA officer's judgements (handed to a process once per run)."""
    items, judgements = run
    last_email: dict[Path, list[FormResult]] = {}  # an email's forms come one after another
    return [_finalise_item(item, judgements, last_email) for item in items]


def _finalise_item(item: _Item, judgements: Mapping[str, QaDecision],
                   last_email: dict[Path, list[FormResult]]) -> FinaliseOutcome:
    """One file's outcome; never raises for a problem with the file."""
    try:
        checked = check_one_form(item.source, item.options, last_email)
        if checked.status == "unreadable" or checked.instance is None:
            return FinaliseOutcome(item.source, item.out, FAILED, _why_unreadable(checked),
                                   checked)
        done = _finalised(checked, item.allow_findings, qa=judgements.get(checked.form_id),
                          finalised_by=item.finalised_by, finalised_on=item.finalised_on)
        atomic_write(item.out, _protected(done.pdf, item.password), force=item.force)
    except HasErrors as exc:
        return FinaliseOutcome(item.source, item.out, REFUSED,
                               f"{exc.result.errors} error(s): not finalised",
                               replace(exc.result, instance=None))
    except PepformsError as exc:  # the PDF appeared meanwhile
        return FinaliseOutcome(item.source, item.out, FAILED, str(exc))
    except OSError as exc:
        return FinaliseOutcome(item.source, item.out, FAILED,
                               f"{item.out} could not be written ({exc.strerror or exc}).")
    except Exception as exc:  # a fault in pepforms must not stop the batch
        return FinaliseOutcome(item.source, item.out, FAILED,
                               f"pepforms could not finish finalising it ({type(exc).__name__}); "
                               "please report this, the other files were finalised")
    status = WRITTEN if done.status == FINALISED else WRITTEN_WITH_ERRORS
    return FinaliseOutcome(item.source, item.out, status, done.status,
                           replace(done.result, instance=None))


def finalise_many(paths: Iterable[Path], out_dir: Path, *, jobs: int = 1, force: bool = False,
                  allow_findings: bool = False, password_file: Path | None = None,
                  options: CheckOptions | None = None,
                  judgements: Mapping[str, QaDecision] | None = None,
                  finalised_by: str | None = None, finalised_on: date | None = None,
                  progress: Callable[[int], None] | None = None,
                  on_total: Callable[[int], None] | None = None) -> list[FinaliseOutcome]:
    """The finalised record of every form in `paths` (files and folders), written under `out_dir`.

    One outcome per form, in the order found (a saved email's forms each have one; `judgements`
    are the register's QA decisions by form id, shown on each record). Raises PepformsError only
    when the batch cannot start: an unreadable password file, or outputs that would clash or
    exist without `force`.
    """
    password = _password(password_file)
    pairs = targets(paths, out_dir)
    _check_targets(pairs, force)
    if on_total:
        on_total(len(pairs))
    items = [_Item(source, out, password, allow_findings, force, options or CheckOptions(),
                   finalised_by, finalised_on) for source, out in pairs]
    runs = [(run, judgements or {}) for run in chunks(items, jobs)]
    done = fan_out(_finalise_run, runs, jobs, progress, size=lambda run: len(run[0]))
    return [outcome for outcomes in done for outcome in outcomes]
