"""Where each question goes: section keys, the core vocabulary's pointers, field keys and labels.

A section is keyed by the core group most of its core fields belong to (`child`, `attendance`, …)
or by its title. A core field in a section of another group moves to that group's section (made
right after, when the form has none), so its pointer means what it means on every form; a core
table is a section of its own (`/targets`) or goes in its section (`/meeting/attendees`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pepforms.drafting import vocabulary as v
from pepforms.drafting.guess import clean_label, guess
from pepforms.drafting.notes import Notes
from pepforms.drafting.reading import RawItem, RawSection
from pepforms.word.outline import Slot

ARRAY_GROUPS = {"targets", "previous_targets"}
_CHILDISH = re.compile(r"child|young person|pupil|personal|about|learner|student|details",
                       re.IGNORECASE)


@dataclass
class Item:
    key: str
    title: str
    node: dict[str, Any]
    where: str
    required: bool = False
    core: str | None = None  # the core pointer it is at


@dataclass
class Section:
    key: str
    title: str
    role: str | None = None
    guidance: str = ""
    items: list[Item] = field(default_factory=list)
    array: Item | None = None  # a section that is one table (`/targets`)


def _core_of(item: RawItem, section: RawSection) -> str | None:
    if item.is_table:
        return v.core_table(item.label or section.title, [h for h, _ in item.columns]) or \
            (v.core_table(section.title, [h for h, _ in item.columns]) if item.label else None)
    core = v.core_field(item.label)
    if core is not None and core.pointer == v.FULL_NAME and \
            v.normal(item.label) in ("name", "full name") and not _CHILDISH.search(section.title):
        return None
    return core.pointer if core else None


def _group(pointer: str) -> str:
    return pointer.strip("/").split("/")[0]


def _titled(node: dict[str, Any], title: str, where: str, item: RawItem) -> dict[str, Any]:
    out = {"title": title, **node}
    if item.guidance:
        out["description"] = item.guidance
    if item.role:
        out["x-role"] = item.role
    return out


class Placer:
    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.order: list[Section] = []
        self.labels: set[str] = set()
        self.taken: set[str] = set()  # core pointers placed
        self._alone = False  # the item being placed is its section's only one

    def section(self, key: str) -> Section | None:
        return next((s for s in self.order if s.key == key), None)

    def make_section(self, key: str, after: Section | None, title: str | None = None) -> Section:
        made = Section(key, title or v.SECTION_TITLES.get(key, key.replace("_", " ").capitalize()))
        at = self.order.index(after) + 1 if after in self.order else len(self.order)
        self.order.insert(at, made)
        return made

    def unique_label(self, title: str, section: Section, where: str) -> str:
        label = title
        if label in self.labels:
            label = f"{section.title}: {title}"
            n = 2
            while label in self.labels:
                label, n = f"{section.title}: {title} ({n})", n + 1
            self.notes.changed.append((where, title, label))
        self.labels.add(label)
        return label

    def unique_key(self, section: Section, key: str) -> str:
        keys = {i.key for i in section.items}
        out, n = key, 2
        while out in keys:
            out, n = f"{key}_{n}", n + 1
        return out

    # --------------------------------------------------------------------------------------
    def place(self, sections: list[RawSection]) -> list[Section]:
        cores = [[_core_of(i, s) for i in s.items] for s in sections]
        used: set[str] = set()
        for raw, found in zip(sections, cores, strict=True):
            groups = Counter(_group(c) for c in found if c and _group(c) not in ARRAY_GROUPS)
            best = [g for g, _ in groups.most_common() if g not in used]
            key = best[0] if best else self._free_key(v.slug(raw.title, 30), used)
            used.add(key)
            self.order.append(Section(key, raw.title, raw.role, raw.guidance))
        for raw, found, section in zip(sections, cores, list(self.order), strict=True):
            self._alone = len(raw.items) == 1
            for item, core in zip(raw.items, found, strict=True):
                self._place_item(item, core, section)
        return [s for s in self.order if s.items or s.array]

    def _free_key(self, key: str, used: set[str]) -> str:
        out, n = key, 2
        while out in used or out in v.SECTION_TITLES:
            out, n = f"{key}_{n}", n + 1
        return out

    def _place_item(self, item: RawItem, core: str | None, section: Section) -> None:
        if core is not None and core in self.taken and core != v.FULL_NAME:
            self.notes.unplaced.append((item.where, item.label, f"a second field for {core}: "
                                        "drafted as a field of its own"))
            core = None
        if item.is_table:
            self._place_table(item, core, section)
        elif core == v.FULL_NAME:
            self._full_name(item, section)
        elif core is not None:
            self._place_core(item, core, section)
        else:
            self._place_plain(item, section)

    def _home(self, group: str, section: Section) -> Section:
        if group == section.key:
            return section
        home = self.section(group)
        if home is None:
            home = self.make_section(group, section)
            home.role = section.role
        return home

    def _place_core(self, item: RawItem, pointer: str, section: Section) -> None:
        group, key = pointer.strip("/").split("/")
        home = self._home(group, section)
        ref = next(c.ref for c in v.FIELDS if c.pointer == pointer)
        title = self.unique_label(item.label, home, item.where)
        node = _titled({"$ref": ref}, title, item.where, item)
        home.items.append(Item(key, title, node, item.where, item.required, pointer))
        self.taken.add(pointer)
        self.notes.mapped.append((item.where, item.label, pointer))
        if home is not section:
            self.notes.changed.append((item.where, item.label, f"moved to the section "
                                       f"'{home.title}' ({pointer})"))

    def _full_name(self, item: RawItem, section: Section) -> None:
        home = self._home("child", section)
        for key, words in (("first_name", "First name"), ("last_name", "Last name")):
            pointer = f"/child/{key}"
            if pointer in self.taken:
                continue
            title = self.unique_label(words, home, item.where)
            node = {"$ref": v.FIELDS[[c.pointer for c in v.FIELDS].index(pointer)].ref,
                    "title": title}
            home.items.append(Item(key, title, node, item.where, item.required, pointer))
            self.taken.add(pointer)
            self.notes.mapped.append((item.where, item.label, pointer))
        self.notes.changed.append((item.where, item.label, "asked as 'First name' and 'Last "
                                   "name': reports sort and match children by them"))

    def _place_plain(self, item: RawItem, section: Section) -> None:
        assert item.slot is not None
        g = guess(item.label, item.slot)
        title = self.unique_label(item.label, section, item.where)
        node = _titled(g.node, title, item.where, item)
        source = v.prefill_for(item.label)
        if source:
            node["x-prefill"] = source
        key = self.unique_key(section, v.slug(item.label))
        section.items.append(Item(key, title, node, item.where, item.required))
        pointer = f"/{section.key}/{key}"
        why = g.why + (f"; pre-filled from the roster's {source.split('.')[1]}" if source else "")
        self.notes.guessed.append((item.where, item.label, pointer, g.kind, why.strip("; ")))

    def _columns(self, item: RawItem, core: str | None, pointer: str) -> tuple[dict[str, Any],
                                                                              list[str]]:
        props: dict[str, Any] = {}
        required: list[str] = []
        taken: set[str] = set()
        for header, slot in item.columns:
            label, mandatory = v.normal(header), "*" in header or "(required)" in header.lower()
            title, _ = clean_label(header)
            column = v.core_column(core, header, taken) if core else None
            if column is not None:
                taken.add(column.pointer)
                props[column.pointer] = {"$ref": column.ref, "title": title}
                if slot.kind == "choice" and column.pointer in ("area", "role"):
                    # the form's own list narrows the common block's free text, as the
                    # bundled authorities narrow `area` (docs/schemas.md)
                    props[column.pointer].update(guess(title, slot, in_table=True).node)
                    del props[column.pointer]["type"]
                elif slot.kind == "choice":
                    self.notes.changed.append((item.where, f"{header}: {' / '.join(slot.options)}",
                                               "the common block's choices, which every "
                                               "report reads alike"))
                key = column.pointer
                self.notes.mapped.append((item.where, header, f"{core}/*/{key}"))
            else:
                # A tall row makes every column's box tall: the header's words decide.
                kind = "blank" if slot.kind == "multiline" else slot.kind
                g = guess(title, Slot(kind, slot.how, slot.options, slot.hint), in_table=True)
                key = self._column_key(props, v.slug(label or "column", 30))
                props[key] = {"title": title, **g.node}
                self.notes.guessed.append((item.where, header, f"{pointer}/*/{key}", g.kind,
                                           g.why))
            if mandatory:
                required.append(key)
        return props, required

    def _column_key(self, props: dict[str, Any], key: str) -> str:
        out, n = key, 2
        while out in props:
            out, n = f"{key}_{n}", n + 1
        return out

    def _place_table(self, item: RawItem, core: str | None, section: Section) -> None:
        array = core is not None and core.strip("/") in ARRAY_GROUPS
        if core is not None and array:
            core_key = core.strip("/")
            home = self.section(core_key) or self.make_section(core_key, section)
            home.title = section.title if self._alone or not item.label else item.label
            home.role = home.role or section.role
            key, pointer = core_key, core
        elif core is not None:
            group, key = core.strip("/").split("/")
            home, pointer = self._home(group, section), core
        else:
            home = section
            key = self.unique_key(section, v.slug(item.label or section.title, 30))
            pointer = f"/{section.key}/{key}"
        props, required = self._columns(item, core, pointer)
        title = item.label or home.title
        node: dict[str, Any] = {"type": "array", "title": title, "x-blank-rows": item.blank_rows,
                                "items": {"type": "object", "properties": props}}
        if required:
            node["items"]["required"] = required
        if item.role:
            node["x-role"] = item.role
        made = Item(key, title, node, item.where, item.required, core)
        if array:
            home.array = made
        else:
            home.items.append(made)
        if core:
            self.taken.add(core)
            self.notes.mapped.append((item.where, item.label or "(a table)", core))
