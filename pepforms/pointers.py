"""Reading and writing a value at a JSON Pointer in an instance (RFC 6901, without "-")."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def parts(pointer: str) -> list[str]:
    """The reference tokens of a pointer, unescaped (`~1` is `/`, `~0` is `~`)."""
    return list(tokens(pointer))


@lru_cache(maxsize=8192)  # the same pointers, form after form
def tokens(pointer: str) -> tuple[str, ...]:
    """The reference tokens of a pointer, unescaped, as a tuple (worked out once per pointer)."""
    if not pointer.strip("/"):
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/"))


def get(instance: Any, pointer: str) -> Any:
    """The value at `pointer`, or None when any step is missing."""
    node = instance
    for part in tokens(pointer):
        if (type(node) is dict or isinstance(node, Mapping)) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def put(instance: dict[str, Any], pointer: str, value: Any) -> None:
    """Set the value at `pointer`, creating the objects on the way."""
    steps = tokens(pointer)
    node = instance
    for part in steps[:-1]:
        node = node.setdefault(part, {})
    node[steps[-1]] = value
