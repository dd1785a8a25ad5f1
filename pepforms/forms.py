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

from pepforms.asking import asked, instance_of
from pepforms.calendar import Term, key_stage, year_group_label
from pepforms.fileio import atomic_write
from pepforms.formid import form_id
from pepforms.keys import authority_key, key_id
from pepforms.resources import authority_folders, is_bundled, templates_dir
from pepforms.roster import Child
from pepforms.schema import Authority, FormModel, Table, clear_caches, form_model, load_authority
from pepforms.word.identity import overall_digest, prefill_digests
from pepforms.word.render import FormContent
from pepforms.word.template import TemplateText, build_template, check_template, numbering


def template_path(authority_id: str, phase: str) -> Path:
    """Where the authority's built Word template for a phase is: `form_templates/<id>/` for a
    bundled authority, `templates/` in the authority's own folder otherwise."""
    folder = authority_folders().get(authority_id)
    if folder is not None and not is_bundled(folder):
        return folder / "templates" / f"{phase}.docx"
    return templates_dir() / authority_id / f"{phase}.docx"


ATTENDEES = "/meeting/attendees"

# The legal status codes of the children looked after return (SSDA903), as a form says them.
LEGAL_STATUSES = {
    "C1": "Interim care order",
    "C2": "Full care order",
    "D1": "Freeing order granted",
    "E1": "Placement order granted",
    "J1": "Remanded to local authority accommodation or to youth detention accommodation",
    "J2": "Placed in local authority accommodation under the Police and Criminal Evidence Act",
    "J3": "Sentenced to a youth rehabilitation order with a residence requirement",
    "L1": "Under police protection, in local authority accommodation",
    "L2": "Emergency protection order",
    "L3": "Under a child assessment order, in local authority accommodation",
    "V2": "Accommodated under section 20 (single period)",
    "V3": "Accommodated under section 20 (series of short breaks, each recorded)",
    "V4": "Accommodated under section 20 (series of short breaks, agreements recorded)",
}


def legal_status_words(text: str) -> str:
    """A legal status as people say it, with its code: "C2" is "Full care order (C2)".
    Anything that is not a bare code is kept as the roster has it."""
    words = LEGAL_STATUSES.get(text.strip().upper())
    return f"{words} ({text.strip().upper()})" if words else text


def attendees_note(authority: Authority) -> str:
    """Who must attend the meeting, and who else to invite, in the authority's words."""
    settings = authority.raw.get("attendees") or {}
    required = [str(r.get("role", "")) for r in settings.get("required", []) if r.get("role")]
    parts = []
    if required:
        parts.append("Must attend: " + "; ".join(required) + ".")
    if settings.get("also_invite"):
        parts.append(f"Also invite: {settings['also_invite']}.")
    parts.append("Tick “Attended” for each person who came.")
    return " ".join(parts)


def template_text(authority_id: str) -> TemplateText:
    authority = load_authority(authority_id)
    return TemplateText(
        organisation=authority.raw.get("virtual_school", authority.name),
        header=authority.branding.get("header", ""),
        footer=authority.branding.get("footer", ""),
        role_labels=dict(authority.roles),
        table_notes={ATTENDEES: attendees_note(authority)},
    )


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class ReturnTo:
    """Where a completed form goes, and by when, in words for the school."""

    inbox: str
    by: str


def return_to(authority_id: str, return_by: date | None = None) -> ReturnTo:
    """The authority's PEP inbox, and its return window after the meeting ("within 5 working
    days of the PEP meeting"), with the latest date when one is known (`return_by`)."""
    authority = load_authority(authority_id)
    raw = authority.raw
    inbox = str(raw.get("pep_inbox") or "")
    name = str(raw.get("pep_inbox_name") or raw.get("virtual_school") or authority.name)
    where = f"{name}, {inbox}, by secure email" if inbox else f"{name}, by secure email"
    window = authority.return_window
    days = window.get("days")
    if days:
        unit = "working days" if window.get("unit", "working") == "working" else "days"
        by = f"within {days} {unit} of the PEP meeting"
    elif window.get("unit") == "none":  # completed at the meeting (Nottinghamshire)
        by = "straight after the PEP meeting, where every part is completed"
    else:
        by = "as soon as possible after the PEP meeting"
    if return_by is not None:
        by += f", and no later than {_long_date(return_by)}"
    return ReturnTo(where, by)


def return_sentence(authority_id: str, return_by: date | None = None) -> str:
    """The return instruction for a covering email or a school's summary.txt."""
    back = return_to(authority_id, return_by)
    return f"Please return each completed form to {back.inbox}, {back.by}."


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
    if scope == "child" and name == "legal_status":
        value = _child_source(child, name)
        return legal_status_words(value) if value else None
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


def _role_value(table: Table, role: str) -> Any:
    """The role column's value for a role: the words, or the matching choice when the column
    is a choice (None when no choice matches)."""
    from pepforms.coercion import choice_value
    from pepforms.values import ValueNotUnderstood

    column = table.column("role")
    if column.kind != "choice":
        return role
    try:  # by display text, value or synonym, as a role typed into the form is read
        return choice_value(column, role)
    except ValueNotUnderstood:  # no choice names it
        return None


def attendee_rows(model: FormModel, child: Child, term: Term) -> list[Mapping[str, Any]]:
    """The meeting's attendee rows the roster already knows: each person the authority requires
    to attend, named when the roster names them (nobody is ticked as attended)."""
    table = model.table_map.get(ATTENDEES)
    if table is None or {c.key for c in table.columns} < {"name", "role"}:
        return []
    settings = load_authority(model.authority).raw.get("attendees") or {}
    rows: list[Mapping[str, Any]] = []
    for person in settings.get("required", []):
        name = prefill_source(child, term, str(person.get("name_from", "")))
        role = _role_value(table, str(person.get("role", "")))
        row = {k: v for k, v in (("name", name), ("role", role)) if v}
        if row:
            rows.append(row)
    return rows


def locked_values(model: FormModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """The pre-filled values a school may not change (their digests go in the form)."""
    return {f.pointer: values[f.pointer] for f in model.fields() if f.locked and f.pointer in values}


def form_content(model: FormModel, child: Child, term: Term,
                 carried: Carried | None = None, *,
                 return_by: date | None = None) -> FormContent:
    """What one child's form is filled with: the roster's details, last term's carried
    answers, the meeting's required attendees, where to return it and by when (`return_by`:
    the latest date, when the register has worked one out), and which questions it asks."""
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
        elif table.pointer == ATTENDEES:
            tables[table.pointer] = attendee_rows(model, child, term)
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
    back = return_to(model.authority, return_by)
    asks = asked(model, instance_of(values))
    return FormContent(
        values=values,
        tables=tables,
        properties=properties,
        form_id=identity,
        term_label=term.label,
        schema_label=f"{model.authority} {model.phase} v{model.version}",
        header_line=header,
        extra={"return_to": back.inbox, "return_by": back.by, "asked": asks,
               **numbering(model, load_authority(model.authority).roles, asks)},
    )
