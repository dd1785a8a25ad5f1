"""A field's JSON Schema from what the form shows: the answer space's kind, its label and hints.

What the form says outright (a date picker, a drop-down's items, a check box) is taken as it is;
the rest is guessed from the label's words ("%", "£", "Date …", "Number of …") and the space's
size, and each guess says why, for DRAFT-NOTES.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pepforms.drafting.vocabulary import normal, slug, unnumbered
from pepforms.word.outline import Slot

_MANDATORY = re.compile(r"\*|\((required|mandatory|must be completed)\)", re.IGNORECASE)
_LONG_WORDS = re.compile(r"\b(describe|description|details?|explain|explanation|summary|views?|"
                         r"comments?|notes?|strateg\w*|reasons?|how|why|what|actions?|support|"
                         r"needs|strengths|aspirations|evidence|impact|concerns?|plan|steps|baseline|"
                         r"breadth|progress|"
                         r"outcomes?|provision|interventions?|wishes|feelings|history|"
                         r"achievements?|interests)\b")
_SHORT_WORDS = re.compile(r"\b(name|email|e mail|telephone|phone|tel|urn|upn|id|number|no|"
                          r"postcode|address|school|setting|role|who|contact|status|type)\b")


@dataclass(frozen=True)
class Guess:
    node: dict[str, Any]
    kind: str  # as the form model will call it
    why: str  # "" when the form said so outright


def clean_label(text: str) -> tuple[str, bool]:
    """The label as the form words it, without numbering, '*' or '(required)'; and whether it
    was marked mandatory."""
    mandatory = bool(_MANDATORY.search(text))
    label = unnumbered(_MANDATORY.sub("", text))
    label = re.sub(r"\s+", " ", label).strip().rstrip(":").strip().lstrip("–—-:.|").strip()
    return label or text.strip(), mandatory


def _choice(options: tuple[str, ...]) -> dict[str, Any]:
    values: list[str] = []
    for option in options:
        value = slug(option, 30).replace("_", "-")
        while value in values:
            value += "-2"
        values.append(value)
    return {"type": "string", "enum": values, "x-enum-labels": list(options)}


def guess(label: str, slot: Slot, *, in_table: bool = False) -> Guess:
    """The schema of the field labelled `label` whose answer space is `slot`."""
    words = normal(label)
    told = slot.how in ("content control", "legacy form field", "typed check boxes")
    if slot.kind == "date":
        return Guess({"type": "string", "format": "date"}, "date", "")
    if slot.kind == "choice" and len(set(slot.options)) >= 2:
        return Guess(_choice(tuple(dict.fromkeys(slot.options))), "choice",
                     "" if told else "its options are typed on the form")
    if slot.kind == "checkbox":
        return Guess({"type": "boolean"}, "checkbox", "")
    hint = slot.hint.lower()
    if slot.kind == "multiline":  # a tall box says more than the label's words
        return Guess({"type": "string", "x-widget": "multiline"}, "multiline",
                     "the answer space is several lines high")
    if re.search(r"\bdate\b|^dob\b|\bby when\b|^when\b|\bd o b\b", words) or "dd/mm" in hint:
        return Guess({"type": "string", "format": "date"}, "date", "the label names a date")
    if "%" in label or "%" in hint or re.search(r"\b(percentage|percent)\b", words):
        return Guess({"type": "number", "minimum": 0, "maximum": 100, "x-widget": "percentage"},
                     "percentage", "the label asks for a percentage")
    if "£" in label or "£" in hint or re.search(r"\b(cost|amount|funding|price)\b", words):
        return Guess({"type": "number", "minimum": 0, "x-widget": "money"}, "money",
                     "the label asks for an amount of money")
    scale = re.search(r"\((\d+) to (\d+)\)", label)
    if scale:
        return Guess({"type": "integer", "minimum": int(scale[1]), "maximum": int(scale[2])},
                     "integer", f"the label gives a scale of {scale[1]} to {scale[2]}")
    if re.search(r"\b(number of|how many|no of|score)\b", words) or "(number)" in label.lower() \
            or "(no.)" in label.lower() or slot.kind == "number":
        return Guess({"type": "integer", "minimum": 0}, "integer", "the label asks for a number")
    if re.search(r"\b(days|sessions|hours) (lost|missed|absent|a week|per week)\b|\bhours\b.*"
                 r"\b(per|a) week\b", words):
        return Guess({"type": "number", "minimum": 0}, "number", "the label asks for a quantity")
    if (not in_table and slot.kind == "blank" and _LONG_WORDS.search(words)
            and not _SHORT_WORDS.search(words)) or (in_table and _LONG_WORDS.search(words)
                                                    and not _SHORT_WORDS.search(words)):
        return Guess({"type": "string", "x-widget": "multiline"}, "multiline",
                     "the label asks for a description")
    return Guess({"type": "string"}, "text", "" if told else "a short answer")
