"""Last term's returned forms: what carries into this term's form, and the record that goes with it.

`generate --previous DIR` reads last term's returned forms (Word, fillable PDF, or the JSON of
`pepforms read`), matches them to the roster by child id, and for each child:
- fills this term's "review of previous targets" with last term's targets (the core vocabulary:
  `/previous_targets` rows from last term's `/targets`);
- carries forward what does not change term to term (`x-carry-forward` fields and tables),
  unlocked so the school can correct it.
A child with no previous form is fine. A previous form that cannot be used (unreadable, for a
child no longer on the roster, an older duplicate) is listed with the reason, never dropped
silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.checking import CheckOptions, check_file, collect_paths
from pepforms.findings import Finding
from pepforms.forms import Carried
from pepforms.matching import differs_from_roster
from pepforms.roster import Child
from pepforms.schema import FormModel

PREVIOUS_TABLE = "/previous_targets"
TARGETS = "/targets"
REVIEW_ONLY = {"progress", "comment"}  # filled in at this term's review, not carried


@dataclass
class PreviousForm:
    """One of last term's returned forms."""

    path: Path
    child_id: str
    term: str
    instance: dict[str, Any] = field(repr=False)
    authority: str = ""  # empty for JSON (taken to be the batch's authority)
    phase: str = ""
    form_id: str = ""
    findings: list[Finding] = field(default_factory=list, repr=False)


@dataclass
class PreviousSet:
    forms: dict[str, PreviousForm]  # by child id
    unused: list[tuple[str, str]]  # (file, reason) for every file that was not used

    def for_child(self, child: Child) -> PreviousForm | None:
        """The previous form of a roster child, if it is really theirs (name and date of birth
        agree with the roster: carrying another child's plan would be a data breach)."""
        form = self.forms.get(child.child_id)
        if form is None or not same_child(form.instance, child):
            return None
        return form

    def leftovers(self, children: Iterable[Child]) -> list[tuple[str, str]]:
        """Files not used: unreadable, repeated, not on the roster, or not matching it."""
        kids = {c.child_id: c for c in children}
        out = list(self.unused)
        for child_id, form in sorted(self.forms.items()):
            if child_id not in kids:
                out.append((str(form.path), f"child {child_id} is not on this term's roster"))
            elif not same_child(form.instance, kids[child_id]):
                out.append((str(form.path), f"the name or date of birth does not match the "
                                            f"roster for child {child_id}: check it is the same "
                                            "child (it was not used)"))
        return sorted(out)


def same_child(instance: Mapping[str, Any], child: Child) -> bool:
    """Whatever name and date of birth the form records agree with the roster's."""
    on_form = instance.get("child", {}) if isinstance(instance.get("child"), Mapping) else {}
    return not differs_from_roster(on_form, child)


def _term_key(term: str) -> tuple[int, int]:
    try:
        t = Term.parse(term)
        return (t.year, t.season_index)
    except ValueError:
        return (0, 0)


def _from_json(path: Path) -> PreviousForm | str:
    try:
        instance = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "it is not readable JSON"
    if not isinstance(instance, dict):
        return "it is not a form's answers (expected the JSON that `pepforms read` prints)"
    child_id = str(instance.get("child", {}).get("child_id", "")).strip()
    if not child_id:
        return "it has no child id (/child/child_id)"
    return PreviousForm(path, child_id, str(instance.get("pep", {}).get("term", "")), instance)


def _from_form(path: Path) -> PreviousForm | str:
    result = check_file(path, CheckOptions())
    if result.status == "unreadable" or result.instance is None:
        return result.findings[0].message if result.findings else "it could not be read"
    child_id = result.child_id or str(result.instance.get("child", {}).get("child_id", ""))
    if not child_id:
        return "it has no child id"
    return PreviousForm(path, child_id, result.term, result.instance, result.authority,
                        result.phase, result.form_id, result.findings)


def load_previous(folder: Path) -> PreviousSet:
    """Every usable previous form in a folder (and its sub-folders), by child id."""
    paths = collect_paths([folder]) + sorted(p for p in folder.rglob("*.json") if p.is_file())
    forms: dict[str, PreviousForm] = {}
    unused: list[tuple[str, str]] = []
    for path in paths:
        if path.name in {"report.json"}:
            continue
        loaded = _from_json(path) if path.suffix.lower() == ".json" else _from_form(path)
        if isinstance(loaded, str):
            unused.append((str(path), loaded))
            continue
        other = forms.get(loaded.child_id)
        if other is None:
            forms[loaded.child_id] = loaded
            continue
        newer, older = (loaded, other) if _term_key(loaded.term) > _term_key(other.term) \
            else (other, loaded)
        forms[loaded.child_id] = newer
        unused.append((str(older.path), f"an older or repeated form for child {older.child_id} "
                                        f"(used {newer.path.name})"))
    return PreviousSet(forms, sorted(unused))



def _rows(instance: Mapping[str, Any], pointer: str, keys: set[str]) -> list[Mapping[str, Any]]:
    """The rows of a table in last term's answers, keeping only the given columns."""
    return [{k: v for k, v in row.items() if k in keys}
            for row in pointers.get(instance, pointer) or [] if isinstance(row, Mapping)]


def carried_for(model: FormModel, previous: PreviousForm) -> Carried:
    """What last term's answers put into this term's form."""
    values = {}
    for f in model.fields():
        if f.carry_forward and not f.prefill:
            value = pointers.get(previous.instance, f.pointer)
            if value not in (None, ""):
                values[f.pointer] = value
    tables: dict[str, list[Mapping[str, Any]]] = {}
    for table in model.tables():
        if table.pointer == PREVIOUS_TABLE:
            keys = {c.key for c in table.columns} - REVIEW_ONLY
            rows = [r for r in _rows(previous.instance, TARGETS, keys) if r.get("target")]
        elif table.carry_forward:
            rows = _rows(previous.instance, table.pointer, {c.key for c in table.columns})
        else:
            continue
        if rows:
            tables[table.pointer] = rows
    return Carried(values=values, tables=tables)
