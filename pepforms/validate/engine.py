"""The schema engine: jsonschema with three named custom keywords, and errors turned into findings.

JSON Schema does the work (`required`, `if`/`then`, `contains`, formats on). What it cannot say is a
named keyword, so the schema still shows every rule:

- `pepDateAfter: "/pep/meeting_date"` — this date must be after the date at that pointer;
- `pepDateNotAfter: "/pep/next_meeting_date"` — this date must be on or before it;
- `pepReturnedInTime: {"days": 5, "unit": "working"}` — the form came back within that many
  working (or calendar) days of the meeting.

The validator knows nothing of Word: it takes an instance and returns findings.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from pepforms import pointers
from pepforms.asking import drop_not_asked, not_asked
from pepforms.calendar import weekdays_after, working_days_after
from pepforms.coercion import form_language
from pepforms.errors import SchemaError
from pepforms.findings import CATALOGUE, ERROR, Finding, make
from pepforms.schema import FormModel, clear_with_schemas, load_authority, registry
from pepforms.validate.inline import Recursive, inline
from pepforms.validate.keywords import KEYWORDS, POINTS_AT, SCOPE, RuleScope
from pepforms.validate.keywords import as_date as _as_date
from pepforms.validate.terms import Calendar
from pepforms.validate.verdict import in_form_order, one_per_fault, prepare

# Keywords whose errors a schema may name (x-code), word (x-message) or soften (x-severity).
# Type, format, enum, range and length errors always take their generic codes.
RULE_KEYWORDS = frozenset({
    "required", "anyOf", "oneOf", "allOf", "not", "const", "contains", "minContains",
    "maxContains", "pattern", "dependentRequired", "minItems", "maxItems",
    "pepDateAfter", "pepDateNotAfter", "pepReturnedInTime", *KEYWORDS,
})

GENERIC_CODES = {
    "required": "missing-value",
    "minItems": "too-few-rows",
    "maxItems": "too-many-rows",
    "type": "wrong-type",
    "enum": "not-an-option",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "exclusiveMinimum": "out-of-range",
    "exclusiveMaximum": "out-of-range",
    "maxLength": "too-long",
    "minLength": "missing-value",
    "pattern": "wrong-format",
    "pepDateAfter": "date-too-early",
    "pepDateNotAfter": "date-too-late",
    "pepReturnedInTime": "returned-late",
    "pepWithin": "not-in-time",
    "pepByEndOfNextTerm": "next-pep-too-late",
    "pepFirstHalfOfTerm": "meeting-late-in-term",
    "pepTotalsAgree": "pp-plus-totals-disagree",
    "pepFromWeek": "too-early-in-term",
}


@dataclass(frozen=True)
class ValidationContext:
    """What the rules need beyond the instance."""

    returned_on: date | None = None  # when the form came back (for pepReturnedInTime)
    # What the reader found that the instance cannot hold: stand-ins typed where a date, number
    # or choice was wanted (pointer → text), and answers written but not understood (pointers,
    # each already a finding, so never also "blank").
    stand_ins: Mapping[str, str] = field(default_factory=dict)
    not_understood: frozenset[str] = frozenset()
    # Questions a form issued under an older version of its schema does not have (pointers,
    # table columns with `*`): their absence is "not found", never "unanswered".
    not_on_form: frozenset[str] = frozenset()
    # The questions the returned form did not ask (pepforms.asking.left_out); None: judge by
    # each question's `x-asked-when` against the instance.
    not_asked: frozenset[str] | None = None


_ROOT: contextvars.ContextVar[tuple[Any, ValidationContext]] = contextvars.ContextVar("pep_root")



def _pep_date_after(validator: Any, other: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    root, _ = _ROOT.get()
    mine, theirs = _as_date(instance), _as_date(pointers.get(root, other))
    if mine is not None and theirs is not None and not mine > theirs:
        yield ValidationError(f"{instance} is not after {other} ({theirs.isoformat()})")


def _pep_date_not_after(validator: Any, other: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    root, _ = _ROOT.get()
    mine, theirs = _as_date(instance), _as_date(pointers.get(root, other))
    if mine is not None and theirs is not None and mine > theirs:
        yield ValidationError(f"{instance} is after {other} ({theirs.isoformat()})")


def _pep_returned_in_time(validator: Any, rule: Mapping[str, Any], instance: Any,
                          schema: Any) -> Iterator[ValidationError]:
    root, context = _ROOT.get()
    meeting = _as_date(pointers.get(root, rule.get("from", "/pep/meeting_date")))
    if meeting is None or context.returned_on is None:
        return
    limit = int(rule["days"])
    if rule.get("unit", "working") == "working":
        if weekdays_after(meeting, context.returned_on) <= limit:
            return  # in time whatever the bank holidays (which are loaded only when they matter)
        days = working_days_after(meeting, context.returned_on)
    else:
        days = max((context.returned_on - meeting).days, 0)
    if days > limit:
        yield ValidationError(f"returned {days} {rule.get('unit', 'working')} days after the "
                              f"meeting; limit {limit}")


PepValidator = validators.extend(
    Draft202012Validator,
    {
        "pepDateAfter": _pep_date_after,
        "pepDateNotAfter": _pep_date_not_after,
        "pepReturnedInTime": _pep_returned_in_time,
        **KEYWORDS,
    },
)


_TYPE = PepValidator.VALIDATORS["type"]
_CHECKER = PepValidator.TYPE_CHECKER
# (Python type of a value, JSON type) → whether the value is of that JSON type. For the draft's
# own checks this depends only on the Python type, but for a float asked to be an "integer".
_IS_TYPE: dict[tuple[type, str], bool] = {}


def _type_keyword(validator: Any, types: Any, instance: Any, schema: Any
                  ) -> Iterator[ValidationError]:
    """jsonschema's `type`, answered from a table for the common case (one type, the draft's
    own type checker); jsonschema's own keyword where the value is not of the type, so that the
    error is its own."""
    if type(types) is str and validator.TYPE_CHECKER is _CHECKER and \
            _of_type(instance, types, validator):
        return
    yield from _TYPE(validator, types, instance, schema)


def _of_type(instance: Any, types: str, validator: Any = None) -> bool:
    """Whether `instance` is of the JSON type, by the table (filled by asking `validator`'s
    type checker, when given; False where the table does not know and none is given)."""
    kind = type(instance)
    if kind is float and types == "integer":
        return False  # depends on the value, not its type: never from the table
    known = _IS_TYPE.get((kind, types))
    if known is None and validator is not None:
        known = _IS_TYPE[(kind, types)] = bool(validator.is_type(instance, types))
    return bool(known)


_ENUM = PepValidator.VALIDATORS["enum"]


def _enum_keyword(validator: Any, enums: Any, instance: Any, schema: Any
                  ) -> Iterator[ValidationError]:
    """jsonschema's `enum`, with text found in a list of options by plain `in` (what its own
    equality comes to for text); jsonschema's own keyword otherwise."""
    if type(instance) is str and type(enums) is list and instance in enums:
        return
    yield from _ENUM(validator, enums, instance, schema)


def _properties_keyword(validator: Any, properties: Mapping[str, Any], instance: Any,
                        schema: Any) -> Iterator[ValidationError]:
    """jsonschema's `properties`, with the common case's type check (a dict) made first."""
    if type(instance) is not dict and not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name in instance:
            yield from validator.descend(instance[name], subschema, path=name,
                                         schema_path=name)


# For a schema whose references were all resolved once (inline): nothing is looked up while
# validating, so each subschema keeps the root's resolver instead of being made a resource of
# its own on every step down (jsonschema's descend does that, a third of its time here).
InlinedValidator = validators.extend(PepValidator, {"type": _type_keyword, "enum": _enum_keyword,
                                                    "properties": _properties_keyword})
_descend = PepValidator.descend


def _descend_inlined(validator: Any, instance: Any, schema: Any, path: Any = None,
                     schema_path: Any = None, resolver: Any = None) -> Iterator[ValidationError]:
    if (resolver is None or resolver is validator._resolver) and isinstance(schema, dict) \
            and validator._ref_resolver is None:
        evolved, only_type = _evolved(validator, schema)
        if only_type is not None and _of_type(instance, only_type):
            return iter(())  # a subschema that only asks for a type, and has it
        return _descend_keywords(evolved, instance, schema, path, schema_path)
    return _descend(validator, instance, schema, path, schema_path,  # type: ignore[no-any-return]
                    resolver=validator._resolver if resolver is None else resolver)


def _descend_keywords(evolved: Any, instance: Any, schema: Any, path: Any,
                      schema_path: Any) -> Iterator[ValidationError]:
    """jsonschema's descend for a subschema whose validator is already made: its keywords are
    the validator's own list (made once), not looked up again on every step down."""
    for keyword, k, v in evolved._validators:
        for error in keyword(evolved, v, instance, schema) or ():
            # set details if not already set by the called fn (as jsonschema's descend does)
            error._set(validator=k, validator_value=v, instance=instance, schema=schema,
                       type_checker=evolved.TYPE_CHECKER)
            if k not in {"if", "$ref"}:
                error.schema_path.appendleft(k)
            if path is not None:
                error.path.appendleft(path)
            if schema_path is not None:
                error.schema_path.appendleft(schema_path)
            yield error


_evolve = PepValidator.evolve
# Validators for the subschemas, each made once: with one resolver throughout, the validator
# for a subschema is the same every time. Keyed by the subschema's id; the subschema, resolver
# and format checker are held too, so that their ids stay theirs and are checked.
_EVOLVED: dict[int, tuple[Any, Any, Any, Any, str | None]] = {}
_EVOLVE_KEYS = frozenset({"schema", "_resolver"})


def _evolved(validator: Any, schema: Any) -> tuple[Any, str | None]:
    """`validator.evolve(schema=schema)`, made once for each subschema (same resolver), and the
    type the subschema asks for when that is all it asks (with the draft's own type checker)."""
    held = _EVOLVED.get(id(schema))
    if held is not None and held[0] is schema and held[1] is validator._resolver and \
            held[2] is validator.format_checker:
        return held[3], held[4]
    evolved = _evolve(validator, schema=schema)
    keywords = evolved._validators
    only_type = keywords[0][2] if len(keywords) == 1 and keywords[0][0] is _type_keyword and \
        type(keywords[0][2]) is str and evolved.TYPE_CHECKER is _CHECKER else None
    if len(_EVOLVED) > 50_000:  # schemas made on the fly: never an unbounded store
        _EVOLVED.clear()
    _EVOLVED[id(schema)] = (schema, validator._resolver, validator.format_checker, evolved,
                            only_type)
    return evolved, only_type


def _evolve_inlined(validator: Any, **changes: Any) -> Any:
    schema = changes.get("schema")
    if schema is None or changes.get("_resolver", validator._resolver) is not validator._resolver \
            or not _EVOLVE_KEYS.issuperset(changes):  # (no set built per call)
        return _evolve(validator, **changes)
    return _evolved(validator, schema)[0]


setattr(InlinedValidator, "descend", _descend_inlined)  # noqa: B010 - mypy: a method
setattr(InlinedValidator, "evolve", _evolve_inlined)  # noqa: B010


def validator_for(schema_id: str) -> Any:
    """One validator per form schema, built once, with its `$ref`s resolved once (see inline).
    Built again when the folders searched for schemas change: two folders may hold the same id."""
    registry()  # forgets the schemas, and so the validators, if the folders have changed
    return _validator_for(schema_id)


@cache
def _validator_for(schema_id: str) -> Any:
    try:
        schema = inline(schema_id, registry())
    except Recursive:  # cannot be inlined: jsonschema resolves its references as it goes
        return PepValidator(registry().contents(schema_id), registry=registry(),
                            format_checker=Draft202012Validator.FORMAT_CHECKER)
    return InlinedValidator(schema, registry=registry(),
                            format_checker=Draft202012Validator.FORMAT_CHECKER)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(error: ValidationError) -> str:
    return "".join("/" + _escape(str(p)) for p in error.absolute_path)


def _missing_property(error: ValidationError) -> str | None:
    for name in error.validator_value or []:
        if error.message.startswith(repr(name)):
            return str(name)
    return None


def _range_detail(schema: Mapping[str, Any]) -> str:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"at least {low:g}"
    if high is not None:
        return f"at most {high:g}"
    return "in range"


def _other_label(model: FormModel, pointer: str) -> str:
    return model.describe(pointer)[1]


def _error_pointer(error: ValidationError, keyword: str, schema: Mapping[str, Any]) -> str:
    """The field a schema error is about (the missing property, the rule's focus...)."""
    pointer = _pointer(error)
    if keyword == "required":
        name = _missing_property(error)
        if name is not None:
            pointer = f"{pointer}/{_escape(name)}"
    if keyword in RULE_KEYWORDS and schema.get("x-focus"):
        pointer = f"{pointer}/{schema['x-focus']}"
    if keyword == "pepReturnedInTime":
        pointer = error.validator_value.get("from", "/pep/meeting_date")
    if keyword in POINTS_AT:
        pointer = str(error.validator_value.get(POINTS_AT[keyword], pointer))
    return pointer


def _error_code(model: FormModel, error: ValidationError, keyword: str,
                schema: Mapping[str, Any]) -> str:
    """The catalogue code: the schema rule's own (x-code), else the keyword's."""
    code = GENERIC_CODES.get(keyword, "rule-broken")
    if keyword == "format":
        code = {"date": "invalid-date", "email": "invalid-email"}.get(
            str(error.validator_value), "wrong-format")
    if keyword in RULE_KEYWORDS and schema.get("x-code"):
        code = schema["x-code"]
        if code not in CATALOGUE:
            raise SchemaError(f"{model.schema_id}: x-code '{code}' is not in the catalogue.")
    return code


_TYPE_WORDS = {"number": "a number", "integer": "a whole number", "string": "text",
               "boolean": "ticked or not ticked", "array": "a table", "object": "a section"}


def _date_values(model: FormModel, error: ValidationError, instance: Any) -> dict[str, Any]:
    other = str(error.validator_value)
    return {"other": _other_label(model, other), "value": _uk(error.instance),
            "other_value": _uk(pointers.get(instance, other))}


def _returned_values(error: ValidationError) -> dict[str, Any]:
    rule_value = error.validator_value
    unit = "working days" if rule_value.get("unit", "working") == "working" else "days"
    return {"limit": rule_value["days"], "unit": unit, "days": error.message.split()[1]}


def _custom_values(model: FormModel, error: ValidationError, keyword: str) -> dict[str, Any]:
    values = dict(getattr(error, "pep_values", {}))
    if keyword == "pepWithin":
        values["other"] = _other_label(model, str(error.validator_value["of"]))
    return values


def _message_values(model: FormModel, error: ValidationError, keyword: str, pointer: str,
                    schema: Mapping[str, Any], instance: Any) -> dict[str, Any]:
    """What the catalogue message is filled with for this error."""
    values: dict[str, Any] = {"detail": "", "limit": ""}
    if keyword in {"minItems", "maxItems", "maxLength"}:
        values["limit"] = error.validator_value
    elif keyword == "enum":
        field = model.field_map.get(_generic(pointer))
        options = [c.label for c in field.choices] if field else error.validator_value
        values["detail"] = ", ".join(str(o) for o in options)
    elif keyword in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        values["detail"] = _range_detail(schema)
    elif keyword == "type":
        values["detail"] = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
    elif keyword in {"pepDateAfter", "pepDateNotAfter"}:
        values.update(_date_values(model, error, instance))
    elif keyword == "pepReturnedInTime":
        values.update(_returned_values(error))
    elif keyword in KEYWORDS:
        values.update(_custom_values(model, error, keyword))
    return values


def _role_of(model: FormModel, pointer: str, section: Any) -> str:
    """Who completes the field (or a group's or table's first field), else its section."""
    generic = _generic(pointer)
    field = model.field_map.get(generic)
    if field is None:
        field = next((f for p, f in model.field_map.items() if p.startswith(generic + "/")), None)
    if field is not None and field.role:
        return str(field.role)
    if section is not None and section.role:
        return str(section.role)
    return ""


def to_finding(model: FormModel, error: ValidationError, instance: Any) -> Finding:
    """A jsonschema error as a finding from the catalogue, for school staff."""
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    pointer = _error_pointer(error, keyword, schema)
    code = _error_code(model, error, keyword, schema)
    section, label = model.describe(pointer)
    values = _message_values(model, error, keyword, pointer, schema, instance)
    rule = keyword in RULE_KEYWORDS
    message = schema.get("x-message") if rule and schema.get("x-message") else None
    severity = schema.get("x-severity") if rule and schema.get("x-severity") else None
    return make(code, pointer=pointer, section=section.title if section else "",
                role=_role_of(model, pointer, section), severity=severity, message=message,
                note=error.message, label=label, **values)


def _uk(value: Any) -> str:
    d = _as_date(value)
    return d.strftime("%d/%m/%Y") if d and d.year >= 1000 else str(value)


def _generic(pointer: str) -> str:
    return "/".join("*" if p.isdigit() else p for p in pointer.split("/"))


clear_with_schemas(_validator_for.cache_clear)


@cache
def calendar_for(model: FormModel) -> Calendar:
    """The term dates of the form's authority (none for a model without an authority folder)."""
    try:
        return Calendar(load_authority(model.authority).raw.get("term_dates"))
    except SchemaError:
        return Calendar(None)


clear_with_schemas(calendar_for.cache_clear)


def validate_instance(model: FormModel, instance: Any,
                      context: ValidationContext | None = None) -> list[Finding]:
    """Every rule of the form's schema applied to an instance: one finding per fault, in form
    order (see `pepforms.validate.verdict`). Questions the form did not ask this child
    (`x-asked-when`) are not held against it."""
    context = context or ValidationContext()
    validator = validator_for(model.schema_id)
    language = form_language(model)
    prepared = prepare(model, instance, context.stand_ins, language) \
        if isinstance(instance, Mapping) else None
    clean = prepared.instance if prepared is not None else instance
    token = _ROOT.set((clean, context))
    scope = SCOPE.set(RuleScope(clean, calendar_for(model), context))
    try:
        errors = list(validator.iter_errors(clean))
    finally:
        SCOPE.reset(scope)
        _ROOT.reset(token)
    pairs = [(to_finding(model, e, clean), str(e.validator)) for e in errors]
    specific = set(_most_specific([f for f, _ in pairs]))
    pairs = [(f, k) for f, k in pairs if f in specific]
    if context.not_asked is not None:
        skipped = set(context.not_asked)
    elif isinstance(instance, Mapping):
        skipped = not_asked(model, instance)
    else:
        skipped = set()
    if prepared is None:
        return in_form_order(model, drop_not_asked([f for f, _ in pairs], skipped))
    return in_form_order(model, drop_not_asked(
        one_per_fault(model, pairs, prepared, context, clean, language), skipped))


def _most_specific(findings: list[Finding]) -> list[Finding]:
    """Drop a generic "blank" finding where a named rule says the same field is blank.

    A schema that names a rule for required fields (an `x-code` beside a `required` that adds
    to a common block's own) would otherwise report the same empty cell twice.
    """
    named = {f.pointer for f in findings
             if f.code != "missing-value" and f.note.endswith("is a required property")}
    return [f for f in findings if not (f.code == "missing-value" and f.pointer in named)]


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
