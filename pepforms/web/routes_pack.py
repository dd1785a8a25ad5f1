"""Make the termly pack: pick the authority and term, upload the roster (CSV or .xlsx) and, if there
are any, last term's returned forms; see the roster's problems before anything is written; make
the pack in the background with a progress indicator; download it as one zip.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from pepforms.calendar import Term
from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.roster import RosterError, read_roster
from pepforms.schema import authority_ids, load_authority
from pepforms.web.app import state
from pepforms.web.packs import PACK_ZIP
from pepforms.web.store import NotFound, read_meta, write_meta
from pepforms.web.uploads import TooMany, take_in

blueprint = Blueprint("pack", __name__)
ROSTER_SUFFIXES = (".csv", ".xlsx")


def _authorities() -> list[tuple[str, str]]:
    return [(a, load_authority(a).name) for a in authority_ids()]


def _term_choices() -> list[Term]:
    """Last term back to three terms ago (a late pack), this term, and the two after it."""
    this = Term.containing(date.today())
    back = [this.previous()]
    for _ in range(2):
        back.append(back[-1].previous())
    return [*reversed(back), this, this.next(), this.next().next()]


def _form(errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status: int = 200) -> Response:
    values = values or {"term": str(Term.containing(date.today()).next())}
    page = render_template("pack.html", errors=errors or {}, values=values,
                           authorities=_authorities(), terms=_term_choices(),
                           limits=state().config.limits)
    return Response(page, status=status, mimetype="text/html")


@blueprint.route("/pack")
def pack_form() -> Response:
    return _form()


def _check_fields(values: dict[str, str]) -> tuple[dict[str, str], Term | None]:
    errors: dict[str, str] = {}
    if values["authority"] not in authority_ids():
        errors["authority"] = "Select the authority"
    term = None
    try:
        term = Term.parse(values["term"])
    except ValueError:
        errors["term"] = "Select the term, or enter it like spring-2027"
    roster = request.files.get("roster")
    if roster is None or not roster.filename:
        errors["roster"] = "Select the roster: a CSV file, or an Excel workbook (.xlsx)"
    elif Path(roster.filename).suffix.lower() not in ROSTER_SUFFIXES:
        errors["roster"] = ("The roster must be a CSV file or an Excel workbook (.xlsx); save an "
                            "old .xls workbook as .xlsx first")
    return errors, term


def _store_roster(folder: Path) -> str:
    roster = request.files["roster"]
    suffix = Path(roster.filename or "").suffix.lower()
    limits = state().config.limits
    data = roster.stream.read(limits.file_bytes + 1)
    if len(data) > limits.file_bytes:
        raise TooMany(f"The roster is larger than {limits.file_mb} MB.")
    name = f"roster{suffix}"
    atomic_write(folder / name, data)
    return name


def _problems(roster: Any) -> list[dict[str, Any]]:
    # Rows left out first, then the warnings, each in the roster's own order.
    ordered = sorted(roster.problems, key=lambda p: (p.severity != "error", p.line or 0))
    return [{"line": p.line, "child_id": p.child_id, "severity": p.severity, "code": p.code,
             "message": p.message} for p in ordered]


@blueprint.route("/pack", methods=["POST"])
def pack_upload() -> BaseResponse:
    values = {k: request.form.get(k, "").strip() for k in ("authority", "term")}
    errors, term = _check_fields(values)
    if errors or term is None:
        return _form(errors, values, 400)
    store = state().store
    ident = store.new_id()
    folder = store.pack(ident, create=True)
    try:
        roster_file = _store_roster(folder)
        previous = [f for f in request.files.getlist("previous") if f.filename]
        upload = take_in(((f.filename or "", f.stream) for f in previous), folder / "previous",
                         state().config.limits)
        roster = read_roster(folder / roster_file, term)
    except (TooMany, RosterError, PepformsError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        key = "previous" if isinstance(exc, TooMany) and "roster" not in str(exc) else "roster"
        return _form({key: str(exc)}, values, 400)
    schools: dict[str, int] = {}
    for child in roster.children:
        schools[child.school_name or "No setting (health visitor)"] = \
            schools.get(child.school_name or "No setting (health visitor)", 0) + 1
    write_meta(folder, {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "authority": values["authority"], "term": str(term), "roster_file": roster_file,
        "children": len(roster.children), "schools": sorted(schools.items()),
        "problems": _problems(roster), "previous_files": len(upload.stored),
        "previous_refused": len(upload.refused)})
    return redirect(f"/pack/{ident}", code=303)


def _pack(ident: str) -> tuple[Path, dict[str, Any]]:
    try:
        folder = state().store.pack(ident)
        return folder, read_meta(folder)
    except NotFound:
        abort(404)


@blueprint.route("/pack/<ident>")
def pack_page(ident: str) -> str:
    _, meta = _pack(ident)
    progress = state().packs.get(ident)
    term = Term.parse(meta["term"])
    return render_template("pack_status.html", ident=ident, meta=meta, progress=progress,
                           term=term, authority=load_authority(meta["authority"]).name,
                           errors=meta["problems"] and [p for p in meta["problems"]
                                                        if p["severity"] == "error"])


@blueprint.route("/pack/<ident>/make", methods=["POST"])
def pack_make(ident: str) -> BaseResponse:
    _pack(ident)
    state().packs.start(ident)
    return redirect(f"/pack/{ident}", code=303)


@blueprint.route("/pack/<ident>/pack.zip")
def pack_download(ident: str) -> Response:
    folder, meta = _pack(ident)
    path = folder / PACK_ZIP
    if meta.get("status") != "done" or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"pack-{meta['authority']}-{meta['term']}.zip", max_age=0,
                     etag=False, conditional=False)
