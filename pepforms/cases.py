"""Sample returned-form cases: a good instance per phase and one per typical fault, with the findings
each must give. The demo fills them into forms; the test suite discovers and checks them.

A case file is JSON: either a whole instance, or
`{"description", "base": "good.json", "set": {pointer: value}, "remove": [pointer],
  "received": "YYYY-MM-DD", "file_name": "...", "tamper": {pointer: value},
  "typed": {pointer: "text as typed"}, "typed_in": "word" | "libreoffice",
  "expected": [[pointer, code], ...]}`.

`typed` puts text into the form as a person types it, after filling and unchecked ("TBC" in a
date, "92.4% (autumn term)", "Well-being" in a row inserted without drop-downs: a cell pointer
past the last row inserts rows). `typed_in: "libreoffice"` keeps the placeholder flag and style
(and stores a picked date), as LibreOffice does.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pepforms.calendar import Term
from pepforms.filling import fill_bytes
from pepforms.forms import form_content, template_path
from pepforms.generating import form_filename, prepared_template
from pepforms.resources import samples_dir
from pepforms.roster import Child
from pepforms.schema import form_model
from pepforms.word.fill import type_text
from pepforms.word.render import context_for


@dataclass(frozen=True)
class Case:
    authority: str
    phase: str
    name: str
    description: str
    instance: dict[str, Any] = field(repr=False)
    expected: tuple[tuple[str, str], ...]
    received: date | None = None
    file_name: str | None = None
    tamper: dict[str, Any] = field(default_factory=dict, repr=False)
    typed: dict[str, str] = field(default_factory=dict, repr=False)
    typed_in: str = "word"

    @property
    def id(self) -> str:
        return f"{self.authority}/{self.phase}/{self.name}"


def cases_root() -> Path:
    return samples_dir() / "cases"


def _pointer_parts(pointer: str) -> list[str]:
    return pointer.strip("/").split("/")


def set_pointer(instance: dict[str, Any], pointer: str, value: Any) -> None:
    parts = _pointer_parts(pointer)
    node: Any = instance
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        if last == "-":
            node.append(value)
        else:
            node[int(last)] = value
    else:
        node[last] = value


def remove_pointer(instance: dict[str, Any], pointer: str) -> None:
    parts = _pointer_parts(pointer)
    node: Any = instance
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        del node[int(parts[-1])]
    else:
        node.pop(parts[-1], None)


def load_case(path: Path, authority: str, phase: str) -> Case:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if "instance" not in raw and "base" not in raw:
        raw = {"instance": raw, "expected": []}
    if "base" in raw:
        base = load_case(path.parent / raw["base"], authority, phase)
        instance = copy.deepcopy(base.instance)
        received = base.received
    else:
        instance = raw["instance"]
        received = None
    for pointer in raw.get("remove", []):
        remove_pointer(instance, pointer)
    for pointer, value in raw.get("set", {}).items():
        set_pointer(instance, pointer, value)
    if raw.get("received"):
        received = date.fromisoformat(raw["received"])
    if received is None:
        meeting = instance.get("pep", {}).get("meeting_date")
        received = date.fromisoformat(meeting) + timedelta(days=1) if meeting else None
    return Case(
        authority=authority,
        phase=phase,
        name=path.stem,
        description=raw.get("description", ""),
        instance=instance,
        expected=tuple((p, c) for p, c in raw.get("expected", [])),
        received=received,
        file_name=raw.get("file_name"),
        tamper=raw.get("tamper", {}),
        typed=raw.get("typed", {}),
        typed_in=raw.get("typed_in", "word"),
    )


def discover(authority: str | None = None) -> list[Case]:
    root = cases_root()
    out = []
    for path in sorted(root.glob("*/*/*.json")):
        a, ph = path.parent.parent.name, path.parent.name
        if authority is None or a == authority:
            out.append(load_case(path, a, ph))
    return out


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def child_from_instance(instance: dict[str, Any], phase: str) -> Child:
    """The roster row a case's child would have come from."""
    c, care, ed = instance.get("child", {}), instance.get("care", {}), instance.get("education", {})
    return Child(
        child_id=c["child_id"], first_name=c.get("first_name", ""),
        last_name=c.get("last_name", ""), date_of_birth=date.fromisoformat(c["date_of_birth"]),
        upn=c.get("upn", ""), gender=c.get("gender", ""), legal_status=care.get("legal_status", ""),
        date_entered_care=_date(care.get("date_entered_care")),
        school_name=ed.get("school_name", ""), school_urn=ed.get("school_urn", ""),
        designated_teacher_name=ed.get("designated_teacher_name", ""),
        designated_teacher_email=ed.get("designated_teacher_email", ""),
        social_worker_name=care.get("social_worker_name", ""),
        social_worker_email=care.get("social_worker_email", ""),
        carer_name=care.get("carer_name", ""), year_group=int(c.get("year_group", 0)),
        curriculum="targeted" if phase == "targeted-curriculum" else "mainstream",
        phase=phase, line=0,
    )


def returned_form(case: Case) -> tuple[str, bytes]:
    """The file name and bytes of the form a school would return for this case.

    A case's `tamper` (a locked value changed behind the form's back) is for the tests, which
    apply it themselves (tests/tampering.py); the demo leaves such cases out.
    """
    model = form_model(case.authority, case.phase)
    term = Term.parse(case.instance["pep"]["term"])
    child = child_from_instance(case.instance, case.phase)
    template = prepared_template(template_path(case.authority, case.phase))
    content = form_content(model, child, term)
    blank = template.render(context_for(model, content), content.properties)
    saved = datetime(case.received.year, case.received.month, case.received.day, 16, 0) \
        if case.received else None
    data = fill_bytes(blank, case.instance, saved_at=saved).data
    if case.typed:
        data = type_text(model, data, case.typed, libreoffice=case.typed_in == "libreoffice")
    return case.file_name or form_filename(child, term), data
