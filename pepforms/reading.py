"""Reading one returned file — a Word form or a filled fillable PDF — into answers and findings.

Ties the Word and PDF readers (which know no authority) to the authorities' form models: which
form is this, then what does it say. Every problem with the file becomes a finding.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pepforms.asking import is_within, left_out
from pepforms.errors import SchemaError
from pepforms.findings import Finding, make
from pepforms.pdf.sniff import is_pdf
from pepforms.report.model import FormResult
from pepforms.schema import PHASE_TITLES, FormModel, all_forms, form_model, load_authority
from pepforms.word.identify import best_label_match
from pepforms.word.identity import application, last_saved, read_custom_properties
from pepforms.word.package import MAX_FILE_BYTES, PackageProblem, WordPackage, package_from_bytes
from pepforms.word.reader import FormRead, read_document

if TYPE_CHECKING:
    from pepforms.pdf.reader import PdfRead

LABEL_MATCH_THRESHOLD = 0.6  # share of a form's fields that must be found for it to be read
IDENTIFY_THRESHOLD = 0.45  # label overlap (Jaccard) to recognise a form that lost its identity


@dataclass(frozen=True)
class Identified:
    model: FormModel
    properties: Mapping[str, str]
    findings: tuple[Finding, ...] = ()
    by_labels: bool = False  # the form's identity was lost; it was recognised by its labels


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
    candidates = {(a, p): form_model(a, p).labels() for a, p in all_forms()}
    best = best_label_match(package.document, candidates, IDENTIFY_THRESHOLD)
    if best is None:
        raise NotOurs(make("not-a-pep-form", detail=""))
    a, p = best
    name = f"the {load_authority(a).name} {PHASE_TITLES[p]} form"
    return Identified(form_model(a, p), props, (make("identity-missing", detail=name),),
                      by_labels=True)


@dataclass
class ReadOutcome:
    result: FormResult
    model: FormModel | None
    read: FormRead | PdfRead | None
    properties: Mapping[str, str]
    saved_at: date | None
    identity_lost: bool = False

    @property
    def not_asked(self) -> frozenset[str] | None:
        """The questions this form did not ask this child (see pepforms.asking)."""
        return left_out(self.model, self.read.missing) if self.model and self.read else None


def _unreadable(path: Path, finding: Finding) -> ReadOutcome:
    return ReadOutcome(unreadable_result(path, finding), None, None, {}, None)


def _missing_fields(model: FormModel, missing: list[str]) -> list[Finding]:
    out = []
    skipped = left_out(model, missing)  # left out of this child's form on purpose
    for pointer in missing:
        if is_within(pointer, skipped):
            continue
        section, label = model.describe(pointer)
        out.append(make("field-not-found", pointer=pointer,
                        section=section.title if section else "", label=label,
                        severity="warning"))
    return out


def _result(path: Path, model: FormModel, instance: Mapping[str, object],
            props: Mapping[str, str], findings: list[Finding], read_by: str,
            app: str) -> FormResult:
    child = instance.get("child", {})
    education = instance.get("education", {})
    pep = instance.get("pep", {})
    assert isinstance(child, dict) and isinstance(education, dict) and isinstance(pep, dict)
    name = " ".join(str(child[k]) for k in ("first_name", "last_name") if child.get(k))
    return FormResult(
        path=str(path), status="pass", findings=findings,
        form_id=props.get("form_id", ""), authority=model.authority, phase=model.phase,
        term=props.get("term", str(pep.get("term", ""))),
        child_id=props.get("child_id", str(child.get("child_id", ""))), read_by=read_by,
        application=app, instance=dict(instance), child_name=name,
        school=str(education.get("school_name", "")),
        school_urn=str(education.get("school_urn", "")))


def _read_pdf_file(path: Path, data: bytes) -> ReadOutcome:
    """A returned fillable PDF: identity from its info dictionary, answers from its fields."""
    # Loaded only for a PDF: most returned forms are Word files.
    from pepforms.pdf.reader import NOT_A_FORM_MESSAGE, PdfProblem, read_pdf, read_properties

    try:
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
    findings = list(read.findings) + _missing_fields(model, read.missing)
    result = _result(path, model, read.instance, props, findings, "pdf fields", "")
    return ReadOutcome(result, model, read, props, None)


class Unreadable(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


def read_form_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A returned file's bytes, read safely: never through a link, never from a pipe or device,
    never more than `limit` bytes (Unreadable with the finding otherwise)."""
    try:
        if path.is_symlink():  # a link could lead anywhere: it is not followed
            raise Unreadable(make("link-not-followed"))
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise Unreadable(make("file-unreadable", detail="it is not an ordinary file"))
        size = info.st_size
        if size > limit:
            raise Unreadable(make("too-large", detail=f"{size // 2**20} MB"))
        return path.read_bytes()
    except FileNotFoundError:
        raise Unreadable(make("file-not-found")) from None
    except OSError as exc:
        raise Unreadable(make("file-unreadable",
                              detail=exc.strerror or "unreadable")) from None


def unreadable_result(path: Path, finding: Finding) -> FormResult:
    return FormResult(path=str(path), status="unreadable", findings=[finding])


def read_form_file(path: Path) -> ReadOutcome:
    """Read one returned form (Word, or a fillable PDF); every problem becomes a finding."""
    try:
        data = read_form_file_bytes(path)
    except Unreadable as exc:
        return _unreadable(path, exc.finding)
    outcome = read_form_bytes(path, data)
    outcome.result.sha256 = hashlib.sha256(data).hexdigest()
    return outcome


def read_form_bytes(path: Path, data: bytes) -> ReadOutcome:
    """Read a returned form held in memory (`path` names it in findings; it is not opened)."""
    if is_pdf(data[:1024]):
        return _read_pdf_file(path, data)
    try:
        package = package_from_bytes(data)
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
    findings = list(identified.findings) + list(read.findings)
    app = application(package.app) or ""
    if read.method == "labels":
        findings.append(make("read-by-labels"))
    if app and not app.startswith(("Microsoft", "LibreOffice", "pepforms")):
        findings.append(make("saved-by-other-app", detail=app))
    expected = model.answer_count
    if len(read.missing) > expected * (1 - LABEL_MATCH_THRESHOLD):
        return _unreadable(path, make("not-a-pep-form", detail=""))
    findings += _missing_fields(model, read.missing)
    saved = last_saved(package.core)
    result = _result(path, model, read.instance, identified.properties, findings, read.method, app)
    result.trusted = dict(read.trusted)
    return ReadOutcome(result, model, read, identified.properties,
                       saved.date() if saved else None, identity_lost=identified.by_labels)
