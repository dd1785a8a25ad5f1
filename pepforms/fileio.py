"""Writing outputs safely: atomically (never a half-written file), and never over a file without force."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from pepforms.errors import OutputExistsError, PepformsError

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}
TEMP_PREFIX, TEMP_SUFFIX = ".pepforms-", ".part"  # an unfinished write; removed by the next run
NAME_BYTES = 200  # a whole file name, well under the 255 bytes Linux, macOS and Windows allow


def _fit(text: str, max_bytes: int) -> str:
    """`text` cut (at a character boundary) to at most `max_bytes` of UTF-8."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def safe_name(text: str, fallback: str = "unnamed", max_bytes: int = 80) -> str:
    """One file or folder name a person can read, safe on Windows, macOS and Linux.

    Separators, control characters and characters Windows forbids become spaces; leading and
    trailing dots and spaces go (so "..", "." and "x." cannot mean anything else); a reserved
    Windows device name (CON, LPT1, ...) gets an underscore; the name is cut to `max_bytes`.
    """
    name = unicodedata.normalize("NFC", text)
    name = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in name)
    name = re.sub(r"\s+", " ", _UNSAFE.sub(" ", name))
    name = _fit(name.strip(" ."), max_bytes).strip(" .")
    if not name:
        return fallback
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name


def inside(out_dir: Path, relative: Path) -> Path:
    """`out_dir / relative`, refused (PepformsError) unless it resolves inside `out_dir`."""
    target = out_dir / relative
    try:
        target.resolve().relative_to(out_dir.resolve())
    except ValueError:
        raise PepformsError(f"A file name built from the roster would fall outside {out_dir}; "
                            "nothing was written.") from None
    return target


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
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
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


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files an interrupted run left in `folder` (e.g. after `kill -9`)."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` unless it already holds exactly that (True if written), so a
    re-run leaves files that are already right untouched."""
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data, force=True)
    return True
