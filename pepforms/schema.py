"""Authorities and their phase schemas: loading, `$ref` resolution, and the form model derived from them.

The form model is the one place that knows what a form looks like: its sections in order, the
fields in each (label, widget, choices, pre-fill source, lock) and its tables (columns, blank
rows). It is derived from the JSON Schema and its `x-` annotations; nothing about a form is
written down twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pepforms.calendar import PHASES
from pepforms.errors import SchemaError

# Every schema's `$id` is under https://pepforms.invalid/schemas/. The `.invalid` domain is
# reserved: nothing is ever fetched from it; references resolve from the bundled registry only.
from pepforms.formmodel import (  # noqa: F401  (the form model is imported from here too)
    EARLIER_PLACEHOLDERS,
    PHASE_TITLES,
    PLACEHOLDERS,
    Authority,
    Choice,
    Field,
    FormModel,
    Section,
    Table,
    bookmark_name,
)
from pepforms.resources import authority_folders, schema_files, schema_roots


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaError(f"The schema file {path} is missing.") from exc
    except json.JSONDecodeError as exc:
        raise SchemaError(f"The schema file {path} is not valid JSON: {exc}") from exc


_seen_roots: tuple[Path, ...] | None = None


def _current() -> None:
    """Forget what was loaded when the folders searched for authorities have changed
    (`PEPFORMS_SCHEMAS` set, or `--schemas` given, after something was loaded)."""
    global _seen_roots
    roots = schema_roots()
    if roots != _seen_roots:
        if _seen_roots is not None:
            clear_caches()
        _seen_roots = roots


def registry() -> Registry:
    """Every schema of every searched folder, registered under its `$id` (the first folder
    holding an `$id` wins, as for authorities)."""
    _current()
    return _registry()


@cache
def _registry() -> Registry:
    resources = []
    seen: set[str] = set()
    for path in schema_files():
        contents = _load_json(path)
        if not isinstance(contents, dict) or "$id" not in contents:
            raise SchemaError(f"The schema file {path} has no $id.")
        if contents["$id"] in seen:
            continue
        seen.add(contents["$id"])
        # The dialect is given explicitly. `$schema` is dropped because jsonschema switches to
        # its stock validator class for any subschema declaring one, and so would silently skip
        # pepforms' own keywords (pepDateAfter, …) inside referenced common blocks.
        contents = {k: v for k, v in contents.items() if k != "$schema"}
        resources.append((contents["$id"], Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


def authority_ids() -> list[str]:
    return sorted(a for a in authority_folders() if _AUTHORITY_ID.fullmatch(a))


def authority_folder(authority_id: str) -> Path:
    """The folder holding the authority's authority.json and phase schemas."""
    folder = authority_folders().get(authority_id) if _AUTHORITY_ID.fullmatch(authority_id) else None
    if folder is None:
        raise SchemaError(_unknown_authority(authority_id, authority_ids()))
    return folder


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def resolve_authority(text: str) -> str:
    """The authority id for what a person typed: the id in any case, or the display name
    ("Cheshire West and Chester"); otherwise SchemaError with "did you mean"."""
    ids = authority_ids()
    wanted = _squash(text)
    for authority_id in ids:
        names = {_squash(authority_id), _squash(load_authority(authority_id).name)}
        if wanted and wanted in names:
            return authority_id
    raise SchemaError(_unknown_authority(text, ids))


def _unknown_authority(text: str, ids: list[str]) -> str:
    import difflib

    wanted = _squash(text)
    close = [i for i in ids if wanted and (wanted in _squash(i) or _squash(i) in wanted)]
    if not close:
        close = difflib.get_close_matches(text.strip().lower(), ids, n=2, cutoff=0.6)
    hint = f" Did you mean {' or '.join(close[:2])}?" if close else ""
    known = ", ".join(ids) or "none"
    own = [str(r) for r in schema_roots()[:-1]]
    searched = f" Searched {', '.join(own)} and the bundled schemas." if own else ""
    return f"There is no authority called '{text}'.{hint} Known: {known}.{searched}"


_AUTHORITY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def load_authority(authority_id: str) -> Authority:
    _current()
    return _load_authority(authority_id)


@cache
def _load_authority(authority_id: str) -> Authority:
    path = authority_folder(authority_id) / "authority.json"
    raw = _load_json(path)
    if not isinstance(raw, dict) or not all(k in raw for k in ("id", "code", "name")):
        raise SchemaError(f"{path}: authority.json needs at least an id, a code and a name.")
    if raw["id"] != authority_id:
        raise SchemaError(f"{path}: its id is '{raw['id']}', but its folder is called "
                          f"'{authority_id}'; they must be the same.")
    phases = tuple(raw.get("phases", ()))
    for phase in phases:
        if phase not in PHASES:
            raise SchemaError(f"{path}: unknown phase '{phase}'.")
    return Authority(
        id=raw["id"],
        code=raw["code"],
        name=raw["name"],
        phases=phases,
        return_window=raw.get("return_window", {}),
        qa_framework=raw.get("qa_framework", {}),
        branding=raw.get("branding", {}),
        roles=raw.get("roles", {}),
        raw=raw,
    )


def schema_path(authority_id: str, phase: str) -> Path:
    return authority_folder(authority_id) / f"{phase}.schema.json"


def load_schema(authority_id: str, phase: str) -> dict[str, Any]:
    _current()
    return _load_schema(authority_id, phase)


@cache
def _load_schema(authority_id: str, phase: str) -> dict[str, Any]:
    authority = load_authority(authority_id)
    if phase not in authority.phases:
        raise SchemaError(
            f"{authority.name} has no '{phase}' form. Its forms: {', '.join(authority.phases)}."
        )
    path = schema_path(authority_id, phase)
    schema = _load_json(path)
    if schema.get("$id") is None:
        raise SchemaError(f"{path} has no $id.")
    return schema


# --------------------------------------------------------------------------------------------
# The form model


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key == "$ref":
            continue
        if key == "properties" and isinstance(out.get(key), Mapping):
            props = dict(out[key])
            for name, sub in value.items():
                if isinstance(sub, Mapping) and isinstance(props.get(name), Mapping):
                    props[name] = _deep_merge(props[name], sub)
                else:
                    props[name] = sub
            out[key] = props
        elif key == "required" and isinstance(out.get(key), list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        else:
            out[key] = value
    return out


class _Resolver:
    """Resolves `$ref` for the form model, merging the sibling keywords over the target."""

    def __init__(self, base_uri: str) -> None:
        self._resolver = registry().resolver(base_uri=base_uri)

    def resolve(self, node: Any) -> tuple[Any, _Resolver]:
        if not isinstance(node, Mapping) or "$ref" not in node:
            return node, self
        resolved = self._resolver.lookup(node["$ref"])
        child = _Resolver.__new__(_Resolver)
        child._resolver = resolved.resolver
        target, child = child.resolve(resolved.contents)
        return _deep_merge(target, node), child


def _kind(node: Mapping[str, Any]) -> tuple[str, str]:
    json_type = node.get("type", "string")
    if isinstance(json_type, list):
        json_type = next(t for t in json_type if t != "null")
    widget = node.get("x-widget")
    if json_type == "boolean":
        return "checkbox", "boolean"
    if "enum" in node:
        return "choice", json_type
    if json_type == "string" and node.get("format") == "date":
        return "date", json_type
    if widget in {"multiline", "percentage", "money", "term"}:
        return widget, json_type
    if json_type in {"number", "integer"}:
        return json_type, json_type
    return "text", "string"


def _choices(node: Mapping[str, Any]) -> tuple[Choice, ...]:
    values = node.get("enum", [])
    labels = node.get("x-enum-labels") or [str(v) for v in values]
    if len(labels) != len(values):
        raise SchemaError(f"x-enum-labels and enum differ in length at '{node.get('title')}'.")
    if len(set(labels)) != len(labels):
        raise SchemaError(f"Duplicate display texts in x-enum-labels at '{node.get('title')}'.")
    return tuple(Choice(v, label) for v, label in zip(values, labels, strict=True))


def _make_field(
    node: Mapping[str, Any],
    pointer: str,
    key: str,
    section: str,
    role: str | None,
    required: bool,
    group: str | None = None,
) -> Field:
    kind, json_type = _kind(node)
    return Field(
        pointer=pointer,
        key=key,
        label=node.get("title") or key.replace("_", " ").capitalize(),
        kind=kind,
        json_type=json_type,
        section=section,
        role=node.get("x-role", role),
        required=required,
        choices=_choices(node) if kind == "choice" else (),
        prefill=node.get("x-prefill"),
        locked=bool(node.get("x-locked", False)),
        carry_forward=bool(node.get("x-carry-forward", False)),
        guidance=node.get("description"),
        group=group,
        schema=node,
        asked_when=node.get("x-asked-when"),
    )


def _is_object(node: Any) -> bool:
    return isinstance(node, Mapping) and (node.get("type") == "object" or "properties" in node)


def _make_table(
    node: Mapping[str, Any], resolver: _Resolver, pointer: str, key: str, section: str,
    role: str | None, required: bool,
) -> Table:
    items, item_resolver = resolver.resolve(node.get("items", {}))
    if not _is_object(items):
        raise SchemaError(f"{pointer}: a table's items must be objects of plain fields.")
    item_required = set(items.get("required", []))
    columns = []
    for col_key, col_node in items.get("properties", {}).items():
        if col_node is False:
            continue
        col_node, _ = item_resolver.resolve(col_node)
        if _is_object(col_node) or col_node.get("type") == "array":
            raise SchemaError(f"{pointer}/{col_key}: table columns must be plain fields.")
        columns.append(
            _make_field(col_node, f"{pointer}/*/{col_key}", col_key, section,
                        node.get("x-role", role), col_key in item_required)
        )
    return Table(
        pointer=pointer,
        key=key,
        label=node.get("title") or key.replace("_", " ").capitalize(),
        columns=tuple(columns),
        section=section,
        role=node.get("x-role", role),
        blank_rows=int(node.get("x-blank-rows", 3)),
        required=required,
        min_items=int(node.get("minItems", 0)),
        guidance=node.get("description"),
        prefill=node.get("x-prefill"),
        prefill_rows=node.get("x-prefill-rows"),
        carry_forward=bool(node.get("x-carry-forward", False)),
        asked_when=node.get("x-asked-when"),
    )


def _walk_object(
    node: Mapping[str, Any], resolver: _Resolver, pointer: str, section: str, role: str | None,
    group: str | None, out: list[Field | Table],
) -> None:
    required = set(node.get("required", []))
    for key, sub in node.get("properties", {}).items():
        if sub is False:
            continue
        sub, sub_resolver = resolver.resolve(sub)
        sub_pointer = f"{pointer}/{key}"
        sub_role = sub.get("x-role", role)
        if sub.get("type") == "array":
            out.append(_make_table(sub, sub_resolver, sub_pointer, key, section, sub_role,
                                   key in required))
        elif _is_object(sub):
            if group is not None:
                raise SchemaError(f"{sub_pointer}: forms nest at most one group inside a section.")
            _walk_object(sub, sub_resolver, sub_pointer, section, sub_role,
                         sub.get("title") or key, out)
        else:
            out.append(_make_field(sub, sub_pointer, key, section, sub_role, key in required, group))


def form_model(authority_id: str, phase: str) -> FormModel:
    """The form model of one authority's form for one phase."""
    _current()
    return _form_model(authority_id, phase)


@cache
def _form_model(authority_id: str, phase: str) -> FormModel:
    schema = load_schema(authority_id, phase)
    resolver = _Resolver(schema["$id"])
    sections = []
    root_required = set(schema.get("required", []))
    for key, node in schema.get("properties", {}).items():
        node, sub_resolver = resolver.resolve(node)
        title = node.get("title") or key.replace("_", " ").capitalize()
        role = node.get("x-role")
        items: list[Field | Table] = []
        if node.get("type") == "array":
            items.append(_make_table(node, sub_resolver, "/" + key, key, title, role,
                                     key in root_required))
            is_table = True
        elif _is_object(node):
            _walk_object(node, sub_resolver, "/" + key, title, role, None, items)
            is_table = False
        else:
            raise SchemaError(f"/{key}: a section must be an object or a table.")
        sections.append(Section(key, title, role, node.get("description"), tuple(items), is_table,
                                node.get("x-asked-when")))
    model = FormModel(
        authority=authority_id,
        phase=phase,
        schema_id=schema["$id"],
        version=str(schema.get("x-version", "0")),
        title=schema.get("title", PHASE_TITLES[phase]),
        sections=tuple(sections),
        schema=schema,
    )
    _check_model(model)
    return model


def _check_model(model: FormModel) -> None:
    seen: dict[str, str] = {}
    for f in model.fields():
        if f.display_label in seen:
            raise SchemaError(
                f"{model.authority}/{model.phase}: the label '{f.display_label}' is used by both "
                f"{seen[f.display_label]} and {f.pointer}; labels must be unique so that a form "
                "whose controls were stripped can still be read."
            )
        seen[f.display_label] = f.pointer
    bookmarks = [f.bookmark for f in model.fields()] + [t.bookmark for t in model.tables()]
    if len(set(bookmarks)) != len(bookmarks):
        raise SchemaError(f"{model.authority}/{model.phase}: two fields share a bookmark name.")


def all_forms() -> list[tuple[str, str]]:
    """Every (authority, phase) pair that has a schema."""
    return [(a, p) for a in authority_ids() for p in load_authority(a).phases]


_ALSO_CLEARED: list[Callable[[], None]] = []


def clear_with_schemas(clear: Callable[[], None]) -> None:
    """Have `clear` run whenever the loaded schemas are forgotten: a cache built from them
    elsewhere (one validator per schema id, say) must not outlive them."""
    _ALSO_CLEARED.append(clear)


def clear_caches() -> None:
    """Forget loaded schemas (after `template build` writes, when the folders searched for
    authorities change, or in tests), and everything built from them."""
    for fn in (_registry, _load_authority, _load_schema, _form_model):
        fn.cache_clear()
    for clear in _ALSO_CLEARED:
        clear()
