"""Is this returned form for the child and term it claims? Identity checks, which never fail open.

A form is trusted only when pepforms knows which child and term it is for by at least one route it
trusts, and every route it can read agrees: the identity properties written when it was issued, the
child id read from the form, the file name it came back under, and (when given) the roster.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.coercion import normalise_label
from pepforms.findings import Finding, make
from pepforms.formid import form_id
from pepforms.keys import authority_key, key_id
from pepforms.roster import Child
from pepforms.schema import FormModel
from pepforms.word.identity import overall_digest, value_digest

FILE_CHILD = re.compile(r"-(?P<child>[^-]+)-(?P<term>(?:autumn|spring|summer)-\d{4})$", re.I)
ABOUT_CHILD = "About the child"


@dataclass(frozen=True)
class IdentityInput:
    """What one returned form says about whom it is for."""

    path: Path
    model: FormModel
    instance: Mapping[str, Any]
    properties: Mapping[str, str]
    identity_lost: bool = False


def file_name_child(path: Path) -> str | None:
    """The child id in a file name pepforms wrote (`…-<child id>-<term>.docx`), if any."""
    match = FILE_CHILD.search(path.stem)
    return match.group("child") if match else None


def differs_from_roster(form_child: Mapping[str, Any], child: Child) -> list[str]:
    """Which of name and date of birth the form records differently from the roster."""
    pairs = [("first_name", child.first_name), ("last_name", child.last_name),
             ("date_of_birth", child.date_of_birth.isoformat())]
    return [k for k, v in pairs if form_child.get(k) is not None
            and normalise_label(str(form_child[k])) != normalise_label(v)]


def _wrong_child(detail: str) -> Finding:
    return make("wrong-child", pointer="/child/child_id", section=ABOUT_CHILD, detail=detail)


def _file_name_findings(form: IdentityInput) -> list[Finding]:
    named = file_name_child(form.path)
    if not named:
        return []
    out = []
    issued_for = form.properties.get("child_id")
    on_form = form.instance.get("child", {}).get("child_id")
    if issued_for and named != issued_for:
        out.append(_wrong_child(f"This form was issued for child {issued_for}, but its file "
                                f"name says child {named}."))
    elif on_form and named != on_form and not issued_for:
        out.append(_wrong_child(f"This form says it is for child {on_form}, but its file name "
                                f"says child {named}."))
    return out


def _locked_findings(form: IdentityInput) -> list[Finding]:
    props = form.properties
    if not props:
        return []  # identity lost: the caller says so; the register holds the issued values
    form_id = props.get("form_id", "")
    try:
        digests = json.loads(props.get("prefill") or "{}")
    except ValueError:
        digests = None
    if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
        return [make("identity-damaged", detail="its record of the pre-filled details")]
    if props.get("prefill_digest") != overall_digest(digests):
        return [make("identity-damaged", detail="its record of the pre-filled details")]
    key = authority_key(form.model.authority)
    if digests and props.get("key_id") != key_id(key):
        return [make("identity-other-key", detail=props.get("key_id") or "none")]
    out = []
    for pointer, digest in digests.items():
        value = pointers.get(form.instance, pointer)
        if value is None or not hmac.compare_digest(
                value_digest(key, form_id, pointer, value), digest):
            section, label = form.model.describe(pointer)
            out.append(make("locked-value-changed", pointer=pointer,
                            section=section.title if section else "",
                            role=(section.role or "") if section else "", label=label))
    return out


def _roster_findings(child_id: str, form_child: Mapping[str, Any],
                     roster: Mapping[str, Child],
                     rejected: Mapping[str, Finding]) -> list[Finding]:
    child = roster.get(child_id)
    if child is None and child_id in rejected:
        # Not a breach: the roster's own row for this child was refused (a mistyped date...).
        row = rejected[child_id]
        return [make("roster-row-not-used", pointer="/child/child_id", section=ABOUT_CHILD,
                     detail=child_id, line=str(row.line or "?"))]
    if child is None:
        return [make("not-on-roster", pointer="/child/child_id", section=ABOUT_CHILD,
                     detail=child_id)]
    differs = differs_from_roster(form_child, child)
    if not differs:
        return []
    what = " and ".join(k.replace("_", " ") for k in differs)
    verb = "does" if len(differs) == 1 else "do"
    return [_wrong_child(f"The {what} on this form {verb} not match the roster for child "
                         f"{child_id}.")]


def _confirmed(child_id: str, form_child: Mapping[str, Any],
               roster: Mapping[str, Child] | None) -> bool:
    """The roster vouches for every child detail the form shows (id, names, date of birth)."""
    if roster is None or child_id not in roster:
        return False
    shown = [k for k in ("first_name", "last_name", "date_of_birth") if form_child.get(k)]
    return len(shown) == 3 and not differs_from_roster(form_child, roster[child_id])


def _consistent(form: IdentityInput) -> list[Finding]:
    """The identity properties agree with each other and with the form's own term."""
    props = form.properties
    if not props:
        return []
    on_form_term = form.instance.get("pep", {}).get("term")
    child_id, term = props.get("child_id", ""), props.get("term", "")
    try:
        expected = form_id(form.model.authority, Term.parse(term), child_id)
    except ValueError:
        expected = None
    if not child_id or not term or props.get("form_id") != expected or \
            (on_form_term and on_form_term != term):
        return [make("identity-damaged", detail="which form, child and term it is")]
    return []


def identity_findings(form: IdentityInput, roster: Mapping[str, Child] | None,
                      term: Term | None,
                      rejected: Mapping[str, Finding] | None = None) -> list[Finding]:
    """Every disagreement about whom and when this form is for, and whether we can tell at all."""
    props = form.properties
    form_child = form.instance.get("child", {})
    issued_for = props.get("child_id")
    on_form = form_child.get("child_id")
    findings = _file_name_findings(form) + _consistent(form)
    if issued_for and on_form and issued_for != on_form:
        findings.append(_wrong_child(f"This form was issued for child {issued_for}, but it "
                                     f"now says child {on_form}."))
    findings += _locked_findings(form)
    child_id = issued_for or on_form
    if not child_id:
        findings.append(make("identity-unknown", pointer="/child/child_id", section=ABOUT_CHILD))
    elif roster is not None:
        findings += _roster_findings(child_id, form_child, roster, rejected or {})
    if child_id and form.identity_lost and not _confirmed(child_id, form_child, roster):
        # Nothing trusted vouches for the details the form shows: it cannot pass on its own.
        findings.append(make("identity-unconfirmed", pointer="/child/child_id",
                             section=ABOUT_CHILD, detail=child_id))
    form_term = props.get("term") or form.instance.get("pep", {}).get("term")
    if term is not None and form_term and form_term != str(term):
        findings.append(make("wrong-term", pointer="/pep/term", section="This PEP",
                             detail=form_term))
    return findings
