"""The draft as files' contents: the phase schema and authority.json, with the rules it can infer.

Rules added: `required` where the form marks an answer mandatory ('*', '(required)'), and, when
the form asks the attendance percentage, the reasons for absence and the strategies, the
statutory "below 95% needs an explanation and strategies" exactly as the bundled common block
says it. Fields pepforms needs to pre-fill and match a form (the child's id and name, date of
birth, the term) are added when the form lacks them.
"""

from __future__ import annotations

import re
from typing import Any

from pepforms.calendar import PHASES
from pepforms.drafting import vocabulary as v
from pepforms.drafting.notes import Notes
from pepforms.drafting.placing import Item, Placer, Section
from pepforms.formmodel import PHASE_TITLES

ATTENDANCE_RULE: dict[str, Any] = {
    "if": {"properties": {"percentage": {"exclusiveMaximum": 95}}, "required": ["percentage"]},
    "then": {"required": ["explanation", "strategies"], "x-code": "attendance-not-explained"},
    "x-guidance": "AUTHORITIES.md, common to all (statutory): “Attendance below 95%: an "
                  "explanation and strategies to improve it (error)”. Added by the draft because "
                  "the form asks all three.",
}

_ADDED_WHY = {
    "/child/child_id": "pepforms matches a returned form to the child by it (pre-filled, locked)",
    "/child/first_name": "pre-filled from the roster; reports name the child by it",
    "/child/last_name": "pre-filled from the roster; reports name the child by it",
    "/child/date_of_birth": "pre-filled from the roster; it tells two children of one name apart",
    "/pep/term": "pre-filled: the term the form is for",
}


def add_needed(placer: Placer, notes: Notes) -> None:
    """The fields pepforms itself needs, at the start of their sections, when the form lacks them."""
    for pointer in v.NEEDED:
        if pointer in placer.taken:
            continue
        group, key = pointer.strip("/").split("/")
        home = placer.section(group)
        if home is None:
            home = Section(group, v.SECTION_TITLES[group])
            at = 0 if group == "child" else (1 if placer.section("child") else 0)
            placer.order.insert(at, home)
        core = next(c for c in v.FIELDS if c.pointer == pointer)
        title = placer.unique_label(_default_title(core.ref), home, "added")
        at = sum(1 for i in home.items if i.core in v.NEEDED)
        home.items.insert(at, Item(key, title, {"$ref": core.ref, "title": title}, "added",
                                   core=pointer))
        placer.taken.add(pointer)
        notes.added.append((pointer, _ADDED_WHY[pointer]))


def note_lacking(placer: Placer, notes: Notes) -> None:
    """The core fields, tables and table columns the form does not ask, for a person to decide."""
    for core in v.FIELDS:
        if core.pointer != v.FULL_NAME and core.pointer not in placer.taken and \
                core.pointer not in v.NEEDED and core.pointer in v.WHY_CORE:
            notes.lacking.append((core.pointer, core.ref, f"not on the form; {v.WHY_CORE[core.pointer]}"))
    tables = {i.core: i for s in placer.order for i in [*s.items, s.array] if i and i.core}
    for pointer in v.LACK_CHECKED_TABLES:
        table = tables.get(pointer)
        if table is None:
            notes.lacking.append((pointer, "", f"no such table on the form; {v.WHY_CORE[pointer]}"))
            continue
        have = table.node.get("items", {}).get("properties", {})
        for column in v.CORE_TABLE_COLUMNS.get(pointer, ()):
            if column not in have:
                ref = next(c.ref for c in v.COLUMNS[pointer] if c.pointer == column)
                notes.lacking.append((f"{pointer}/*/{column}", ref, f"the table has no "
                                      f"'{column.replace('_', ' ')}' column; {v.WHY_CORE[column]}"))


def _default_title(ref: str) -> str:
    key = ref.rsplit("/", 1)[1]
    return {"child_id": "Child ID (social care)", "first_name": "First name",
            "last_name": "Last name", "date_of_birth": "Date of birth", "term": "Term"}[key]


def _object(section: Section, notes: Notes) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "title": section.title}
    if section.role:
        node["x-role"] = section.role
    if section.guidance:
        node["description"] = section.guidance
    node["properties"] = {i.key: i.node for i in section.items}
    required = [i.key for i in section.items if i.required]
    if required:
        node["required"] = required
        notes.rules.append(f"required (marked on the form): "
                           f"{', '.join(f'/{section.key}/{k}' for k in required)}")
    keys = {i.core for i in section.items}
    if section.key == "attendance" and {"/attendance/percentage", "/attendance/explanation",
                                        "/attendance/strategies"} <= keys:
        node["allOf"] = [ATTENDANCE_RULE]
        notes.rules.append("attendance below 95% needs the reasons and the strategies "
                           "(attendance-not-explained), as the bundled common block has it")
    return node


def phase_schema(authority_id: str, phase: str, title: str, sections: list[Section],
                 notes: Notes) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for section in sections:
        if section.array is not None:
            node = dict(section.array.node)
            node["title"] = section.title
            if section.role:
                node.setdefault("x-role", section.role)
            properties[section.key] = node
            if section.items:  # cannot happen: array sections hold only their table
                raise AssertionError(section.key)
        else:
            properties[section.key] = _object(section, notes)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://pepforms.invalid/schemas/{authority_id}/{phase}.schema.json",
        "title": title or f"Personal Education Plan: {PHASE_TITLES[phase]}",
        "description": "DRAFT made by `pepforms authority new`: read DRAFT-NOTES.md.",
        "x-authority": authority_id,
        "x-phase": phase,
        "x-version": "0.1.0",
        "type": "object",
        "properties": properties,
    }


def authority_json(authority_id: str, name: str, phase: str,
                   roles: dict[str, str]) -> dict[str, Any]:
    code = re.sub(r"[^A-Z0-9]", "", authority_id.upper())[:8] or "PEP"
    return {
        "id": authority_id,
        "code": code,
        "name": name,
        "virtual_school": f"{name} Virtual School",
        "phases": [phase],
        "branding": {"header": f"{name} Virtual School — Personal Education Plan",
                     "footer": "OFFICIAL-SENSITIVE: contains personal information about a child "
                               "in care. Send by secure email only."},
        "roles": roles,
        "_draft": "Made by `pepforms authority new`; see DRAFT-NOTES.md for what to check.",
    }


def guess_phase(text: str) -> str:
    """The phase a form's words name, else Year 1 to Year 11."""
    words = text.lower()
    if re.search(r"early years|eyfs|nursery|pre-school", words):
        return "early-years"
    if re.search(r"post[- ]?16|year 12|y12|sixth form|college", words):
        return "post-16"
    if re.search(r"targeted curriculum", words):
        return "targeted-curriculum"
    return "y1-11" if "y1-11" in PHASES else PHASES[0]
