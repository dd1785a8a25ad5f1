"""Stand-in words: what people write in a field instead of an answer ("N/A", "TBC", "-", "see above").

The words are data (`pepforms/data/stand-ins.json`), by the language of the form. A field holding
only a stand-in has not been answered: the reader keeps the words a person typed in a text field
(the finalised record shows what the school wrote), and the validator reports a required field
holding one as `not-an-answer`. A table row whose cells hold only stand-ins is an empty row.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "stand-ins.json"
NOT_APPLICABLE = "not-applicable"
DEFAULT_LANGUAGE = "en"

_SPACES = re.compile(r"\s+")
# Marks made only of these characters ("-", "--", "...", "?", "/", "—", "*") say nothing in any
# language.
_MARKS = re.compile(r"[\-\u2010-\u2015\u2212_.\u00b7\u2022\u2026?/\\*~=+,;:'\"`]+")
_EDGE_PUNCTUATION = ".,;:!"


def normalise(text: str) -> str:
    """Text compared with the list: case, spacing, dash style and end punctuation ignored."""
    text = text.replace("\u00a0", " ").replace("\u2019", "'")
    text = re.sub("[\u2010-\u2015\u2212]", "-", text)
    text = _SPACES.sub(" ", text).strip().casefold()
    stripped = text.strip(_EDGE_PUNCTUATION + " ")
    return stripped or text


@cache
def _lists() -> dict[str, dict[str, frozenset[str]]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {language: {category: frozenset(normalise(w) for w in words)
                       for category, words in categories.items()}
            for language, categories in raw["languages"].items()}


def languages() -> list[str]:
    """The languages the list has words for."""
    return sorted(_lists())


@lru_cache(maxsize=4096)  # the same short answers come back form after form
def stand_in_category(text: str | None, language: str = DEFAULT_LANGUAGE) -> str | None:
    """The kind of stand-in `text` is ("not-applicable", "to-come", "elsewhere", "marks"), or
    None when it is (or may be) a real answer. Blank text is not a stand-in: it is blank."""
    if text is None or not text.strip():
        return None
    if _MARKS.fullmatch(text.strip()):
        return "marks"
    key = normalise(text)
    words = _lists().get(language) or _lists()[DEFAULT_LANGUAGE]
    for category, listed in words.items():
        if key in listed:
            return category
    return None


def is_stand_in(text: str | None, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether `text` is only a stand-in for an answer."""
    return stand_in_category(text, language) is not None


def quoted(text: str) -> str:
    """A stand-in as a message may quote it: trimmed and short (it is one of the listed words
    or marks, so it holds no personal detail)."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= 30 else text[:29] + "…"
