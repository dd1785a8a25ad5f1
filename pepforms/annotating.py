"""Annotated copies of returned forms: each finding as a Word comment beside its answer.

The copies keep the folder structure under the output folder; the returned forms are never
touched. One form that cannot be annotated is reported and the others are still written.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pepforms.fileio import atomic_write
from pepforms.findings import ERROR, Finding, make
from pepforms.report.model import FormResult, Report
from pepforms.schema import form_model

WORD_READS = {"tags", "bookmarks", "labels"}


@dataclass(frozen=True)
class Annotated:
    source: str
    target: Path | None  # None when the copy could not be made
    problem: Finding | None = None


def to_annotate(report: Report) -> list[FormResult]:
    """The Word forms with findings that an annotated copy is made of."""
    return [r for r in report.forms if r.findings and r.status != "unreadable"
            and r.read_by in WORD_READS]


def annotation_targets(report: Report, out_dir: Path) -> dict[str, Path]:
    """Where each form's annotated copy goes (its source path → the copy's path)."""
    forms = to_annotate(report)
    if not forms:
        return {}
    base = Path(os.path.commonpath([str(Path(r.path).resolve().parent) for r in forms]))
    return {r.path: out_dir / Path(r.path).resolve().relative_to(base) for r in forms}


def _note_text(f: Finding) -> str:
    return f.message if f.severity == ERROR else f"Warning: {f.message}"


_MISSING = re.compile(r"no item named '([^']+)'")


def _bad_part(path: Path) -> str | None:
    """The first XML part of the package that does not parse, if any."""
    from pepforms.word.ooxml import parse_untrusted

    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")) and info.file_size < 2**26:
                    try:
                        parse_untrusted(zf.read(info))
                    except ValueError:
                        return info.filename
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def _why(path: Path, exc: Exception) -> Finding:
    """The catalogue finding for a copy that could not be made, as warning on the form."""
    missing = _MISSING.search(str(exc)) if isinstance(exc, KeyError) else None
    if missing:
        return make("missing-part", detail=missing.group(1), severity="warning")
    bad = _bad_part(path)
    if bad and "styles" in bad:
        return make("damaged-styles", severity="warning", note=bad)
    return make("annotate-failed", severity="warning",
                note=f"{type(exc).__name__}" + (f" in {bad}" if bad else ""))


def _source_bytes(result: FormResult) -> bytes:
    """The returned form as it came: read again from its email when it was attached to one
    (an attachment is never saved; only its annotated copy is written)."""
    if not result.email:
        return Path(result.path).read_bytes()
    from pepforms.emails import attached_file

    data = attached_file(Path(result.email), result.sha256)
    if data is None:
        raise FileNotFoundError("the attachment is no longer in its email")
    return data


def annotate(report: Report, out_dir: Path, *, force: bool = False) -> list[Annotated]:
    """Write the annotated copies; one outcome per form that has findings."""
    from pepforms.word.annotate import Note, annotate_docx

    out = []
    for source, target in annotation_targets(report, out_dir).items():
        result = next(r for r in report.forms if r.path == source)
        notes = [Note(f.pointer, _note_text(f)) for f in result.findings]
        try:
            data = annotate_docx(form_model(result.authority, result.phase),
                                 _source_bytes(result), notes)
        except Exception as exc:  # one form's fault never stops the others' copies
            out.append(Annotated(source, None, _why(Path(source), exc)))
            continue
        atomic_write(target, data, force=force)
        out.append(Annotated(source, target))
    return out
