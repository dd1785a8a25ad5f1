"""Uploaded files, taken in as hostile: sizes and counts bounded, zips read member by member in
memory (never extracted to a path from the zip), every file stored under a name the server made.

The stored name keeps only letters, digits and dashes of the name the file came under, in a
numbered folder of its own, so the checker's file-name checks (a form under another child's
name) work as they do for `validate`, and no sent text can reach outside the folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pepforms.checking import FORM_SUFFIXES
from pepforms.emails import EMAIL_SUFFIXES
from pepforms.fileio import atomic_write, inside
from pepforms.findings import Finding, make
from pepforms.terminal import printable
from pepforms.web.config import Limits, private_folder

_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
ZIP = ".zip"


class TooMany(Exception):
    """More files (or more unzipped data) than one upload may hold: nothing is checked."""


@dataclass(frozen=True)
class Stored:
    original: str  # as the browser (or the zip) named it, made printable: for display only
    path: Path  # where the server put it


@dataclass(frozen=True)
class Refused:
    original: str
    finding: Finding


@dataclass
class Upload:
    stored: list[Stored] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # zip members that are not forms


def display_name(name: str) -> str:
    """The last part of a sent name (browsers and zips may send folders), made printable."""
    return printable(re.split(r"[\\/]", name)[-1])[:200] or "unnamed file"


def stored_name(name: str) -> str:
    """A file name made from a sent one: its letters, digits and dashes, and a plain suffix."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    suffix = f".{ext.lower()}" if ext and _SUFFIX.fullmatch(f".{ext}") else ""
    clean = _NOT_NAME.sub("-", stem).strip("-_")[:100] or "upload"
    return clean + suffix


def _is_form_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    leaf = parts[-1]
    return (Path(leaf).suffix.lower() in FORM_SUFFIXES | EMAIL_SUFFIXES
            and not leaf.startswith(("~$", "."))
            and "__MACOSX" not in parts)


class _Intake:
    """One request's files, counted and sized as they are stored."""

    def __init__(self, folder: Path, limits: Limits) -> None:
        self.folder = private_folder(folder)
        self.limits = limits
        self.upload = Upload()
        self.count = 0
        self.unzipped = 0

    def _count_one(self) -> None:
        self.count += 1
        if self.count > self.limits.files:
            raise TooMany(f"At most {self.limits.files} files can be checked at once (the forms "
                          "inside a zip count one each). Send them in smaller batches.")

    def store(self, original: str, data: bytes) -> None:
        self._count_one()
        target = inside(self.folder, Path(f"{self.count:04d}") / stored_name(original))
        private_folder(target.parent)
        atomic_write(target, data)
        self.upload.stored.append(Stored(display_name(original), target))

    def too_large(self, original: str) -> None:
        self._count_one()
        self.upload.refused.append(Refused(display_name(original), make(
            "too-large", detail=f"more than {self.limits.file_mb} MB")))

    def take_zip(self, original: str, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            self.upload.refused.append(Refused(display_name(original), make(
                "damaged-file", detail="it is not a zip file that can be opened")))
            return
        with archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if not _is_form_member(info.filename):
                    self.upload.skipped.append(f"{display_name(original)}: "
                                               f"{display_name(info.filename)}")
                    continue
                self._member(archive, info, original)

    def _member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, original: str) -> None:
        shown = info.filename
        if info.file_size > self.limits.file_bytes:
            self.too_large(shown)
            return
        try:
            with archive.open(info) as handle:
                blob = handle.read(self.limits.file_bytes + 1)  # a size the header lied about
        except (zipfile.BadZipFile, RuntimeError, OSError, ValueError, EOFError,
                NotImplementedError) as exc:
            self._count_one()
            what = "it is encrypted" if "encrypted" in str(exc) else "it is damaged in the zip"
            self.upload.refused.append(Refused(display_name(shown), make(
                "damaged-file", detail=f"{what} ({display_name(original)})")))
            return
        if len(blob) > self.limits.file_bytes:
            self.too_large(shown)
            return
        self.unzipped += len(blob)
        if self.unzipped > self.limits.unzipped_bytes:
            raise TooMany(f"The zip files hold more than {self.limits.unzipped_bytes // 2**20} "
                          "MB of forms in all. Send them in smaller batches.")
        self.store(shown, blob)


def take_in(files: Iterable[tuple[str, IO[bytes]]], folder: Path, limits: Limits,
            zips: bool = True) -> Upload:
    """Store every sent file (and the forms inside sent zips) under server-made names."""
    intake = _Intake(folder, limits)
    for original, stream in files:
        is_zip = zips and Path(re.split(r"[\\/]", original)[-1]).suffix.lower() == ZIP
        cap = limits.request_bytes if is_zip else limits.file_bytes
        data = stream.read(cap + 1)
        if len(data) > cap:
            intake.too_large(original)
        elif is_zip:
            intake.take_zip(original, data)
        else:
            intake.store(original, data)
    return intake.upload
