"""Opening a returned .docx safely: what kind of file it is, zip-bomb limits, macros, Strict OOXML.

Untrusted input: the zip's central directory is checked before anything is decompressed, every
part is read with a size bound, and XML is parsed without entities or DTDs.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pepforms.findings import Finding, make

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 3000
MAX_PART_BYTES = 60 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200  # uncompressed : compressed, for parts larger than 1 MB

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
STRICT_NS = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
XML_PARTS = ("word/document.xml", "docProps/custom.xml", "docProps/app.xml", "docProps/core.xml",
             "[Content_Types].xml")


class PackageProblem(Exception):
    """Why a file cannot be read as a Word form; carries its finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


@dataclass(frozen=True)
class WordPackage:
    """The parts of a .docx that pepforms reads, as bytes (None when absent)."""

    document: bytes
    custom: bytes | None
    app: bytes | None
    core: bytes | None
    content_types: bytes | None


def _problem(code: str, **values: str) -> PackageProblem:
    return PackageProblem(make(code, **values))


def _sniff(data: bytes) -> None:
    head = data[:8]
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data[: 4 * 1024 * 1024]:
            raise _problem("password-protected")
        raise _problem("old-word-format")
    if head.startswith(b"{\\rtf"):
        raise _problem("not-a-docx", detail=" (it is a Rich Text file)")
    if head.startswith(b"%PDF"):
        raise _problem("not-a-docx", detail=" (it is a PDF)")
    if not head.startswith(b"PK"):
        if not head:
            raise _problem("damaged-file", detail="the file is empty")
        raise _problem("not-a-docx", detail="")


def _check_directory(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _problem("too-large", detail=f"{len(infos)} parts")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name:
            # Never in a document Word saved: a file made to escape wherever it is unpacked.
            raise _problem("suspicious-contents", detail="a part named to escape its folder")
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise _problem("too-large", detail=f"one part is {info.file_size // 2**20} MB")
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _problem("too-large", detail="a part is compressed suspiciously well")
    if total > MAX_TOTAL_BYTES:
        raise _problem("too-large", detail=f"{total // 2**20} MB uncompressed")


def _read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    with zf.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise _problem("damaged-file", detail="a part is longer than the file says")
    return data


def open_package(path: Path) -> WordPackage:
    """The parts of a .docx; raises PackageProblem with a finding that says what to do."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _problem("too-large", detail=f"{size // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise _problem("file-not-found") from None
    except OSError as exc:
        raise _problem("file-unreadable", detail=exc.strerror or type(exc).__name__) from None
    return package_from_bytes(data)


def _refuse_other_kinds(zf: zipfile.ZipFile) -> bytes | None:
    """An OpenDocument file, a macro-enabled document, a workbook: each says what it is.
    Returns [Content_Types].xml (read here)."""
    names = set(zf.namelist())
    mimetype = _read(zf, "mimetype") if "mimetype" in names else None
    if mimetype and b"opendocument" in mimetype:
        raise _problem("opendocument")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _problem("macro-enabled")
    content_types = _read(zf, "[Content_Types].xml")
    if content_types and b"macroEnabled" in content_types:
        raise _problem("macro-enabled")
    if "word/document.xml" not in names:
        if any(n.startswith("xl/") for n in names):
            raise _problem("not-a-docx", detail=" (it is an Excel workbook)")
        if any(n.startswith("ppt/") for n in names):
            raise _problem("not-a-docx", detail=" (it is a PowerPoint file)")
        raise _problem("not-a-docx", detail="")
    return content_types


def package_from_bytes(data: bytes) -> WordPackage:
    """The parts of a .docx held in memory, with the same checks as `open_package`."""
    if len(data) > MAX_FILE_BYTES:
        raise _problem("too-large", detail=f"{len(data) // 2**20} MB")
    _sniff(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_directory(zf)
            parts = {"[Content_Types].xml": _refuse_other_kinds(zf)}
            parts.update((name, _read(zf, name)) for name in XML_PARTS if name not in parts)
    except PackageProblem:
        raise
    except RuntimeError as exc:  # zipfile: "File … is encrypted, password required"
        if "encrypted" in str(exc) or "password" in str(exc):
            raise _problem("password-protected") from None
        raise _problem("damaged-file", detail="it cannot be unpacked") from None
    except zlib.error:
        raise _problem("corrupt-compressed-data") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        raise _problem("damaged-file", detail=_plain(exc)) from None
    document = parts["word/document.xml"] or b""
    if STRICT_NS in document[:4096]:
        raise _problem("strict-open-xml")
    return WordPackage(document=document, custom=parts["docProps/custom.xml"],
                       app=parts["docProps/app.xml"], core=parts["docProps/core.xml"],
                       content_types=parts["[Content_Types].xml"])


def _plain(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "a checksum does not match"
    if "not a zip" in text.lower() or "truncated" in text.lower() or isinstance(exc, EOFError):
        return "it is cut short"
    return "it cannot be unpacked"
