"""Reading a filled fillable PDF back into an instance, with pypdf; its identity from the info dictionary.

Untrusted input: the size is bounded, pypdf runs non-strict with its own recursion and
decompression limits, and any error it raises on a malformed file becomes a `damaged-file`
finding. pypdf's log messages are silenced while it works, because some quote field text.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject

from pepforms import pointers
from pepforms.coercion import StandIn, coerce_text, table_item, value_not_understood
from pepforms.findings import Finding, make
from pepforms.pdf.sniff import is_pdf
from pepforms.schema import Field, FormModel, Table
from pepforms.values import ValueNotUnderstood

__all__ = ["MAX_PDF_BYTES", "PdfProblem", "PdfRead", "is_pdf", "pdf_properties", "quiet_pypdf",
           "read_pdf", "read_properties"]

MAX_PDF_BYTES = 50 * 1024 * 1024
INFO_PREFIX = "/Pepforms_"

# What pypdf may raise on a malformed file. pypdf's own errors are the usual ones; the others
# come from the parsing beneath it on hostile input.
_PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
    ArithmeticError, RecursionError, EOFError, OSError, UnicodeError, struct.error, zlib.error,
)

PASSWORD_MESSAGE = ("This PDF is protected with a password, so it cannot be read. Ask the school "
                    "to send the form again without a password, by secure email.")


NOT_A_FORM_MESSAGE = ("This PDF is not one of the Virtual School's fillable PEP forms: it has none of the "
                      "form's fill-in boxes. If it is a PEP, ask the school to copy their answers "
                      "into the form they were sent for this child and term.")


class PdfProblem(Exception):
    """Why a file cannot be read as a fillable PEP form; carries its finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


@dataclass
class PdfRead:
    """An instance read from a fillable PDF form."""

    instance: dict[str, Any]
    properties: dict[str, str]
    findings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # pointers of fields the PDF does not have
    # Stand-ins ("TBC", "N/A") typed where a date, number or choice was wanted: pointer → text.
    stand_ins: dict[str, str] = field(default_factory=dict)


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's log messages: some quote a field's text, which may be a child's details."""
    logger = logging.getLogger("pypdf")
    before = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(before)


def _problem(code: str, **values: str) -> PdfProblem:
    return PdfProblem(make(code, **values))


def _open(data: bytes) -> PdfReader:
    if len(data) > MAX_PDF_BYTES:
        raise _problem("too-large", detail=f"{len(data) // 2**20} MB")
    if not data:
        raise _problem("damaged-file", detail="the file is empty")
    if not is_pdf(data):
        raise _problem("damaged-file", detail="it is not a PDF")
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # Some PDFs are encrypted only to restrict printing or editing and open with no password.
        if not reader.decrypt(""):
            raise PdfProblem(make("password-protected", message=PASSWORD_MESSAGE))
    return reader


def _info(reader: PdfReader) -> dict[str, str]:
    info = reader.metadata
    if not info:
        return {}
    return {str(key)[len(INFO_PREFIX):]: str(value) for key, value in info.items()
            if str(key).startswith(INFO_PREFIX) and value is not None}


def read_properties(data: bytes) -> dict[str, str]:
    """The form's identity (`/Pepforms_*` info keys, prefix removed); {} if it has none.

    Raises PdfProblem when the file cannot be opened (`too-large`, `damaged-file`,
    `password-protected`), so a caller can say why rather than "not a PEP form".
    """
    try:
        with quiet_pypdf():
            return _info(_open(data))
    except PdfProblem:
        raise
    except _PDF_ERRORS:
        raise _problem("damaged-file", detail="its structure could not be read") from None


def pdf_properties(data: bytes) -> dict[str, str]:
    """The form's identity (`/Pepforms_*` info keys, prefix removed); {} if none or unreadable."""
    try:
        return read_properties(data)
    except PdfProblem:
        return {}


def _field_values(reader: PdfReader) -> dict[str, Any]:
    """Field name → its /V (None when unset), by qualified name and by partial name."""
    fields = reader.get_fields() or {}
    out: dict[str, Any] = {}
    for name, data in fields.items():
        out[str(name)] = data.get("/V")
    for data in fields.values():
        partial = data.get("/T")
        if partial is not None:
            out.setdefault(str(partial), data.get("/V"))
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # a multi-select list: our combos are single-select
        value = value[0] if value else None
        return _text(value)
    if isinstance(value, NameObject):
        return str(value)[1:]
    return str(value)


def _coerce(f: Field, value: Any) -> Any:
    """The typed value of a field's /V; raises ValueNotUnderstood."""
    if f.kind == "checkbox" and isinstance(value, NameObject):
        # A box's value is the name of its state: /Off, or its on-state (/Yes, or another name).
        return str(value) not in {"/Off", "/"}
    return coerce_text(f, _text(value))



def _row_indexes(table: Table, names: Mapping[str, Any]) -> list[int]:
    keys = {c.key for c in table.columns}
    pattern = re.compile(re.escape(table.pointer) + r"/(\d{1,4})/([^/]+)")
    found = set()
    for name in names:
        match = pattern.fullmatch(name)
        if match is not None and match[2] in keys:
            found.add(int(match[1]))
    return sorted(found)


def _read_table(model: FormModel, table: Table, values: Mapping[str, Any],
                read: PdfRead) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for row in _row_indexes(table, values):
        raws = [(col, values.get(col.at(row))) for col in table.columns]
        # Rows are numbered as the instance numbers them, as the Word reader does.
        got = table_item(model, table, len(items),
                         ((col, raw, _text(raw) or "") for col, raw in raws), _coerce)
        if got.item is not None:
            items.append(got.item)
            read.findings.extend(got.findings)
            read.stand_ins.update(got.stand_ins)
    return items


def _known_names(model: FormModel, names: Mapping[str, Any]) -> bool:
    if any(f.pointer in names for f in model.fields()):
        return True
    return any(_row_indexes(t, names) for t in model.tables())


def read_pdf(model: FormModel, data: bytes) -> PdfRead:
    """Read a filled fillable PDF against a form model.

    Raises PdfProblem (carrying a finding) when the file cannot be read as this kind of form:
    `too-large`, `damaged-file`, `password-protected`, or `not-a-pep-form` when it has none of
    the form's fields. Answers that cannot be understood are findings in the result.
    """
    try:
        with quiet_pypdf():
            reader = _open(data)
            values = _field_values(reader)
            properties = _info(reader)
    except PdfProblem:
        raise
    except _PDF_ERRORS:
        raise _problem("damaged-file", detail="its structure could not be read") from None
    if not values or not _known_names(model, values):
        raise PdfProblem(make("not-a-pep-form", message=NOT_A_FORM_MESSAGE))
    instance: dict[str, Any] = {s.key: {} for s in model.sections if not s.is_table}
    read = PdfRead(instance=instance, properties=properties)
    for f in model.fields():
        if f.pointer not in values:
            read.missing.append(f.pointer)
            continue
        raw = values[f.pointer]
        try:
            value = _coerce(f, raw)
        except ValueNotUnderstood as exc:
            read.findings.append(value_not_understood(model, f.pointer, str(exc),
                                                      _text(raw) or ""))
            continue
        if isinstance(value, StandIn):
            read.stand_ins[f.pointer] = str(value)
        elif value is not None:
            pointers.put(instance, f.pointer, value)
    for table in model.tables():
        if not _row_indexes(table, values):
            read.missing.append(table.pointer)
        pointers.put(instance, table.pointer, _read_table(model, table, values, read))
    return read
