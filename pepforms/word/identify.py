"""Recognising a Word form that lost its identity, by the labels beside its answers.

The Word layer knows no authority: the caller passes the candidate forms' label sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from pepforms.coercion import normalise_label
from pepforms.word.reader import document_labels

K = TypeVar("K")


def best_label_match(document: bytes, candidates: Mapping[K, Iterable[str]],
                     threshold: float) -> K | None:
    """The candidate whose labels overlap the document's most, if clearly and enough.

    Jaccard, not coverage: a form whose labels include another's (Targeted Curriculum has all
    of Year 1 to 11's) must not tie with it. A tie, or a best score under `threshold`, is None.
    """
    labels = document_labels(document)
    scored = []
    for key, wanted_labels in candidates.items():
        wanted = {normalise_label(x) for x in wanted_labels}
        scored.append((len(wanted & labels) / max(len(wanted | labels), 1), key))
    scored.sort(key=lambda s: s[0], reverse=True)
    if not scored or scored[0][0] < threshold:
        return None
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]
