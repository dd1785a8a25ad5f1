"""Writing outputs safely: atomically (never a half-written file), and never over a file without force."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from pepforms.errors import OutputExistsError

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def safe_name(text: str, fallback: str = "unnamed") -> str:
    """A file or folder name a person can read, safe on Windows, macOS and Linux."""
    name = _UNSAFE.sub(" ", text).strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    return name[:80].strip() or fallback


def atomic_write(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename."""
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; use --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pepforms-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
