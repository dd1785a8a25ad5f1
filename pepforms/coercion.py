"""Turning what a person typed into a field into the value its schema wants (Word and PDF alike)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pepforms.calendar import term_id
from pepforms.findings import Finding, make
from pepforms.schema import Field, FormModel, Table
from pepforms.values import (
    ValueNotUnderstood,
    clean_text,
    parse_bool,
    parse_date,
    parse_integer,
    parse_money,
    parse_number,
    parse_percentage,
)

_SPACES = re.compile(r"\s+")


def normalise_label(text: str) -> str:
    """A label or display text compared loosely: case, spaces and trailing punctuation ignored."""
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip().casefold()
    return text.rstrip(":*? ").strip()


def coerce_text(f: Field, text: str | None, placeholders: frozenset[str] = frozenset()) -> Any:
    """The typed value of `text` for field `f`; None when nothing was entered.

    Raises ValueNotUnderstood (with a plain-English reason) when the text cannot be understood.
    """
    if text is None:
        return False if f.kind == "checkbox" else None
    text = clean_text(text)
    if not text or text in placeholders or text == f.placeholder:
        return False if f.kind == "checkbox" else None
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


def choice_value(f: Field, text: str) -> Any:
    """The value of the choice whose display text (or value) is `text`."""
    wanted = normalise_label(text)
    for choice in f.choices:
        if choice.label == text:
            return choice.value
    for choice in f.choices:
        if normalise_label(choice.label) == wanted or normalise_label(str(choice.value)) == wanted:
            return choice.value
    options = ", ".join(c.label for c in f.choices)
    raise ValueNotUnderstood(f"it should be one of: {options}")


def value_not_understood(model: FormModel, pointer: str, detail: str, note: str) -> Finding:
    """The finding for an answer that could not be understood, at its field."""
    section, label = model.describe(pointer)
    return make("value-not-understood", pointer=pointer, section=section.title if section else "",
                role=(section.role or "") if section else "", label=label, detail=detail,
                note=note[:200])


def table_item(model: FormModel, table: Table, index: int,
               cells: Iterable[tuple[Field, Any, str]],
               coerce: Callable[[Field, Any], Any]) -> tuple[dict[str, Any] | None, list[Finding]]:
    """One table row read from a form (Word or PDF): `cells` are (column, raw value, raw text).

    Returns the item (None when the row is empty, so not an item) and its findings; `index` is
    the item's position in the instance, which findings point at."""
    item: dict[str, Any] = {}
    problems: list[Finding] = []
    for col, raw, text in cells:
        try:
            value = coerce(col, raw)
        except ValueNotUnderstood as exc:
            problems.append(value_not_understood(model, col.at(index), str(exc), text))
            continue
        if value is not None:
            item[col.key] = value
    return (item if is_item(item) or problems else None), problems


def is_item(row: Mapping[str, Any]) -> bool:
    """Whether a table row read from a form is an item: it holds something besides unticked
    boxes. Empty rows (and rows with only unticked boxes) are not items."""
    return any(v is not False for v in row.values())
