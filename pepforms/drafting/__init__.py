"""Drafting a new authority from the Word form it already uses (`pepforms authority new`).

The form is read into an outline by the Word layer (`pepforms.word.outline`); here the outline
becomes sections of questions (`reading`), each question goes to its pointer (`placing`, with the
core vocabulary in `vocabulary` and the kinds in `guess`), and the draft is assembled
(`assemble`) and written with its notes (`notes`): `<out>/<id>/authority.json`,
`<out>/<id>/<phase>.schema.json` and `<out>/<id>/DRAFT-NOTES.md`. `<out>` is then a schemas
folder (`--schemas <out>` or `PEPFORMS_SCHEMAS`) and the draft goes through the normal path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pepforms.calendar import PHASES
from pepforms.drafting.assemble import add_needed, authority_json, guess_phase, note_lacking, phase_schema
from pepforms.drafting.notes import Notes, markdown, summary
from pepforms.drafting.placing import Placer
from pepforms.drafting.reading import read_sections
from pepforms.errors import OutputExistsError, PepformsError
from pepforms.fileio import atomic_write
from pepforms.findings import CATALOGUE
from pepforms.word.ooxml import MalformedXML
from pepforms.word.outline import outline
from pepforms.word.package import PackageProblem, open_package

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
NOTES_FILE = "DRAFT-NOTES.md"


@dataclass(frozen=True)
class Draft:
    """What `draft_authority` made."""

    authority: dict[str, Any]
    schema: dict[str, Any]
    notes: Notes
    phase: str
    written: tuple[Path, ...] = ()

    def summary(self) -> list[str]:
        return summary(self.notes)


def draft_from_document(document_xml: bytes, authority_id: str, *, phase: str | None = None,
                        name: str | None = None, form_name: str = "the form") -> Draft:
    """The draft of a form's `word/document.xml` (nothing written)."""
    notes = Notes(form=form_name)
    blocks = outline(document_xml)
    title, sections, roles = read_sections(blocks, notes)
    if not sections:
        raise PepformsError(f"{form_name} has no questions pepforms could find: no label | answer "
                            "rows, tables, check boxes or form fields. Is it the blank form?")
    if phase is None:
        phase = guess_phase(" ".join(b.text for b in blocks[:40]))
    placer = Placer(notes)
    placed = placer.place(sections)
    note_lacking(placer, notes)
    add_needed(placer, notes)
    placed = [s for s in placer.order if s.items or s.array]
    display = name or authority_id.replace("-", " ").title()
    schema = phase_schema(authority_id, phase, title, placed, notes)
    return Draft(authority_json(authority_id, display, phase, roles), schema, notes, phase)


def _check(authority_id: str, phase: str | None) -> None:
    if not _ID.fullmatch(authority_id):
        raise PepformsError(f"'{authority_id}' cannot be an authority id: use lower-case letters, "
                            "digits and hyphens, like 'newtown' or 'north-shire'.")
    if phase is not None and phase not in PHASES:
        raise PepformsError(f"There is no phase called '{phase}'. Phases: {', '.join(PHASES)}.")


def _merged_authority(path: Path, draft: Draft) -> dict[str, Any]:
    """An authority.json already there gains the new phase (and roles); nothing else changes."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PepformsError(f"{path} cannot be read ({exc}); move it away or fix it.") from None
    phases = list(raw.get("phases", []))
    if draft.phase not in phases:
        phases.append(draft.phase)
    raw["phases"] = phases
    raw["roles"] = {**draft.authority.get("roles", {}), **raw.get("roles", {})}
    return dict(raw)


def _notes_text(path: Path, draft: Draft, authority_id: str) -> str:
    """DRAFT-NOTES.md: one part per phase drafted, the part of this phase replaced."""
    marker = f"<!-- phase: {draft.phase} -->"
    part = f"{marker}\n{markdown(draft.notes, authority_id, draft.phase)}"
    if not path.is_file():
        return part
    parts = re.split(r"(?=<!-- phase: [a-z0-9-]+ -->)", path.read_text(encoding="utf-8"))
    kept = [p for p in parts if p.strip() and not p.startswith(marker)]
    return "\n".join([*kept, part])


_RESAVE = "Open it in Word, save it as a new Word Document (.docx), and draft from that copy."
_FOR_DRAFTING = {  # what the person adding an authority should do (not "ask the school")
    "file-not-found": "there is no such file. Check the name and the folder.",
    "not-a-docx": "this is not a Word document (.docx){detail}. --from-form needs the blank form "
                  "as Word: " + _RESAVE[0].lower() + _RESAVE[1:],
    "old-word-format": "this is an old-style Word document (.doc). " + _RESAVE,
    "opendocument": "this was saved in OpenDocument format (.odt). " + _RESAVE,
    "strict-open-xml": "this was saved as 'Strict Open XML'. " + _RESAVE,
    "macro-enabled": "this document contains macros, which pepforms does not open. Save it as a "
                     "Word Document (.docx) without macros and draft from that copy.",
    "damaged-file": "this file is damaged or was not fully saved or copied ({detail}). " + _RESAVE,
    "corrupt-compressed-data": "part of this file is corrupt, so it cannot be unpacked. "
                               + _RESAVE,
    "password-protected": "this document is protected with a password. Remove the password in "
                          "Word (File › Info › Protect Document), save it, and draft from that.",
}


def _unreadable(form: Path, problem: PackageProblem) -> str:
    finding = problem.finding
    text = _FOR_DRAFTING.get(finding.code)
    if text is None:
        return f"{form}: {finding.message}"
    return f"{form}: {text.format(detail=_detail(finding.code, finding.message))}"


def _detail(code: str, message: str) -> str:
    """What a package finding's message put in its catalogue template's `{detail}`."""
    before, _, after = CATALOGUE[code].message.partition("{detail}")
    if not _ or not message.startswith(before.strip()):
        return ""
    rest = message[len(before):] if message.startswith(before) else message[len(before) - 1:]
    return rest[:len(rest) - len(after)] if after and rest.endswith(after) else rest


def draft_authority(form: Path, authority_id: str, out_dir: Path, *, phase: str | None = None,
                    name: str | None = None, force: bool = False) -> Draft:
    """Read `form` and write the draft authority under `out_dir/<authority_id>/`.

    A phase schema already there is replaced only with `force`; an authority.json already there
    gains the phase, so one authority's forms can be drafted one after another."""
    _check(authority_id, phase)
    try:
        package = open_package(form)
    except PackageProblem as problem:
        raise PepformsError(_unreadable(form, problem)) from None
    try:
        draft = draft_from_document(package.document, authority_id, phase=phase, name=name,
                                    form_name=form.name)
    except MalformedXML:
        raise PepformsError(f"{form}: the Word document's contents are damaged, so its questions "
                            f"cannot be read. {_RESAVE}") from None
    folder = out_dir / authority_id
    schema_file = folder / f"{draft.phase}.schema.json"
    if schema_file.exists() and not force:
        raise OutputExistsError(f"{schema_file} already exists; use --force to replace it.")
    authority_file = folder / "authority.json"
    authority = _merged_authority(authority_file, draft) if authority_file.is_file() \
        else draft.authority
    notes_file = folder / NOTES_FILE
    notes = _notes_text(notes_file, draft, authority_id)

    def dump(data: Any) -> bytes:
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    atomic_write(schema_file, dump(draft.schema), force=True)
    atomic_write(authority_file, dump(authority), force=True)
    atomic_write(notes_file, notes.encode("utf-8"), force=True)
    return Draft(authority, draft.schema, draft.notes, draft.phase,
                 (authority_file, schema_file, notes_file))
