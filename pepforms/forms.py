"""An authority's forms as files: templates built and checked, and what each child's form is filled from.

This is where the authority (schemas, authority.json) meets the Word layer, which knows nothing of
authorities: it is handed a form model and plain text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pepforms.calendar import Term, key_stage, year_group_label
from pepforms.fileio import atomic_write
from pepforms.keys import authority_key, key_id
from pepforms.resources import templates_dir
from pepforms.roster import Child
from pepforms.schema import FormModel, clear_caches, form_model, load_authority
from pepforms.word.identity import overall_digest, prefill_digests
from pepforms.word.render import FormContent
from pepforms.word.template import TemplateText, build_template, check_template


def template_path(authority_id: str, phase: str) -> Path:
    return templates_dir() / authority_id / f"{phase}.docx"


def template_text(authority_id: str) -> TemplateText:
    authority = load_authority(authority_id)
    return TemplateText(
        organisation=authority.raw.get("virtual_school", authority.name),
        header=authority.branding.get("header", ""),
        footer=authority.branding.get("footer", ""),
        role_labels=dict(authority.roles),
    )


def _phases(authority_id: str, phase: str | None) -> tuple[str, ...]:
    authority = load_authority(authority_id)
    if phase is None:
        return authority.phases
    form_model(authority_id, phase)  # raises a SchemaError naming the phases it has
    return (phase,)


def build_templates(authority_id: str, phase: str | None = None) -> list[Path]:
    """Write `form_templates/<authority>/<phase>.docx` for each phase; returns the paths."""
    clear_caches()
    written = []
    text = template_text(authority_id)
    for ph in _phases(authority_id, phase):
        path = template_path(authority_id, ph)
        atomic_write(path, build_template(form_model(authority_id, ph), text), force=True)
        written.append(path)
    return written


def check_templates(authority_id: str, phase: str | None = None) -> dict[str, list[str]]:
    """Problems per phase (empty lists when every template matches its schema)."""
    return {ph: check_template(form_model(authority_id, ph), template_path(authority_id, ph))
            for ph in _phases(authority_id, phase)}


# --------------------------------------------------------------------------------------------
# What one child's form is pre-filled with


def form_id(authority_id: str, term: Term, child_id: str) -> str:
    code = load_authority(authority_id).code
    return f"{code}-{term.season.upper()}{term.year}-{child_id}"


def _child_source(child: Child, name: str) -> Any:
    value = getattr(child, name)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    return value


def prefill_source(child: Child, term: Term, source: str) -> Any:
    """The value for an `x-prefill` source key, or None when the roster has none."""
    scope, _, name = source.partition(".")
    if scope == "child" and hasattr(child, name):
        return _child_source(child, name)
    if scope == "pep" and name == "term":
        return str(term)
    return None


@dataclass(frozen=True)
class Carried:
    """What last term's returned form carries into this term's form (see `previous`)."""

    values: Mapping[str, Any]
    tables: Mapping[str, list[Mapping[str, Any]]]


def locked_values(model: FormModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """The pre-filled values a school may not change (their digests go in the form)."""
    return {f.pointer: values[f.pointer] for f in model.fields() if f.locked and f.pointer in values}


def form_content(model: FormModel, child: Child, term: Term,
                 carried: Carried | None = None) -> FormContent:
    values: dict[str, Any] = {}
    for f in model.fields():
        if f.prefill:
            value = prefill_source(child, term, f.prefill)
            if value is not None:
                values[f.pointer] = value
        elif f.carry_forward and carried and carried.values.get(f.pointer) is not None:
            values[f.pointer] = carried.values[f.pointer]
    tables: dict[str, list[Mapping[str, Any]]] = {}
    stage = key_stage(child.year_group)
    for table in model.tables():
        if carried and table.pointer in carried.tables:
            tables[table.pointer] = list(carried.tables[table.pointer])
        elif table.prefill_rows:
            names = table.prefill_rows.get("rows", {}).get(stage, [])
            column = table.prefill_rows.get("column", table.columns[0].key)
            tables[table.pointer] = [{column: n} for n in names]
    identity = form_id(model.authority, term, child.child_id)
    locked = locked_values(model, values)
    key = authority_key(model.authority)
    digests = prefill_digests(key, identity, locked)
    properties = {
        "form_id": identity,
        "authority": model.authority,
        "phase": model.phase,
        "term": str(term),
        "child_id": child.child_id,
        "schema_id": model.schema_id,
        "schema_version": model.version,
        "prefill": json.dumps(digests, sort_keys=True),
        "key_id": key_id(key),
        "prefill_digest": overall_digest(digests),
    }
    header = f"{child.first_name} {child.last_name.upper()} · {year_group_label(child.year_group)} · " \
        f"{term.label}"
    return FormContent(
        values=values,
        tables=tables,
        properties=properties,
        form_id=identity,
        term_label=term.label,
        schema_label=f"{model.authority} {model.phase} v{model.version}",
        header_line=header,
    )
