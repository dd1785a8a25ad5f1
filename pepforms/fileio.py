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


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def atomic_write(path: Path, data: bytes, *, force: bool = False, mode: int | None = None) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename.

    The file gets `mode`, or what the user's umask gives a new file.
    """
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; use --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pepforms-", suffix=".part", dir=path.parent)
    try:
        if mode is None:
            # mkstemp makes the file 0600; an output follows the user's umask like any other.
            mode = 0o666 & ~_umask()
        if hasattr(os, "fchmod"):  # not on Windows, where files have no such mode
            os.fchmod(fd, mode)
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
