"""Turning what a person typed into a field into the value its schema wants (Word and PDF alike)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pepforms.calendar import term_id
from pepforms.errors import SchemaError
from pepforms.findings import Finding, make
from pepforms.schema import Field, FormModel, Table, load_authority
from pepforms.standins import DEFAULT_LANGUAGE, is_stand_in
from pepforms.values import (
    ValueNotUnderstood,
    clean_text,
    parse_bool,
    parse_date,
    parse_integer,
    parse_money,
    parse_number,
    parse_percentage,
    without_note,
)

_SPACES = re.compile(r"\s+")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
TEXT_KINDS = frozenset({"text", "multiline"})


class StandIn(str):
    """A stand-in ("TBC", "N/A", "-") typed where a date, number, amount or choice was wanted.

    It is not a value: readers leave the field empty and record the words, so that the
    validator can say "“By when” says “TBC”" where an answer is required. (In a text field the
    words are kept as typed; the validator recognises them there itself.)"""


def form_language(model: FormModel) -> str:
    """The language the form is written in (authority.json `language`, English by default)."""
    try:
        return str(load_authority(model.authority).raw.get("language") or DEFAULT_LANGUAGE)
    except SchemaError:  # a model built without an authority folder
        return DEFAULT_LANGUAGE


@lru_cache(maxsize=4096)  # the same labels, form after form
def normalise_label(text: str) -> str:
    """A label or display text compared loosely: case, spaces and trailing punctuation ignored."""
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip().casefold()
    return text.rstrip(":*? ").strip()


def coerce_text(f: Field, text: str | None, placeholders: frozenset[str] = frozenset(),
                language: str = DEFAULT_LANGUAGE) -> Any:
    """The typed value of `text` for field `f`; None when nothing was entered.

    A stand-in in a field that is not text is returned as a `StandIn` (not a value). Raises
    ValueNotUnderstood (with a plain-English reason) when the text cannot be understood.
    """
    if text is None:
        return False if f.kind == "checkbox" else None
    text = clean_text(text)
    if not text or text in placeholders or text == f.placeholder:
        return False if f.kind == "checkbox" else None
    if f.kind in TEXT_KINDS:
        return text
    try:
        return _parse(f, text)
    except ValueNotUnderstood:
        # The field's own reading comes first ("x" ticks a box, "none" is 0 suspensions, a
        # choice may be called "None"); only then is the text a stand-in for an answer.
        if is_stand_in(text, language):
            return False if f.kind == "checkbox" else StandIn(text)
        if f.kind == "choice" and f.schema.get("x-other") is not None:
            # A choice typed freely that names none of the choices is "Other" where the form
            # offers one (an attendee's role written as "Independent reviewing officer").
            return f.schema["x-other"]
        raise


def _parse(f: Field, text: str) -> Any:
    if f.kind == "checkbox":
        return parse_bool(text)
    if f.kind == "date":
        return parse_date(text).isoformat()
    if f.kind == "percentage":
        return parse_percentage(text)
    if f.kind == "money":
        return parse_money(text)
    if f.kind == "integer":
        return parse_integer(text)
    if f.kind == "number":
        return parse_number(text)
    if f.kind == "choice":
        return choice_value(f, text)
    if f.kind == "term":
        return term_id(text)
    return text


def choice_key(text: str) -> str:
    """A choice's text compared loosely: case, spaces, hyphens and punctuation ignored, and
    "&" read as "and" ("Well-being", "well being" and "Wellbeing" are the same)."""
    return _NOT_ALPHANUMERIC.sub("", text.replace("&", " and ").casefold())


def choice_value(f: Field, text: str) -> Any:
    """The value of the choice whose display text, value or synonym is `text`.

    Tried in turn, each only when it names one choice: the exact display text; the display
    text or value with case and spacing ignored; the same with hyphens and punctuation ignored
    too; the schema's `x-synonyms` ({value: [texts people write]}, for choices typed freely into
    a row without a drop-down, e.g. "SEMH" for "Emotional wellbeing")."""
    synonyms = f.schema.get("x-synonyms") or {}
    loose, looser = normalise_label(text), choice_key(text)
    stages = (
        lambda c: c.label == text,
        lambda c: loose in {normalise_label(c.label), normalise_label(str(c.value))},
        lambda c: looser in {choice_key(c.label), choice_key(str(c.value))},
        lambda c: any(choice_key(s) == looser for s in synonyms.get(str(c.value), ())),
    )
    for matches in stages:
        found = [c.value for c in f.choices if matches(c)]
        if len(found) == 1:
            return found[0]
    plain = without_note(text, dashes=False)
    if plain != " ".join(text.split()):  # "Young person (first 10 minutes)"
        return choice_value(f, plain)
    options = ", ".join(c.label for c in f.choices)
    raise ValueNotUnderstood(f"it should be one of: {options}")


def value_not_understood(model: FormModel, pointer: str, detail: str, note: str) -> Finding:
    """The finding for an answer that could not be understood, at its field."""
    section, label = model.describe(pointer)
    return make("value-not-understood", pointer=pointer, section=section.title if section else "",
                role=(section.role or "") if section else "", label=label, detail=detail,
                note=note[:200])


@dataclass
class RowRead:
    """One table row read from a form: the item (None when the row is empty), the findings for
    its cells, and the stand-ins typed where a date, number or choice was wanted."""

    item: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)
    stand_ins: dict[str, str] = field(default_factory=dict)


def table_item(model: FormModel, table: Table, index: int,
               cells: Iterable[tuple[Field, Any, str | Callable[[], str]]],
               coerce: Callable[[Field, Any], Any],
               language: str = DEFAULT_LANGUAGE) -> RowRead:
    """One table row read from a form (Word or PDF): `cells` are (column, raw value, raw text);
    the text may be a function giving it, called only when the value is not understood.

    `index` is the item's position in the instance, which findings point at. A row holding
    nothing but stand-ins, dashes, unticked boxes or £0 is an empty row, not an item."""
    item: dict[str, Any] = {}
    problems: list[Finding] = []
    stand_ins: dict[str, str] = {}
    for col, raw, text in cells:
        try:
            value = coerce(col, raw)
        except ValueNotUnderstood as exc:
            note = text() if callable(text) else text
            problems.append(value_not_understood(model, col.at(index), str(exc), note))
            continue
        if isinstance(value, StandIn):
            stand_ins[col.at(index)] = str(value)
        elif value is not None:
            item[col.key] = value
    if problems or is_item(item, table, language):
        return RowRead(item, problems, stand_ins)
    return RowRead(None)


def is_item(row: Mapping[str, Any], table: Table | None = None,
            language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether a table row read from a form is an item: it holds something besides unticked
    boxes, stand-ins ("-", "N/A") and, in money columns, £0."""
    money = {c.key for c in table.columns if c.kind == "money"} if table is not None else set()
    for key, value in row.items():
        if value is False or (isinstance(value, str) and is_stand_in(value, language)):
            continue
        if key in money and value == 0:
            continue
        return True
    return False
