"""One finding per fault, in form order: stand-ins, answers not understood, and repeated findings.

The schema engine reports what JSON Schema finds; this module turns that into the verdict a
careful coordinator would give:

- a field holding only a stand-in ("N/A", "TBC", "-") is not an answer: the stand-in is taken out
  of the instance before validation, and whatever the rules then say about that field becomes one
  `not-an-answer` finding there, quoting the stand-in (unless the schema allows the field to be
  not applicable, `x-allow-not-applicable`, and it is);
- a field whose answer was written but not understood has that one finding (from the reader),
  not also "blank" or "not costed";
- a question a form issued under an older version of its schema does not have is "not found"
  (the reader's warning), not unanswered;
- a table with too few rows is that finding, not also "no target of this kind" while it is empty;
- totals that disagree because a row of the table is itself at fault are not a second finding;
- the same finding (pointer and code) is never reported twice; findings are in form order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from pepforms.findings import ERROR, Finding, make
from pepforms.pointers import tokens
from pepforms.schema import Field, FormModel, Table
from pepforms.standins import NOT_APPLICABLE, quoted, stand_in_category

# Field kinds that hold free text, where the reader keeps a stand-in as typed.
TEXT_KINDS = frozenset({"text", "multiline"})

_ADVICE = {
    NOT_APPLICABLE: "If it really does not apply, say why in a few words; otherwise write the "
                    "answer.",
    "to-come": "Fill it in before the form comes back: the plan records what was agreed at "
               "the meeting.",
    "elsewhere": "Write the answer here: each answer must stand on its own in the finalised "
                 "plan.",
    "marks": "Please write the answer.",
}


@dataclass
class Prepared:
    """An instance ready for the schema: stand-ins taken out, and what was taken out."""

    instance: dict[str, Any]
    stand_ins: dict[str, str] = field(default_factory=dict)  # pointer → the stand-in
    not_applicable: set[str] = field(default_factory=set)  # pointers allowed to be N/A


def _cells(model: FormModel, instance: Mapping[str, Any]) -> Iterator[tuple[str, Field, Any]]:
    """Every (pointer, field, value) the instance holds, table cells included."""
    for f in model.fields():
        node: Any = instance
        for part in tokens(f.pointer):
            node = node.get(part) if type(node) is dict or isinstance(node, Mapping) else None
        if node is not None:
            yield f.pointer, f, node
    for table in model.tables():
        rows: Any = instance
        for part in tokens(table.pointer):
            rows = rows.get(part) if type(rows) is dict or isinstance(rows, Mapping) else None
        if not isinstance(rows, list):
            continue
        for index, row in enumerate(rows):
            if type(row) is not dict and not isinstance(row, Mapping):
                continue
            for col in table.columns:
                if col.key in row:
                    yield col.at(index), col, row[col.key]


def _allows_not_applicable(f: Field, root: Mapping[str, Any]) -> bool:
    """Whether the schema lets this field be "not applicable" for this instance.

    `x-allow-not-applicable` is `true`, or a JSON Schema the whole instance must match (the
    condition under which the guidance allows N/A, e.g. a child new to care)."""
    rule = f.schema.get("x-allow-not-applicable")
    if rule is True:
        return True
    if isinstance(rule, Mapping):
        return bool(Draft202012Validator(rule).is_valid(root))
    return False


def _remove(instance: dict[str, Any], pointer: str) -> None:
    parts = pointer.strip("/").split("/")
    node: Any = instance
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = None  # never shift rows: findings point at row numbers
    else:
        node.pop(parts[-1], None)


def _copied(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars): much quicker than copy.deepcopy,
    which it falls back to for anything else."""
    kind = type(value)
    if kind is dict:
        return {k: _copied(v) for k, v in value.items()}
    if kind is list:
        return [_copied(v) for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def prepare(model: FormModel, instance: Mapping[str, Any], read_stand_ins: Mapping[str, str],
            language: str) -> Prepared:
    """Take stand-ins out of the instance (they are not answers), noting where they were.

    `read_stand_ins` are those the reader found where a date, number or choice was wanted
    (they never reach the instance)."""
    clean = _copied(dict(instance))
    out = Prepared(clean)
    found = [(p, f, v) for p, f, v in _cells(model, instance)
             if isinstance(v, str) and stand_in_category(v, language)
             and not any(c.value == v for c in f.choices)]  # a choice may be called "none"
    generic = {f.pointer: f for f in model.field_map.values()}
    for pointer, text in read_stand_ins.items():
        f = generic.get(_generic(pointer))
        if f is not None:
            found.append((pointer, f, text))
    for pointer, f, text in found:
        category = stand_in_category(text, language)
        if category == NOT_APPLICABLE and _allows_not_applicable(f, instance):
            out.not_applicable.add(pointer)
            continue
        out.stand_ins[pointer] = text
        if pointer not in read_stand_ins:
            _remove(clean, pointer)
    return out


def _generic(pointer: str) -> str:
    return "/".join("*" if p.isdigit() else p for p in pointer.split("/"))


def not_an_answer(model: FormModel, pointer: str, text: str, language: str,
                  about: Finding) -> Finding:
    """The finding for a stand-in where the rules want an answer, replacing `about`."""
    f = model.field_map.get(_generic(pointer))
    advice = f.schema.get("x-not-an-answer") if f is not None else None
    if not advice:
        advice = _ADVICE.get(stand_in_category(text, language) or "marks", _ADVICE["marks"])
    label = model.describe(pointer)[1]
    return make("not-an-answer", pointer=pointer, section=about.section, role=about.role,
                severity=about.severity, label=label, value=quoted(text), detail=advice,
                note=about.note)


def one_per_fault(model: FormModel, findings: Iterable[tuple[Finding, str]],
                  prepared: Prepared, context: Any, instance: Mapping[str, Any],
                  language: str) -> list[Finding]:
    """The schema's findings (each with the keyword that raised it) as one finding per fault.

    `context` is the engine's ValidationContext: what the reader found that the instance
    cannot hold."""
    not_understood: frozenset[str] = context.not_understood
    absent = [_generic(p) for p in context.not_on_form]
    pairs = [(f, k) for f, k in findings
             if not any(_generic(f.pointer) == a or _generic(f.pointer).startswith(a + "/")
                        for a in absent)]
    too_few = {f.pointer for f, keyword in pairs if keyword == "minItems"}
    # Totals that disagree because a row of the table is itself at fault say nothing new.
    faulty = [f.pointer for f, keyword in pairs
              if keyword != "pepTotalsAgree" and f.severity == ERROR]
    pairs = [(f, k) for f, k in pairs if k != "pepTotalsAgree"
             or not any(p == f.pointer or p.startswith(f.pointer + "/") for p in faulty)]
    kept: list[Finding] = []
    replaced: dict[str, Finding] = {}
    for finding, keyword in pairs:
        pointer = finding.pointer
        if pointer in not_understood or pointer in prepared.not_applicable:
            continue
        if keyword in {"contains", "minContains"} and pointer in too_few and \
                not _rows(instance, pointer):
            continue  # an empty table: "too few rows" says it
        if pointer in prepared.stand_ins:
            first = replaced.get(pointer)
            if first is None or (finding.severity == ERROR and first.severity != ERROR):
                replaced[pointer] = not_an_answer(model, pointer, prepared.stand_ins[pointer],
                                                  language, finding)
            continue
        kept.append(finding)
    return distinct([*kept, *replaced.values()])


def _rows(instance: Mapping[str, Any], pointer: str) -> list[Any]:
    node: Any = instance
    for part in pointer.strip("/").split("/"):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return []
    return [r for r in node if r] if isinstance(node, list) else []


def distinct(findings: Iterable[Finding]) -> list[Finding]:
    """Each (pointer, code) once: an error wins over a warning, else the first."""
    chosen: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.pointer, f.code)
        if key not in chosen or (f.severity == ERROR and chosen[key].severity != ERROR):
            chosen[key] = f
    return list(chosen.values())


# --------------------------------------------------------------------------------------------
# Form order


_POSITIONS: dict[int, tuple[FormModel, dict[str, tuple[int, int, int]]]] = {}


def _positions(model: FormModel) -> dict[str, tuple[int, int, int]]:
    """Each field's, table's and column's place in the form: (section, item, column); worked
    out once per form model (kept with the model, so its id is never reused meanwhile)."""
    held = _POSITIONS.get(id(model))
    if held is not None and held[0] is model:
        return held[1]
    out = _place(model)
    if len(_POSITIONS) > 256:  # models built on the fly (tests): never an unbounded store
        _POSITIONS.clear()
    _POSITIONS[id(model)] = (model, out)
    return out


def _place(model: FormModel) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for s_index, section in enumerate(model.sections):
        out["/" + section.key] = (s_index, -1, -1)
        for i_index, item in enumerate(section.items):
            out.setdefault(item.pointer, (s_index, i_index, -1))
            if isinstance(item, Table):
                for c_index, col in enumerate(item.columns):
                    out[col.pointer] = (s_index, i_index, c_index)
            elif item.group:
                group = item.pointer.rsplit("/", 1)[0]
                out.setdefault(group, (s_index, i_index, -1))
    return out


def form_order_key(model: FormModel, positions: Mapping[str, tuple[int, int, int]],
                   finding: Finding) -> tuple[Any, ...]:
    """Where a finding sits in the form: its section, field or table, row and column."""
    if not finding.pointer:
        return (-1, -1, -1, -1, finding.code, finding.message)
    parts = finding.pointer.strip("/").split("/")
    row = next((int(p) for p in parts if p.isdigit()), -1)
    generic = _generic(finding.pointer)
    while generic and generic not in positions:
        generic = generic.rsplit("/", 1)[0]
    section, item, column = positions.get(generic, (len(model.sections), 0, 0))
    if generic.count("/") == 1 and generic != finding.pointer:
        item = 10**6  # a pointer the form does not show: after its section's fields
    return (section, item, row, column, finding.code, finding.message)


def in_form_order(model: FormModel, findings: Iterable[Finding]) -> list[Finding]:
    """Findings without repeats, in the order their fields appear on the form."""
    positions = _positions(model)
    return sorted(distinct(findings), key=lambda f: form_order_key(model, positions, f))
