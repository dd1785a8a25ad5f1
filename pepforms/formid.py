"""A form's id: which authority's form, for which term, for which child ("CWAC-SPRING2027-C10001").

Its own small module, so that checking a returned form's identity does not load the code that
makes forms.
"""

from __future__ import annotations

from pepforms.calendar import Term
from pepforms.schema import load_authority


def form_id(authority_id: str, term: Term, child_id: str) -> str:
    code = load_authority(authority_id).code
    return f"{code}-{term.season.upper()}{term.year}-{child_id}"
