"""The schema engine's shortcuts find exactly what plain jsonschema finds.

The engine validates against each form schema with its `$ref`s resolved once, answers `type`
and `properties` from a table for plain JSON values, and makes each subschema's keyword list
once. Here every sample case, and each of them with answers of the wrong type put in, is
validated that way and with jsonschema's own validator on the registry's schema: the findings
must be the same, message for message."""

from __future__ import annotations

import copy
import random
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pepforms.cases import discover
from pepforms.schema import form_model, registry
from pepforms.validate import engine
from pepforms.validate.engine import PepValidator, ValidationContext, validate_instance

ODD_VALUES: list[Any] = [None, True, False, 0, 1, 1.0, 2.5, -3, "", "x", "2025-13-45", [], {},
                         "literacy", "foster-care", "yes", "Other",
                         [1, "a"], {"a": 1}, 10**12, 1e300]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _put(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    *parents, last = path
    for part in parents:
        node = node[part]
    node[last] = value
    return None


def _variants(instance: dict[str, Any], rng: random.Random) -> list[Any]:
    out: list[Any] = [instance]
    leaves = [p for p in _leaves(instance) if p]
    for _ in range(2):
        changed = copy.deepcopy(instance)
        for path in rng.sample(leaves, min(len(leaves), rng.randint(1, 6))):
            _put(changed, path, copy.deepcopy(rng.choice(ODD_VALUES)))
        out.append(changed)
    return out


def _plain(schema_id: str) -> Any:
    return PepValidator(registry().contents(schema_id), registry=registry(),
                        format_checker=Draft202012Validator.FORMAT_CHECKER)


CASES = discover()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_shortcuts_find_what_jsonschema_finds(case: Any, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    model = form_model(case.authority, case.phase)
    context = ValidationContext(returned_on=case.received or date(2026, 3, 20))
    rng = random.Random(case.id)
    for instance in _variants(case.instance, rng):
        quick = validate_instance(model, copy.deepcopy(instance), context)
        with monkeypatch.context() as patched:
            patched.setattr(engine, "validator_for", _plain)
            plain = validate_instance(model, copy.deepcopy(instance), context)
        assert quick == plain


def test_the_shortcuts_are_taken() -> None:
    """The validator used is the one with the shortcuts (else the test above compares plain
    jsonschema with itself)."""
    validator = engine.validator_for(form_model("cheshire-west", "y1-11").schema_id)
    assert type(validator).VALIDATORS["type"] is engine._type_keyword
    assert type(validator).VALIDATORS["properties"] is engine._properties_keyword
    assert type(validator).VALIDATORS["enum"] is engine._enum_keyword
    assert type(validator).descend is engine._descend_inlined


def test_a_whole_float_does_not_let_other_floats_pass_as_integers() -> None:
    """Whether a float is an integer depends on its value: the type table never answers it."""
    engine._IS_TYPE.clear()
    integer = engine.InlinedValidator({"type": "integer"})
    assert integer.is_valid(1.0) and integer.is_valid(3)
    assert not integer.is_valid(2.5) and not integer.is_valid(True)
