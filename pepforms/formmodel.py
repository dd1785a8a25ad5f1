"""The form model: sections, fields, tables and choices, as the schemas' annotations describe
them (built by `pepforms.schema`; used by the Word layer, the PDF layer and the validator)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

PHASE_TITLES = {
    "early-years": "Early Years",
    "y1-11": "Year 1 to Year 11",
    "post-16": "Post-16",
    "targeted-curriculum": "Targeted Curriculum",
}

# Placeholder texts: short, so that a blank form reads as a form and not as a wall of
# instructions (they show grey in Word and LibreOffice alike: see pepforms.word.controls).
PLACEHOLDERS = {
    "text": "Type here",
    "multiline": "Type here",
    "date": "Pick a date",
    "choice": "Choose",
    "number": "Type a number",
    "integer": "Type a number",
    "percentage": "Type %",
    "money": "Type £",
    "term": "Type the term",
    "checkbox": "",
}

# Placeholders of earlier pepforms forms (still in schools' hands): they too mean "nothing
# entered".
EARLIER_PLACEHOLDERS = frozenset({
    "Click or tap here to enter text.",
    "Click or tap to enter a date.",
    "Choose an item.",
    "Enter a number.",
    "Enter a whole number.",
    "Enter a percentage, like 92.5%.",
    "Enter an amount, like £250.",
})


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class Field:
    """One fillable value: a scalar field, or a column of a table (then `pointer` has `*`)."""

    pointer: str
    key: str
    label: str
    kind: str  # text | multiline | date | choice | checkbox | number | integer | percentage |
    # money | term
    json_type: str  # string | number | integer | boolean
    section: str
    role: str | None
    required: bool = False
    choices: tuple[Choice, ...] = ()
    prefill: str | None = None
    locked: bool = False
    carry_forward: bool = False
    guidance: str | None = None
    group: str | None = None
    schema: Mapping[str, Any] = field(default_factory=dict, repr=False, hash=False, compare=False)
    # `x-asked-when`: a JSON Schema the whole instance must match for the question to be asked
    # (see pepforms.asking); None: always asked.
    asked_when: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]

    @property
    def bookmark(self) -> str:
        return bookmark_name("_f_", self.pointer)

    @property
    def display_label(self) -> str:
        """The label as printed in the form's label column."""
        return f"{self.group}: {self.label}" if self.group else self.label

    def at(self, index: int) -> str:
        """This column's pointer in row `index` of its table."""
        return self.pointer.replace("*", str(index), 1)

    def label_for(self, value: Any) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return str(value)


@dataclass(frozen=True)
class Table:
    """A repeating group: an array of flat objects, shown as a Word table."""

    pointer: str
    key: str
    label: str
    columns: tuple[Field, ...]
    section: str
    role: str | None
    blank_rows: int = 3
    required: bool = False
    min_items: int = 0
    guidance: str | None = None
    prefill: str | None = None
    prefill_rows: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    carry_forward: bool = False
    asked_when: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def bookmark(self) -> str:
        return bookmark_name("_t_", self.pointer)

    def column(self, key: str) -> Field:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    role: str | None
    guidance: str | None
    items: tuple[Field | Table, ...]
    is_table: bool = False  # the whole section is one table (e.g. /targets)
    asked_when: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def pointer(self) -> str:
        return "/" + self.key

    def blocks(self) -> Iterator[tuple[Field, ...] | Table]:
        """The section as laid out: each run of consecutive fields (one label | value table),
        and each table, in order."""
        run: list[Field] = []
        for item in self.items:
            if isinstance(item, Field):
                run.append(item)
                continue
            if run:
                yield tuple(run)
                run = []
            yield item
        if run:
            yield tuple(run)


@dataclass(frozen=True)
class Authority:
    id: str
    code: str
    name: str
    phases: tuple[str, ...]
    return_window: Mapping[str, Any] = field(hash=False, compare=False)
    qa_framework: Mapping[str, Any] = field(hash=False, compare=False)
    branding: Mapping[str, str] = field(hash=False, compare=False)
    roles: Mapping[str, str] = field(hash=False, compare=False)
    raw: Mapping[str, Any] = field(repr=False, hash=False, compare=False)


@dataclass(frozen=True)
class FormModel:
    authority: str
    phase: str
    schema_id: str
    version: str
    title: str
    sections: tuple[Section, ...]
    schema: Mapping[str, Any] = field(repr=False, hash=False, compare=False)

    def __hash__(self) -> int:
        # Models key caches on every form read: hash what names the model, not its every field
        # (equal models still hash alike; equality still compares them whole).
        return hash((self.authority, self.phase, self.schema_id, self.version))

    def fields(self) -> Iterator[Field]:
        """Every scalar field, in form order (table columns are not included)."""
        for section in self.sections:
            for item in section.items:
                if isinstance(item, Field):
                    yield item

    def tables(self) -> Iterator[Table]:
        for section in self.sections:
            for item in section.items:
                if isinstance(item, Table):
                    yield item

    @cached_property
    def field_map(self) -> dict[str, Field]:
        """Scalar fields and table columns (pointers with `*`) by pointer."""
        out = {f.pointer: f for f in self.fields()}
        for table in self.tables():
            for col in table.columns:
                out[col.pointer] = col
        return out

    @cached_property
    def table_map(self) -> dict[str, Table]:
        return {t.pointer: t for t in self.tables()}

    @cached_property
    def answer_count(self) -> int:
        """How many scalar fields and tables the form has."""
        return len(list(self.fields())) + len(list(self.tables()))

    def describe(self, pointer: str) -> tuple[Section | None, str]:
        """The section a pointer belongs to and a human name for it ("Targets, row 2: Who")."""
        parts = [p for p in pointer.split("/")[1:]]
        if not parts:
            return None, "the whole form"
        section = next((s for s in self.sections if s.key == parts[0]), None)
        if section is None:
            return None, pointer
        generic = "/" + "/".join("*" if p.isdigit() else p for p in parts)
        f = self.field_map.get(generic)
        if f is not None and "*" not in generic:
            return section, f.display_label
        group = next((f.group for f in section.items if isinstance(f, Field) and f.group
                      and f.pointer.startswith(generic + "/")), None)
        if group is not None:
            return section, group
        for table in self.tables():
            if pointer == table.pointer or generic == table.pointer:
                return section, table.label
            if generic.startswith(table.pointer + "/*"):
                row = next((p for p in parts if p.isdigit()), None)
                rest = generic[len(table.pointer) + 2 :].lstrip("/")
                row_text = f"{table.label}, row {int(row) + 1}" if row is not None else table.label
                if rest:
                    try:
                        return section, f"{row_text}: {table.column(rest).label}"
                    except KeyError:
                        return section, row_text
                return section, row_text
        return section, section.title

    def labels(self) -> set[str]:
        return {f.display_label for f in self.fields()} | {t.label for t in self.tables()}


def bookmark_name(prefix: str, pointer: str) -> str:
    """A Word bookmark name for a pointer: at most 40 characters, letters, digits and underscores."""
    body = re.sub(r"[^A-Za-z0-9_]", "_", pointer.strip("/").replace("/", "_"))
    name = prefix + body
    if len(name) <= 40:
        return name
    digest = hashlib.sha1(pointer.encode()).hexdigest()[:8]
    return (prefix + body)[: 40 - 9] + "_" + digest


# --------------------------------------------------------------------------------------------
# Loading
