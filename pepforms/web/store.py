"""The page's own folder: uploaded returns, annotated copies, packs and finalised PDFs.

Every file is found by an id the server made (a random hex id, or a SHA-256 the register holds),
never by a path or name a user sent. The folder is readable by this user alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

from pepforms.fileio import atomic_write
from pepforms.web.config import private_folder

_ID = re.compile(r"[0-9a-f]{32}")
_SHA = re.compile(r"[0-9a-f]{64}")
META = "meta.json"


class NotFound(Exception):
    """No such id, or not one this server made."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileStore:
    """The folders under the page's own folder, each file reached through an id."""

    def __init__(self, root: Path) -> None:
        self.root = private_folder(root).resolve()
        for part in ("batches", "packs", "annotated", "finalised"):
            private_folder(self.root / part)

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(16)

    def _by_id(self, kind: str, ident: str, create: bool) -> Path:
        if not _ID.fullmatch(ident):
            raise NotFound(ident)
        folder = self.root / kind / ident
        if create:
            private_folder(folder)
        elif not folder.is_dir():
            raise NotFound(ident)
        return folder

    def batch(self, ident: str, *, create: bool = False) -> Path:
        """The folder of one upload of returned forms."""
        return self._by_id("batches", ident, create)

    def pack(self, ident: str, *, create: bool = False) -> Path:
        """The folder of one termly pack (roster, forms, zip)."""
        return self._by_id("packs", ident, create)

    def _by_sha(self, kind: str, sha256: str, suffix: str) -> Path:
        if not _SHA.fullmatch(sha256):
            raise NotFound(sha256)
        return self.root / kind / f"{sha256}{suffix}"

    def annotated(self, source_sha256: str) -> Path:
        """The annotated copy of the returned file with this SHA-256."""
        return self._by_sha("annotated", source_sha256, ".docx")

    def finalised(self, pdf_sha256: str) -> Path:
        """The finalised PDF with this SHA-256."""
        return self._by_sha("finalised", pdf_sha256, ".pdf")

    def owns(self, path: str | Path) -> Path | None:
        """The file, when it is a regular file inside this folder (a register path may be any)."""
        try:
            resolved = Path(path).resolve()
            resolved.relative_to(self.root)
        except (ValueError, OSError):
            return None
        return resolved if resolved.is_file() and not Path(path).is_symlink() else None

    def batches(self) -> list[tuple[str, dict[str, Any]]]:
        """Every upload batch (id, meta), newest first."""
        out = []
        for folder in (self.root / "batches").iterdir():
            if _ID.fullmatch(folder.name) and (folder / META).is_file():
                out.append((folder.name, read_meta(folder)))
        return sorted(out, key=lambda item: str(item[1].get("created", "")), reverse=True)


def write_meta(folder: Path, data: dict[str, Any]) -> None:
    atomic_write(folder / META, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"),
                 force=True)


def read_meta(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(folder.name) from None
    if not isinstance(data, dict):
        raise NotFound(folder.name)
    return data
