"""Questions a form asks only of some children (`x-asked-when`), and which those are for one child.

A section, field or table may carry `x-asked-when`: a JSON Schema that the whole instance must
match for the question to be asked. "Only for a child in a setting" is
`{"required": ["education"], "properties": {"education": {"required": ["school_name"]}}}`.
When a form is generated the condition is applied to what it is pre-filled with, and a question
not asked is left out of the child's form. When a returned form is checked, what the form itself
left out counts (`left_out`: a conditional question none of whose answers is in the form), so a
setting typed in later does not make the form "miss" questions it never asked; a question left
out is then neither missing from the form nor a blank answer. An instance that came without a
form (JSON) is judged by the condition itself (`not_asked`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from pepforms import pointers
from pepforms.findings import Finding
from pepforms.schema import FormModel, clear_with_schemas


@cache
def _validator(condition: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(condition))


def matches(condition: Mapping[str, Any], instance: Mapping[str, Any]) -> bool:
    """Whether `instance` meets an `x-asked-when` condition."""
    return _validator(json.dumps(condition, sort_keys=True)).is_valid(instance)


def conditional(model: FormModel) -> list[tuple[str, Mapping[str, Any]]]:
    """Every (pointer, condition) of the form's questions that are not always asked."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for section in model.sections:
        if section.asked_when is not None:
            out.append((section.pointer, section.asked_when))
        for item in section.items:
            if item.asked_when is not None:
                out.append((item.pointer, item.asked_when))
    return out


def asked(model: FormModel, instance: Mapping[str, Any]) -> dict[str, bool]:
    """For each question that is not always asked, whether this instance is asked it."""
    return {pointer: matches(condition, instance) for pointer, condition in conditional(model)}


def not_asked(model: FormModel, instance: Mapping[str, Any]) -> set[str]:
    """Pointers of the sections, fields and tables this instance is not asked about."""
    return {pointer for pointer, yes in asked(model, instance).items() if not yes}


def left_out(model: FormModel, missing: Iterable[str]) -> frozenset[str]:
    """The conditional questions a returned form does not have: every answer in them is
    among `missing` (the pointers the reader could not find in the form)."""
    gone = set(missing)
    return frozenset(pointer for pointer, inside in _answers_in_conditional(model)
                     if inside and all(p in gone for p in inside))


@cache
def _answers_in_conditional(model: FormModel) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each conditional question's pointer, with the pointers of every field and table in it
    (worked out once per form model)."""
    out = []
    for pointer, _ in conditional(model):
        inside = [f.pointer for f in model.fields() if is_within(f.pointer, [pointer])]
        inside += [t.pointer for t in model.tables() if is_within(t.pointer, [pointer])]
        out.append((pointer, tuple(inside)))
    return tuple(out)


clear_with_schemas(_answers_in_conditional.cache_clear)


def instance_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """An instance holding `values` (pointer → value), e.g. what a form is pre-filled with."""
    out: dict[str, Any] = {}
    for pointer, value in values.items():
        pointers.put(out, pointer, value)
    return out


def is_within(pointer: str, tops: Iterable[str]) -> bool:
    """Whether `pointer` is one of `tops` or inside one of them."""
    return any(pointer == top or pointer.startswith(top + "/") for top in tops)


def drop_not_asked(findings: Iterable[Finding], skipped: set[str]) -> list[Finding]:
    """The findings, without those about questions the form did not ask."""
    if not skipped:
        return list(findings)
    return [f for f in findings if not (f.pointer and is_within(f.pointer, skipped))]
