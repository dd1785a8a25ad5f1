"""What a draft did and did not do, for a person to check: printed, and written as DRAFT-NOTES.md."""

from __future__ import annotations

from dataclasses import dataclass, field

LEFT_FOR_A_PERSON = (
    "The return window (`return_window` in authority.json, and `pepReturnedInTime` in the phase "
    "schema): how many working or calendar days after the meeting a school has to send the form "
    "back. The form does not say, so the draft has none.",
    "The quality assurance framework (`qa_framework`), term dates (`term_dates`), the PEP inbox "
    "(`pep_inbox`) and who must attend the meeting (`attendees`): see docs/schemas.md.",
    "Which answers are required: only those the form marks with '*' or '(required)' are. Add "
    "the others to `required` (docs/adding-an-authority.md shows how).",
    "Rules the guidance sets (a wellbeing target, at least three targets, PP+ requests costed, "
    "the first PEP within 20 working days, …): add them as in the bundled authorities.",
    "Labels the draft had to change to keep every label unique, and every guessed kind below.",
)


@dataclass
class Notes:
    """Everything a draft decided, with where on the form each thing was."""

    form: str = ""
    mapped: list[tuple[str, str, str]] = field(default_factory=list)  # where, label, pointer
    guessed: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # + kind, why
    added: list[tuple[str, str]] = field(default_factory=list)  # pointer, why
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)  # where, text, why
    rules: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # where, was, now
    lacking: list[tuple[str, str, str]] = field(default_factory=list)  # pointer, ref, why

    def placed(self) -> int:
        return len(self.mapped) + len(self.guessed)


def _bullet(text: str) -> str:
    return f"- {text}"


def markdown(notes: Notes, authority_id: str, phase: str) -> str:
    """DRAFT-NOTES.md for one phase's draft."""
    lines = [f"# DRAFT: {authority_id} / {phase}", "",
             f"Drafted by `pepforms authority new` from {notes.form}. Nothing here is final: read "
             "each list, then edit the schema (docs/adding-an-authority.md).", ""]
    lines += ["## Mapped to the core vocabulary", "",
              "The reports and exports of every authority read these.", ""]
    lines += [_bullet(f"{label!r} → `{pointer}` ({where})") for where, label, pointer in
              notes.mapped] or ["- nothing"]
    lines += ["", "## Guessed", "", "Each field's kind, and why when the form did not say.", ""]
    lines += [_bullet(f"{label!r} → `{pointer}`: {kind}" + (f" ({why})" if why else "")
                      + f" — {where}") for where, label, pointer, kind, why in notes.guessed] \
        or ["- nothing"]
    lines += ["", "## Core fields and columns the form lacks", "",
              "Decide for each: add it to the schema (a `$ref` to the common block named, as "
              "docs/adding-an-authority.md shows) and to the form, or leave it out; left out, the "
              "cross-authority reports show it as not asked for this authority.", ""]
    lines += [_bullet(f"`{pointer}`: {why}" + (f" (add: `{{\"$ref\": \"{ref}\"}}`)" if ref
                                                 else ""))
              for pointer, ref, why in notes.lacking] or ["- nothing: the form asks them all"]
    lines += ["", "## Added (not on the form)", ""]
    lines += [_bullet(f"`{pointer}`: {why}") for pointer, why in notes.added] or ["- nothing"]
    lines += ["", "## Changed", ""]
    lines += [_bullet(f"{was!r} → {now!r} ({where})") for where, was, now in notes.changed] \
        or ["- nothing"]
    lines += ["", "## Rules added", ""]
    lines += [_bullet(rule) for rule in notes.rules] or ["- none"]
    lines += ["", "## Could not place", "", "Text on the form that is not a question the draft "
              "could find an answer space for. Check that none of it is a question.", ""]
    lines += [_bullet(f"{text!r} ({where}): {why}") for where, text, why in notes.unplaced] \
        or ["- nothing"]
    lines += ["", "## Left for a person", ""]
    lines += [_bullet(text) for text in LEFT_FOR_A_PERSON]
    return "\n".join(lines) + "\n"


def summary(notes: Notes) -> list[str]:
    """The few lines `pepforms authority new` prints."""
    return [f"mapped to the core vocabulary: {len(notes.mapped)} "
            f"({', '.join(p for _, _, p in notes.mapped) or 'none'})",
            f"other fields (kinds guessed): {len(notes.guessed)}",
            f"added, not on the form: {len(notes.added)}"
            + (f" ({', '.join(p for p, _ in notes.added)})" if notes.added else ""),
            f"core fields and columns the form lacks: {len(notes.lacking)}"
            + (f" ({', '.join(p for p, _, _ in notes.lacking)}): decide whether to add them"
               if notes.lacking else ""),
            f"labels changed: {len(notes.changed)}",
            f"rules added: {len(notes.rules)}",
            f"could not place: {len(notes.unplaced)}"]
