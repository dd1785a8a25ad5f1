"""Writing outputs safely: atomically (never a half-written file), and never over a file without force.

`atomic_write` makes one file durable before it takes its name. A batch writes many files with
`StagedWrites`: the same guarantee, but the fsyncs are made together (the first flushes what the
others wrote), which costs a batch of forms about what one file's fsync costs instead of ~3 ms
each.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from types import TracebackType

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


class StagedWrites:
    """Files written to temporaries, then all made durable and renamed into place on `commit`.

    Use as a context manager: it commits when the block ends normally and removes every
    temporary when it does not, so an interrupted batch leaves no half-written file under a real
    name. As with `atomic_write`, an existing file is refused without `force`.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []

    def write(self, path: Path, data: bytes, *, force: bool = False) -> None:
        if path.exists() and not force:
            raise OutputExistsError(f"{path} already exists; use --force to replace it.")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".pepforms-", suffix=".part", dir=path.parent)
        self._staged.append((tmp, path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def commit(self) -> None:
        for tmp, _ in self._staged:
            fd = os.open(tmp, os.O_RDWR)  # Windows can only flush a handle open for writing
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for tmp, path in self._staged:
            os.replace(tmp, path)
        self._staged = []

    def discard(self) -> None:
        for tmp, _ in self._staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self._staged = []

    def __enter__(self) -> StagedWrites:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            try:
                self.commit()
            except BaseException:
                self.discard()
                raise
        else:
            self.discard()
