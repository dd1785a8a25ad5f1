"""What a form says about itself: custom document properties, the saving application, save dates."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from pepforms.word.ooxml import NS, parse_untrusted, qn

CUSTOM_PROPS_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
PREFIX = "pepforms."
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def custom_properties_xml(props: Mapping[str, str]) -> bytes:
    """docProps/custom.xml holding string properties, in the given order."""
    items = []
    for pid, (name, value) in enumerate(props.items(), start=2):
        items.append(
            f'<property fmtid="{_FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
            f"<vt:lpwstr>{escape(str(value))}</vt:lpwstr></property>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<Properties xmlns="{NS["op"]}" xmlns:vt="{NS["vt"]}">' + "".join(items) + "</Properties>"
    ).encode("utf-8")


def read_custom_properties(data: bytes | None) -> dict[str, str]:
    """All custom properties whose name starts with `pepforms.`, without the prefix."""
    if not data:
        return {}
    root = parse_untrusted(data)
    out = {}
    for prop in root.iter(f"{{{NS['op']}}}property"):
        name = prop.get("name") or ""
        if not name.startswith(PREFIX):
            continue
        value = "".join(prop.itertext())
        out[name[len(PREFIX):]] = value
    return out


def _root(data: bytes | None) -> etree._Element | None:
    """A properties part, parsed; None when absent or malformed (it is only informative)."""
    if not data:
        return None
    try:
        return parse_untrusted(data)
    except ValueError:
        return None


def application(data: bytes | None) -> str | None:
    """The application that last saved the document (docProps/app.xml)."""
    root = _root(data)
    if root is None:
        return None
    node = root.find(f"{{{NS['ep']}}}Application")
    if node is None or not (node.text or "").strip():
        return None
    version = root.find(f"{{{NS['ep']}}}AppVersion")
    text = node.text.strip()  # type: ignore[union-attr]
    if version is not None and version.text and "/" not in text:
        text += f" {version.text.strip()}"
    return text


def last_saved(data: bytes | None) -> datetime | None:
    """When the document was last saved, from docProps/core.xml, if recorded."""
    root = _root(data)
    if root is None:
        return None
    node = root.find(qn("dcterms:modified"))
    if node is None or not node.text:
        return None
    try:
        return datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def value_digest(key: bytes, form_id: str, pointer: str, value: Any) -> str:
    """A short keyed digest (HMAC-SHA-256) of one pre-filled value, so a changed locked value
    can be named, and cannot be recomputed by whoever changed it."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False)
    message = f"{form_id}\x1f{pointer}\x1f{canonical}".encode()
    return hmac.digest(key, message, "sha256").hex()[:24]  # (the one-shot HMAC: quicker)


def prefill_digests(key: bytes, form_id: str, values: Mapping[str, Any]) -> dict[str, str]:
    return {pointer: value_digest(key, form_id, pointer, v)
            for pointer, v in sorted(values.items())}


def overall_digest(digests: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(digests.items()))).encode()).hexdigest()[:32]
