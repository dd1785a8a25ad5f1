"""Checks every command makes before it does any work: inputs exist, outputs can be written and
never land on, in or around an input."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pepforms.errors import OutputExistsError, PepformsError


def require_inputs(paths: Iterable[Path], what: str = "file or folder") -> None:
    for path in paths:
        if not path.exists():
            raise PepformsError(f"{path} does not exist: give a {what} that does.")


def _inside(inner: Path, outer: Path) -> bool:
    try:
        inner.resolve().relative_to(outer.resolve())
        return True
    except ValueError:
        return False


def refuse_overlap(output: Path, inputs: Iterable[Path], what: str) -> None:
    """An output folder that is, contains or lies inside an input is refused: nothing an input
    holds may ever be replaced."""
    for source in inputs:
        clash = _inside(source, output) or (source.is_dir() and _inside(output, source))
        if clash:
            raise PepformsError(
                f"The {what} {output} overlaps the input {source}: choose a folder of its own, "
                "outside the forms being read, so no returned form can ever be overwritten.")


def check_output_file(path: Path | None, inputs: Iterable[Path], force: bool) -> None:
    """A report file: not an input, not a folder, and not there already unless `force`."""
    if path is None:
        return
    for source in inputs:
        if source.exists() and path.exists() and path.resolve() == source.resolve():
            raise PepformsError(f"{path} is one of the inputs; write the report somewhere else.")
    if path.is_dir():
        raise PepformsError(f"{path} is a folder; give a file name for the report.")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; use --force to replace it.")
    if path.parent.exists() and not path.parent.is_dir():
        raise PepformsError(f"{path.parent} is a file, not a folder.")


def check_output_folder(path: Path, force: bool, *, must_be_empty: bool = True) -> None:
    """An output folder: not a file; if it exists and holds anything, only with `force`."""
    if path.exists() and not path.is_dir():
        raise PepformsError(f"{path} is a file, not a folder: give a folder for the output.")
    if must_be_empty and not force and path.is_dir() and any(path.iterdir()):
        raise OutputExistsError(f"{path} already holds files; use a new folder, or --force to "
                                "replace what is there.")
