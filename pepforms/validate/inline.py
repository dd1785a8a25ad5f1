"""A form's schema with every `$ref` replaced by what it points to, worked out once.

jsonschema looks each `$ref` up in the registry again for every instance it validates (a URI
split, a registry lookup and a JSON-pointer walk per reference, per form). A form's schema refers
to the shared blocks dozens of times and nothing in it is recursive, so the references can be
resolved once, when the validator is built: `{"$ref": R}` becomes the schema R points to, and
`{"$ref": R, ...}` becomes `{..., "allOf": [the schema R points to]}` — in 2020-12 a `$ref` beside
other keywords applies in addition to them, as `allOf` does, and errors come out of either with
the same keyword, subschema and instance path. A recursive reference cannot be inlined:
`inline` then raises `Recursive`, and the caller keeps the registry-backed validator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from referencing._core import Resolver

# Keywords whose values are data or annotations, not subschemas: never walked.
_DATA = frozenset({"enum", "const", "default", "examples", "$defs", "definitions"})


class Recursive(Exception):
    """A schema refers to itself (directly or through others), so it cannot be inlined."""


def inline(schema_id: str, registry: Registry) -> Any:
    """The schema registered as `schema_id`, with no `$ref` left in the parts validation reads."""
    resolver = registry.resolver(base_uri=schema_id)
    resolved = resolver.lookup(schema_id)
    return _walk(resolved.contents, resolved.resolver, (id(resolved.contents),))


def _walk(node: Any, resolver: Resolver, trail: tuple[int, ...]) -> Any:
    if isinstance(node, list):
        return [_walk(item, resolver, trail) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$id"), str):  # a nested resource: its own base for relative refs
        resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$id":
            continue  # nothing is looked up any more, and jsonschema re-bases on every `$id`
        if key == "$ref" and isinstance(value, str):
            target = _target(value, resolver, trail)
            if len(node) == 1:
                return target
            out["allOf"] = [*out.get("allOf", []), target]
        elif key in _DATA or key.startswith("x-"):
            out[key] = value
        elif key == "properties" or key == "patternProperties" or key == "dependentSchemas":
            # names map to subschemas: walk the values, never treat a name as a keyword
            out[key] = {name: _walk(sub, resolver, trail) for name, sub in value.items()} \
                if isinstance(value, dict) else value
        elif key == "allOf" and "allOf" in out:
            out["allOf"] = [*_walk(value, resolver, trail), *out["allOf"]]
        else:
            out[key] = _walk(value, resolver, trail)
    return out


def _target(ref: str, resolver: Resolver, trail: tuple[int, ...]) -> Any:
    resolved = resolver.lookup(ref)
    # The registry holds each subschema once, so the object itself names the target, however
    # the reference spells it.
    key = id(resolved.contents)
    if isinstance(resolved.contents, dict) and key in trail:
        raise Recursive(ref)
    return _walk(resolved.contents, resolved.resolver, (*trail, key))
