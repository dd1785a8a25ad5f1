"""What rules each form has, read from its schema (for `pepforms authorities` and the README table)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pepforms.findings import CATALOGUE
from pepforms.schema import PHASE_TITLES, authority_ids, load_authority, load_schema, registry


def _named_rules(node: Any, base: str, seen: set[str]) -> Iterator[str]:
    """Every x-code in a schema, following $ref into the common blocks."""
    if isinstance(node, Mapping):
        if isinstance(node.get("x-code"), str):
            message = node.get("x-message")
            yield _first_sentence(message) if isinstance(message, str) else node["x-code"]
        ref = node.get("$ref")
        if isinstance(ref, str):
            resolved = registry().resolver(base_uri=base).lookup(ref)
            uri = resolved.contents.get("$id", ref)
            if uri not in seen:
                seen.add(uri)
                yield from _named_rules(resolved.contents, uri, seen)
        for key, value in node.items():
            if key != "$ref":
                yield from _named_rules(value, base, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _named_rules(value, base, seen)


def _first_sentence(text: str) -> str:
    sentence = text.split(". ")[0].strip().rstrip(".")
    if len(sentence) > 140:
        sentence = sentence[:139].rsplit(" ", 1)[0] + "…"
    return sentence.replace("|", "/")


def form_rules(authority: str, phase: str) -> list[str]:
    """The named rules of one form: the schema's own wording where it has one, else the catalogue
    title; plus its return window."""
    schema = load_schema(authority, phase)
    named = dict.fromkeys(_named_rules(schema, schema["$id"], set()))
    titles = [CATALOGUE[n].title if n in CATALOGUE else n for n in named]
    window = schema.get("pepReturnedInTime")
    if window:
        unit = "working days" if window.get("unit") == "working" else "days"
        titles.append(f"Returned within {window['days']} {unit}")
    return list(dict.fromkeys(titles))


def qa_summary(authority: str) -> str:
    qa = load_authority(authority).qa_framework
    kind = {"graded-sections": "sections graded " + " / ".join(qa.get("grades", [])),
            "checklist": "checklist: Good Quality or Needing Development",
            "good-requires-improvement": "Good or Requires improvement"}.get(qa.get("kind", ""), "")
    return f"{qa.get('name', '')} ({kind})" if kind else qa.get("name", "")


def authorities_markdown() -> str:
    """The README's table of authority × phase × rules × QA framework."""
    lines = ["| authority | form | rules (besides every required answer) | QA framework |",
             "| --- | --- | --- | --- |"]
    for authority in authority_ids():
        a = load_authority(authority)
        for phase in a.phases:
            rules = "; ".join(form_rules(authority, phase))
            lines.append(f"| {a.name} | {PHASE_TITLES[phase]} | {rules} | {qa_summary(authority)} |")
    return "\n".join(lines) + "\n"
