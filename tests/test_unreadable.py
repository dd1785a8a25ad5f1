"""Files that cannot be read as PEP forms: one clear error finding each, and the batch goes on."""

from __future__ import annotations

import functools
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest

from pepforms.cases import Case, child_from_instance, discover, returned_form
from pepforms.checking import CheckOptions, read_form_file, validate
from pepforms.word.package import MAX_PART_BYTES

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"
TRANSITIONAL_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_NS = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
GOOD_NAME = "good-form.docx"


@pytest.fixture(scope="module")
def good_case() -> Case:
    return next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")


@pytest.fixture(scope="module")
def good_docx(good_case: Case) -> bytes:
    return returned_form(good_case)[1]


def rezip(source: bytes, *, drop: frozenset[str] | set[str] = frozenset(),
          replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
        for name, blob in (add or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def part(source: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(source)) as zf:
        return zf.read(name)


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob, compress_type=zipfile.ZIP_STORED if name == "mimetype"
                        else zipfile.ZIP_DEFLATED)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def too_large_docx(_good: bytes) -> bytes:
    """A zip whose word/document.xml unpacks to 100 MB: written in 1 MB chunks, ~100 KB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as handle:
            chunk = b" " * (1 << 20)
            for _ in range(100):
                handle.write(chunk)
    data = out.getvalue()
    assert len(data) < 1 << 20
    return data


def plain_docx(_good: bytes) -> bytes:
    document = docx.Document()
    document.add_heading("Shopping list", level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Item", "Milk"
    table.cell(1, 0).text, table.cell(1, 1).text = "Shop", "Corner shop"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def macro_docx(good: bytes) -> bytes:
    types = part(good, "[Content_Types].xml")
    assert WORD_MAIN in types
    return rezip(good, replace={"[Content_Types].xml": types.replace(WORD_MAIN, MACRO_MAIN)})


def strict_docx(good: bytes) -> bytes:
    body = part(good, "word/document.xml")
    assert TRANSITIONAL_NS in body
    return rezip(good, replace={"word/document.xml": body.replace(TRANSITIONAL_NS, STRICT_NS)})


# (file name, how to make it from the good form, code, words of the message that say what to do)
BAD_FILES: list[tuple[str, Callable[[bytes], bytes], str, tuple[str, ...]]] = [
    ("empty.docx", lambda g: b"", "damaged-file", ("empty", "send it again")),
    ("random.docx", lambda g: bytes((i * 7919 + 13) % 256 for i in range(4096)), "not-a-docx",
     ("not a Word document", "Word form they were sent")),
    ("old.doc", lambda g: OLE_MAGIC + b"\0" * 4088, "old-word-format",
     ("Save As", "Word Document (.docx)")),
    ("encrypted.docx", lambda g: OLE_MAGIC + b"\0" * 1016 + "EncryptedPackage".encode("utf-16-le")
     + b"\0" * 1024, "password-protected", ("password", "remove the password")),
    ("truncated.docx", lambda g: g[: len(g) // 2], "damaged-file", ("cut short", "send it again")),
    # A PDF is read as a fillable PEP form: this one is cut short (no cross-reference table).
    ("saved-as-pdf.docx", lambda g: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n",
     "damaged-file", ("damaged", "send it again")),
    ("saved-as.rtf", lambda g: rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Arial;}} PEP for Ava\par}",
     "not-a-docx", ("Rich Text", "Word form they were sent")),
    ("spreadsheet.docx", lambda g: zip_of({"[Content_Types].xml": b"<Types/>",
                                           "xl/workbook.xml": b"<workbook/>"}),
     "not-a-docx", ("Excel", "Word form they were sent")),
    ("macros.docx", macro_docx, "macro-enabled", ("macros", "without macros")),
    ("bomb.docx", too_large_docx, "too-large", ("100 MB", "send the form again")),
    ("strict.docx", strict_docx, "strict-open-xml", ("Strict Open XML", "normal Word Document")),
    ("opendocument.odt", lambda g: zip_of({"mimetype": b"application/vnd.oasis.opendocument.text",
                                           "content.xml": b"<office:document-content/>"}),
     "opendocument", ("OpenDocument", "save it as Word (.docx)")),
    ("shopping-list.docx", plain_docx, "not-a-pep-form", ("not one of the Virtual School's PEP forms",
                                                          "copy their answers into the form")),
    ("doctype.docx", lambda g: rezip(g, replace={"word/document.xml": part(g, "word/document.xml").replace(
        b"?>", b'?><!DOCTYPE w:document [<!ENTITY a "b">]>', 1)}),
     "damaged-file", ("malformed", "send it again")),
]


@pytest.mark.parametrize("name, make, code, advice", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_gives_one_error_and_the_rest_of_the_folder_is_checked(
        tmp_path: Path, good_docx: bytes, name: str, make: Callable[[bytes], bytes], code: str,
        advice: tuple[str, ...]) -> None:
    (tmp_path / GOOD_NAME).write_bytes(good_docx)
    bad = tmp_path / name
    bad.write_bytes(make(good_docx))
    report = validate([tmp_path])
    by_name = {Path(r.path).name: r for r in report.forms}
    assert set(by_name) == {GOOD_NAME, name}
    result = by_name[name]
    assert result.status == "unreadable"
    assert [(f.code, f.severity, f.pointer) for f in result.findings] == [(code, "error", "")]
    message = result.findings[0].message
    for words in advice:
        assert words in message
    assert result.instance is None
    good = by_name[GOOD_NAME]
    assert good.status == "pass", [f.code for f in good.findings]
    assert good.errors == 0 and good.authority == "cheshire-west"
    assert report.exit_code == 1
    assert report.counts() == {"pass": 1, "fail": 0, "unreadable": 1}


def test_too_large_is_refused_before_decompressing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(too_large_docx(b""))
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("word/document.xml").file_size == 100 * 2**20 > MAX_PART_BYTES
    [finding] = read_form_file(bomb).result.findings
    assert finding.code == "too-large"


def test_a_pdf_that_is_not_one_of_our_forms_says_so(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "last-term.pdf"
    page = canvas.Canvas(str(pdf))
    page.drawString(72, 720, "A letter, not a PEP form")
    page.save()
    [result] = validate([tmp_path]).forms  # PDFs in a folder are checked, not skipped
    assert result.path == str(pdf)
    assert [f.code for f in result.findings] == ["not-a-pep-form"]
    assert result.status == "unreadable"


def test_vba_project_part_is_macro_enabled(tmp_path: Path, good_docx: bytes) -> None:
    path = tmp_path / "with-macros.docx"
    path.write_bytes(rezip(good_docx, add={"word/vbaProject.bin": OLE_MAGIC + b"\0" * 64}))
    [finding] = read_form_file(path).result.findings
    assert finding.code == "macro-enabled"


def test_missing_path_is_file_not_found_and_the_folder_is_still_checked(
        tmp_path: Path, good_docx: bytes) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / GOOD_NAME).write_bytes(good_docx)
    missing = tmp_path / "not-there.docx"
    report = validate([folder, missing])
    by_name = {Path(r.path).name: r for r in report.forms}
    assert by_name[GOOD_NAME].status == "pass"
    result = by_name["not-there.docx"]
    assert result.status == "unreadable"
    assert [(f.code, f.severity) for f in result.findings] == [("file-not-found", "error")]
    assert "could not be found" in result.findings[0].message
    assert report.exit_code == 1


def test_malformed_document_xml_is_a_damaged_file(tmp_path: Path, good_docx: bytes) -> None:
    body = part(good_docx, "word/document.xml")
    path = tmp_path / "malformed.docx"
    path.write_bytes(rezip(good_docx, replace={"word/document.xml": body[: len(body) // 2]}))
    outcome = read_form_file(path)  # must not raise: every problem with a file is a finding
    assert [f.code for f in outcome.result.findings] == ["damaged-file"]
    assert "malformed" in outcome.result.findings[0].message
    assert "report this" not in outcome.result.findings[0].message


def test_malformed_document_xml_still_gives_one_damaged_file_finding_in_a_batch(
        tmp_path: Path, good_docx: bytes) -> None:
    body = part(good_docx, "word/document.xml")
    (tmp_path / GOOD_NAME).write_bytes(good_docx)
    (tmp_path / "malformed.docx").write_bytes(
        rezip(good_docx, replace={"word/document.xml": body[: len(body) // 2]}))
    by_name = {Path(r.path).name: r for r in validate([tmp_path]).forms}
    assert [(f.code, f.severity) for f in by_name["malformed.docx"].findings] == [("damaged-file", "error")]
    assert by_name[GOOD_NAME].status == "pass"


def _zip_encrypted(source: bytes) -> bytes:
    """The zip's own "encrypted" flag set on every member (a .docx put through a zip tool's password)."""
    data = bytearray(source)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_offset] |= 1
            at = data.find(signature, at + 4)
    return bytes(data)


def test_zip_encrypted_docx_is_a_file_problem_not_a_pepforms_fault(tmp_path: Path, good_docx: bytes) -> None:
    path = tmp_path / "zip-password.docx"
    path.write_bytes(_zip_encrypted(good_docx))
    [result] = validate([path]).forms
    [finding] = result.findings
    assert finding.code in {"password-protected", "damaged-file"}
    assert "report this" not in finding.message


# --- a form that lost its identity --------------------------------------------------------------

def test_form_without_custom_properties_is_read_but_never_passes_on_its_own(
        tmp_path: Path, good_docx: bytes, good_case: Case) -> None:
    path = tmp_path / "no-identity.docx"
    path.write_bytes(rezip(good_docx, drop={"docProps/custom.xml"}))
    [result] = validate([path], keep_answers=True).forms
    assert (result.authority, result.phase) == ("cheshire-west", "y1-11")
    # Identity lost and nothing trusted to vouch for the child's details: it fails.
    assert result.status == "fail"
    assert {(f.code, f.severity) for f in result.findings} == {
        ("identity-missing", "warning"), ("identity-unconfirmed", "error")}
    # The roster vouches for the child's id, names and date of birth: then it may pass.
    child = child_from_instance(good_case.instance, good_case.phase)
    [result] = validate([path], CheckOptions(roster={child.child_id: child}),
                        keep_answers=True).forms
    assert result.status == "pass"
    codes = [(f.code, f.severity) for f in result.findings]
    assert codes == [("identity-missing", "warning")]
    assert "Cheshire West and Chester" in result.findings[0].message
    assert result.read_by == "tags"
    assert result.form_id == ""
    assert result.child_id == good_case.instance["child"]["child_id"]
    assert result.term == good_case.instance["pep"]["term"]
    assert result.instance == good_case.instance


def test_form_without_custom_properties_or_controls_is_read_by_labels(
        tmp_path: Path, good_docx: bytes, good_case: Case) -> None:
    import re

    body = part(good_docx, "word/document.xml")
    # Drop the tags, captions and bookmarks, so only the label rows are left to go by.
    body = re.sub(rb"<w:tag [^>]*/>|<w:tblCaption [^>]*/>|<w:bookmark(Start|End) [^>]*/>", b"", body)
    path = tmp_path / "pasted.docx"
    path.write_bytes(rezip(good_docx, drop={"docProps/custom.xml"}, replace={"word/document.xml": body}))
    outcome = read_form_file(path)
    result = outcome.result
    assert (result.authority, result.phase) == ("cheshire-west", "y1-11")
    assert result.read_by == "labels"
    assert {f.code for f in result.findings} == {"identity-missing", "read-by-labels"}
    assert all(f.severity == "warning" for f in result.findings)
    assert result.instance == good_case.instance


# --- validate never changes a form ------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, Any]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_validate_never_modifies_the_forms(tmp_path: Path, good_docx: bytes, good_case: Case) -> None:
    (tmp_path / GOOD_NAME).write_bytes(good_docx)
    bad_case = next(c for c in discover("cheshire-west") if c.name == "attendance-unexplained")
    (tmp_path / "bad.docx").write_bytes(returned_form(bad_case)[1])
    (tmp_path / "truncated.docx").write_bytes(good_docx[: len(good_docx) // 2])
    (tmp_path / "macros.docx").write_bytes(macro_docx(good_docx))
    old = 1_600_000_000_000_000_000
    for p in tmp_path.iterdir():
        os.utime(p, ns=(old, old))  # a fixed time, so any write would show
    before = _snapshot(tmp_path)
    report = validate([tmp_path])
    assert [r.status for r in report.forms] == ["fail", "pass", "unreadable", "unreadable"]
    assert _snapshot(tmp_path) == before
    assert all(mtime == old for _, mtime in before.values())
