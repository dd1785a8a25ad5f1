"""Reading returned forms and checking them: identity, the form's schema, findings, the batch report.

Ties the Word reader (which knows no authority) to the validator (which knows no Word). Every
problem with a file is a finding for that file; a batch never stops because of one bad file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.errors import SchemaError
from pepforms.findings import ERROR, Finding, make
from pepforms.pdf.reader import (
    NOT_A_FORM_MESSAGE,
    PdfProblem,
    PdfRead,
    is_pdf,
    read_pdf,
    read_properties,
)
from pepforms.roster import Child
from pepforms.schema import PHASE_TITLES, FormModel, all_forms, form_model, load_authority
from pepforms.validate.engine import ValidationContext, validate_instance
from pepforms.validate.quality import QualityGrade, indicative_grade
from pepforms.validate.verdict import in_form_order
from pepforms.word.identity import application, last_saved, read_custom_properties, value_digest
from pepforms.word.package import PackageProblem, WordPackage, open_package
from pepforms.word.reader import FormRead, document_labels, normalise_label, read_document

# Every kind of file a school might send back, so that none is skipped without a word.
FORM_SUFFIXES = {".docx", ".doc", ".docm", ".odt", ".rtf", ".dotx", ".pdf", ".pages"}
_FILE_CHILD = re.compile(r"-(?P<child>[^-]+)-(?P<term>(?:autumn|spring|summer)-\d{4})$", re.I)
LABEL_MATCH_THRESHOLD = 0.6  # share of a form's fields that must be found for it to be read
IDENTIFY_THRESHOLD = 0.45  # label overlap (Jaccard) to recognise a form that lost its identity


@dataclass
class FormResult:
    """One file's outcome: what it is, how it was read, and its findings."""

    path: str
    status: str  # pass | fail | unreadable
    findings: list[Finding] = field(default_factory=list)
    form_id: str = ""
    authority: str = ""
    phase: str = ""
    term: str = ""
    child_id: str = ""
    read_by: str = ""  # tags | bookmarks | labels
    application: str = ""
    instance: dict[str, Any] | None = None
    # Where a control's parts disagreed, what the reader believed (pointer → why; shown by -v).
    trusted: dict[str, str] = field(default_factory=dict)
    quality: QualityGrade | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def as_dict(self, include_instance: bool = False) -> dict[str, Any]:
        out = {
            "path": self.path,
            "form_id": self.form_id,
            "authority": self.authority,
            "phase": self.phase,
            "term": self.term,
            "child_id": self.child_id,
            "status": self.status,
            "read_by": self.read_by,
            "application": self.application,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.as_dict() for f in self.findings],
            "quality": self.quality.as_dict() if self.quality else None,
        }
        if include_instance:
            out["instance"] = self.instance
        return out


@dataclass
class Report:
    forms: list[FormResult]

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status != "pass" for r in self.forms) else 0

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "unreadable": 0}
        for r in self.forms:
            out[r.status] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"version": 1, "summary": {"forms": len(self.forms), **self.counts()},
                "forms": [r.as_dict() for r in self.forms]}


# --------------------------------------------------------------------------------------------
# Which form is this?


@dataclass(frozen=True)
class Identified:
    model: FormModel
    properties: Mapping[str, str]
    findings: tuple[Finding, ...] = ()


class NotOurs(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


def identify(package: WordPackage) -> Identified:
    """The form model for a document: from its custom properties, else by its labels."""
    try:
        props = read_custom_properties(package.custom)
    except Exception:  # damaged custom.xml: fall back to labels, like a form without one
        props = {}
    authority, phase = props.get("authority"), props.get("phase")
    if authority and phase:
        try:
            return Identified(form_model(authority, phase), props)
        except SchemaError:
            detail = f" (it says it is a '{phase}' form for '{authority}', which pepforms lacks)"
            raise NotOurs(make("not-a-pep-form", detail=detail)) from None
    labels = document_labels(package.document)
    scored = []
    for a, p in all_forms():
        model = form_model(a, p)
        wanted = {normalise_label(x) for x in model.labels()}
        # Jaccard, not coverage: a form whose labels include another's (Targeted Curriculum
        # has all of Year 1 to 11's) must not tie with it.
        scored.append((len(wanted & labels) / max(len(wanted | labels), 1), a, p))
    scored.sort(reverse=True)
    if scored and scored[0][0] >= IDENTIFY_THRESHOLD and (
            len(scored) == 1 or scored[0][0] > scored[1][0]):
        _, a, p = scored[0]
        name = f"the {load_authority(a).name} {PHASE_TITLES[p]} form"
        return Identified(form_model(a, p), props, (make("identity-missing", detail=name),))
    raise NotOurs(make("not-a-pep-form", detail=""))


# --------------------------------------------------------------------------------------------
# Reading one form


@dataclass
class ReadOutcome:
    result: FormResult
    model: FormModel | None
    read: FormRead | PdfRead | None
    properties: Mapping[str, str]
    saved_at: date | None


def _unreadable(path: Path, finding: Finding) -> ReadOutcome:
    return ReadOutcome(FormResult(path=str(path), status="unreadable", findings=[finding]),
                       None, None, {}, None)


def _read_pdf_file(path: Path) -> ReadOutcome:
    """A returned fillable PDF: identity from its info dictionary, answers from its fields."""
    try:
        data = path.read_bytes()
        props = read_properties(data)  # password-protected, damaged, too large: PdfProblem
        authority, phase = props.get("authority"), props.get("phase")
        if not (authority and phase):
            raise PdfProblem(make("not-a-pep-form", message=NOT_A_FORM_MESSAGE))
        try:
            model = form_model(authority, phase)
        except SchemaError:
            raise PdfProblem(make("not-a-pep-form", message=NOT_A_FORM_MESSAGE,
                                  note=f"a '{phase}' form for '{authority}'")) from None
        read = read_pdf(model, data)
    except PdfProblem as exc:
        return _unreadable(path, exc.finding)
    except OSError as exc:
        return _unreadable(path, make("file-unreadable", detail=exc.strerror or "unreadable"))
    child = read.instance.get("child", {})
    result = FormResult(
        path=str(path), status="pass", findings=list(read.findings),
        form_id=props.get("form_id", ""), authority=model.authority, phase=model.phase,
        term=props.get("term", read.instance.get("pep", {}).get("term", "")),
        child_id=props.get("child_id", child.get("child_id", "")), read_by="pdf fields",
        application="", instance=read.instance)
    for pointer in read.missing:
        section, label = model.describe(pointer)
        result.findings.append(make("field-not-found", pointer=pointer,
                                    section=section.title if section else "", label=label,
                                    severity="warning"))
    return ReadOutcome(result, model, read, props, None)


def read_form_file(path: Path) -> ReadOutcome:
    """Read one returned form (Word, or a fillable PDF); every problem becomes a finding."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        head = b""
    if is_pdf(head):
        return _read_pdf_file(path)
    try:
        package = open_package(path)
        identified = identify(package)
        read = read_document(identified.model, package.document)
    except PackageProblem as exc:
        return _unreadable(path, exc.finding)
    except NotOurs as exc:
        return _unreadable(path, exc.finding)
    except ValueError as exc:  # a malformed part or a DTD (MalformedXML), or a bad value
        return _unreadable(path, make("damaged-file", detail="its contents are malformed",
                                      note=type(exc).__name__))
    model = identified.model
    props = identified.properties
    findings = list(identified.findings) + list(read.findings)
    app = application(package.app) or ""
    if read.method == "labels":
        findings.append(make("read-by-labels"))
    if app and not app.startswith(("Microsoft", "LibreOffice", "pepforms")):
        findings.append(make("saved-by-other-app", detail=app))
    expected = len(list(model.fields())) + len(list(model.tables()))
    if len(read.missing) > expected * (1 - LABEL_MATCH_THRESHOLD):
        return _unreadable(path, make("not-a-pep-form", detail=""))
    for pointer in read.missing:
        section, label = model.describe(pointer)
        findings.append(make("field-not-found", pointer=pointer,
                             section=section.title if section else "", label=label,
                             severity="warning"))
    saved = last_saved(package.core)
    child = read.instance.get("child", {})
    result = FormResult(
        path=str(path),
        status="pass",
        findings=findings,
        form_id=props.get("form_id", ""),
        authority=model.authority,
        phase=model.phase,
        term=props.get("term", read.instance.get("pep", {}).get("term", "")),
        child_id=props.get("child_id", child.get("child_id", "")),
        read_by=read.method,
        application=app,
        instance=read.instance,
        trusted=dict(read.trusted),
    )
    return ReadOutcome(result, model, read, props, saved.date() if saved else None)


# --------------------------------------------------------------------------------------------
# Identity checks


def identity_findings(path: Path, model: FormModel, instance: Mapping[str, Any],
                      props: Mapping[str, str], roster: Mapping[str, Child] | None,
                      term: Term | None) -> list[Finding]:
    findings: list[Finding] = []
    issued_for = props.get("child_id")
    on_form = instance.get("child", {}).get("child_id")
    match = _FILE_CHILD.search(path.stem)
    if issued_for and match and match.group("child") != issued_for:
        findings.append(make("wrong-child", pointer="/child/child_id", section="About the child",
                             detail=f"This form was issued for child {issued_for}, but its file "
                                    f"name says child {match.group('child')}."))
    form_id = props.get("form_id", "")
    digests = json.loads(props.get("prefill", "{}") or "{}") if props.get("prefill") else {}
    for pointer, digest in digests.items():
        value = pointers.get(instance, pointer)
        if value is None or value_digest(form_id, pointer, value) != digest:
            section, label = model.describe(pointer)
            findings.append(make("locked-value-changed", pointer=pointer,
                                 section=section.title if section else "",
                                 role=(section.role or "") if section else "", label=label))
    child_id = issued_for or on_form
    if roster is not None and child_id:
        child = roster.get(child_id)
        if child is None:
            findings.append(make("not-on-roster", pointer="/child/child_id",
                                 section="About the child", detail=child_id))
        else:
            differs = differs_from_roster(instance.get("child", {}), child)
            if differs:
                what = " and ".join(k.replace("_", " ") for k in differs)
                findings.append(make(
                    "wrong-child", pointer="/child/child_id", section="About the child",
                    detail=f"The {what} on this form do not match the roster for child "
                           f"{child_id}."))
    form_term = props.get("term") or instance.get("pep", {}).get("term")
    if term is not None and form_term and form_term != str(term):
        findings.append(make("wrong-term", pointer="/pep/term", section="This PEP",
                             detail=form_term))
    return findings


def differs_from_roster(form_child: Mapping[str, Any], child: Child) -> list[str]:
    """Which of name and date of birth the form records differently from the roster."""
    pairs = [("first_name", child.first_name), ("last_name", child.last_name),
             ("date_of_birth", child.date_of_birth.isoformat())]
    return [k for k, v in pairs if form_child.get(k) is not None
            and normalise_label(str(form_child[k])) != normalise_label(v)]



# --------------------------------------------------------------------------------------------
# Checking


@dataclass(frozen=True)
class CheckOptions:
    roster: Mapping[str, Child] | None = None
    term: Term | None = None
    received: date | None = None  # when the forms came back; else each form's last-saved date


def reading_context(model: FormModel, read: FormRead | PdfRead, properties: Mapping[str, str],
                    returned: date | None) -> ValidationContext:
    """What the validator must know of the reading: stand-ins typed where a date, number or
    choice was wanted; answers not understood (already findings, so never also "blank"); and,
    for a form issued under an older version of its schema, the questions it did not have
    (reported as not found, not as unanswered)."""
    issued = properties.get("schema_version")
    older = bool(issued) and issued != model.version
    return ValidationContext(returned_on=returned, stand_ins=dict(read.stand_ins),
                             not_understood=frozenset(f.pointer for f in read.findings
                                                      if f.code == "value-not-understood"),
                             not_on_form=frozenset(read.missing) if older else frozenset())


def check_file(path: Path, options: CheckOptions = CheckOptions()) -> FormResult:
    """Read and validate one file. Never raises for a problem with the file."""
    try:
        outcome = read_form_file(path)
        result = outcome.result
        if outcome.model is None or outcome.read is None:
            return result
        returned = options.received or outcome.saved_at
        findings = list(result.findings)
        findings += identity_findings(path, outcome.model, outcome.read.instance,
                                      outcome.properties, options.roster, options.term)
        findings += validate_instance(outcome.model, outcome.read.instance,
                                      reading_context(outcome.model, outcome.read,
                                                      outcome.properties, returned))
        result.findings = in_form_order(outcome.model, findings)
        result.status = "fail" if any(f.severity == ERROR for f in findings) else "pass"
        framework = load_authority(outcome.model.authority).qa_framework
        result.quality = indicative_grade(framework, outcome.model.phase, result.findings,
                                          outcome.read.instance)
        return result
    except Exception as exc:  # a fault in pepforms itself must not stop the batch
        return FormResult(path=str(path), status="unreadable", findings=[
            make("damaged-file", detail="pepforms could not finish checking it; please report "
                                        "this, the other files were checked",
                 note=f"{type(exc).__name__} at {_where(exc)}")])


def _where(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """Files to check: the files given, and every form-like file in the folders given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in FORM_SUFFIXES and \
                        not p.name.startswith(("~$", ".")):
                    out.append(p)
        else:
            out.append(path)
    return out


def _check(args: tuple[Path, CheckOptions]) -> FormResult:
    return check_file(*args)


def validate(paths: Iterable[Path], options: CheckOptions = CheckOptions(), *, jobs: int = 1,
             progress: Callable[[int], None] | None = None,
             on_total: Callable[[int], None] | None = None) -> Report:
    """Check returned forms (files and folders); one result per file, sorted by path."""
    files = collect_paths(paths)
    if on_total:
        on_total(len(files))
    results: list[FormResult] = []
    if jobs > 1 and len(files) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(_check, [(f, options) for f in files], chunksize=2):
                results.append(result)
                if progress:
                    progress(1)
    else:
        for f in files:
            results.append(check_file(f, options))
            if progress:
                progress(1)
    results.sort(key=lambda r: r.path)
    return Report(results)


def annotate(report: Report, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Copies of the Word forms that have findings, each finding a comment beside its answer.

    The copies keep the folder structure under `out_dir`; the returned forms are not touched.
    """
    import os

    from pepforms.fileio import atomic_write
    from pepforms.word.annotate import Note, annotate_docx

    forms = [r for r in report.forms if r.findings and r.status != "unreadable"
             and r.read_by in {"tags", "bookmarks", "labels"}]
    if not forms:
        return []
    parents = [str(Path(r.path).resolve().parent) for r in forms]
    base = Path(os.path.commonpath(parents))
    written = []
    for result in forms:
        source = Path(result.path)
        notes = [Note(f.pointer, f.message if f.severity == ERROR else f"Warning: {f.message}")
                 for f in result.findings]
        data = annotate_docx(form_model(result.authority, result.phase), source.read_bytes(),
                             notes)
        target = out_dir / source.resolve().relative_to(base)
        atomic_write(target, data, force=force)
        written.append(target)
    return written
