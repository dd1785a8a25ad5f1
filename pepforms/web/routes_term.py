"""The term's pages: the term (schools as rows, overdue first), a school, a child's form (its versions,
findings by who must fix them, last term beside this term, QA and finalising), and its downloads.

Each answer comes from the register (`term_status`, `register.history`); files are served only
when the register knows them and they sit in the page's own folder with the recorded SHA-256.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from pepforms.calendar import Term
from pepforms.errors import PepformsError
from pepforms.register import RegisterError, record_qa, term_status
from pepforms.register.authority import qa_grades
from pepforms.register.history import (
    FormHistory,
    VersionRecord,
    child_forms,
    child_names,
    form_history,
    version_record,
)
from pepforms.register.models import FormState, TermStatus
from pepforms.report.render import by_role, term_label
from pepforms.web.app import state
from pepforms.web.store import NotFound, sha256_of
from pepforms.web.uploads import stored_name

blueprint = Blueprint("term", __name__)

DONE = {"qa": "The QA grade was recorded.", "finalised": "The finalised PDF was made and recorded."}


def _on() -> tuple[date | None, str | None]:
    """The `on` date asked for (the term as it stood on a day), or an error for the page."""
    text = request.args.get("on", "").strip()
    if not text:
        return None, None
    from pepforms.values import ValueNotUnderstood, parse_date

    try:
        return parse_date(text), None
    except ValueNotUnderstood:
        return None, "Enter the date as day, month and year, like 31/01/2027."


def _terms() -> list[str]:
    from pepforms.register import register_info

    try:
        terms = register_info(state().register).terms
    except RegisterError:
        return []
    return sorted(terms, key=lambda t: Term.parse(t).start_date, reverse=True)


@blueprint.route("/")
def term_page() -> str:
    on, on_error = _on()
    wanted = request.args.get("term") or None
    reg = state().register
    try:
        status = term_status(reg, wanted, on=on)
    except RegisterError as exc:
        return render_template("term.html", status=None, message=str(exc), terms=_terms(),
                               on_error=on_error, wanted=wanted, names={}, overdue=[],
                               unmatched=[], term_label=term_label)
    names = child_names(reg, status.term)
    return render_template(
        "term.html", status=status, terms=_terms(), on_error=on_error, wanted=status.term,
        message=None, names=names, term_label=term_label,
        overdue=[f for f in status.forms if f.state == "overdue"],
        unmatched=[f for f in status.forms if f.state == "unmatched"])


@blueprint.route("/school/<urn>")
def school_page(urn: str) -> str:
    on, on_error = _on()
    reg = state().register
    try:
        status = term_status(reg, request.args.get("term") or None, school=urn, on=on)
    except RegisterError:
        abort(404)
    school = next((s for s in status.schools if s.urn == urn), None)
    if school is None:
        abort(404)
    return render_template("school.html", status=status, school=school, on_error=on_error,
                           names=child_names(reg, status.term), term_label=term_label)


def _state_of(history: FormHistory, on: date | None = None) -> FormState | None:
    try:
        status: TermStatus = term_status(state().register, history.term,
                                         school=history.school_urn or None, on=on)
    except RegisterError:
        return None
    return next((f for f in status.forms if f.form_id == history.form_id), None)


@dataclass(frozen=True)
class Side:
    """One term's form of the child, for "last term beside this term"."""

    history: FormHistory
    form: FormState | None

    @property
    def latest(self) -> VersionRecord | None:
        return self.history.versions[-1] if self.history.versions else None

    @property
    def qa(self) -> str | None:
        return self.form.qa_grade if self.form else None


def _last_term(history: FormHistory) -> Side | None:
    terms = child_forms(state().register, history.child_id)
    this = Term.parse(history.term).start_date
    earlier = [(t, f) for t, f in terms if Term.parse(t).start_date < this]
    if not earlier:
        return None
    previous = form_history(state().register, earlier[-1][1])
    return Side(previous, _state_of(previous)) if previous else None


def _downloadable(version: VersionRecord) -> dict[str, bool]:
    store = state().store
    return {"file": store.owns(version.path) is not None,
            "annotated": store.annotated(version.sha256).is_file()}


def _form_page(form_id: str, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, status: int = 200) -> Response:
    history = form_history(state().register, form_id)
    if history is None:
        abort(404)
    finalised = [e for e in history.events if e.kind == "finalised" and e.pdf_sha256
                 and state().store.finalised(e.pdf_sha256).is_file()]
    page = render_template(
        "form.html", history=history, form=_state_of(history), last=_last_term(history),
        this=Side(history, None), grades=qa_grades(history.authority), by_role=by_role,
        downloads={v.id: _downloadable(v) for v in history.versions}, finalised=finalised,
        errors=errors or {}, values=values or {}, done=DONE.get(request.args.get("done", "")),
        term_label=term_label, can_finalise=_finalisable(history) is not None)
    return Response(page, status=status, mimetype="text/html")


@blueprint.route("/form/<form_id>")
def form_page(form_id: str) -> Response:
    return _form_page(form_id)


@blueprint.route("/form/<form_id>/qa", methods=["POST"])
def record_grade(form_id: str) -> BaseResponse:
    history = form_history(state().register, form_id)
    if history is None:
        abort(404)
    values = {k: request.form.get(k, "").strip() for k in ("grade", "by", "reason")}
    errors = {}
    if values["grade"] not in qa_grades(history.authority):
        errors["grade"] = "Select the QA grade"
    if not values["by"]:
        errors["by"] = "Enter your name (who graded the form)"
    if len(values["reason"]) > 2000:
        errors["reason"] = "The reason must be 2,000 characters or fewer"
    if errors:
        return _form_page(form_id, errors, values, status=400)
    try:
        record_qa(state().register, form_id, values["grade"], values["by"], values["reason"])
    except RegisterError as exc:
        return _form_page(form_id, {"grade": str(exc)}, values, status=400)
    return redirect(url_for("term.form_page", form_id=form_id, done="qa", _anchor="qa"), code=303)


def _finalisable(history: FormHistory) -> Path | None:
    """The stored file of the latest version, when it passed (only a passing form is finalised);
    for a form that came attached to a saved email, the form named inside the stored email."""
    from pepforms.emails import is_email

    latest = history.versions[-1] if history.versions else None
    if latest is None or latest.status != "pass":
        return None
    stored = state().store.owns(latest.path)
    if stored is not None:
        return stored
    email = state().store.owns(Path(latest.path).parent)
    return email / Path(latest.path).name if email is not None and is_email(email) else None


@blueprint.route("/form/<form_id>/finalise", methods=["POST"])
def finalise(form_id: str) -> BaseResponse:
    from pepforms.checking import CheckOptions
    from pepforms.finalising import HasErrors, finalise_form
    from pepforms.recording import qa_decision, record_finalised

    history = form_history(state().register, form_id)
    if history is None:
        abort(404)
    path = _finalisable(history)
    if path is None:
        return _form_page(form_id, {"finalise": "Only a form whose latest version passed, and "
                                    "was checked on this page, can be finalised here"}, status=400)
    latest = history.versions[-1]
    try:
        done = finalise_form(path, options=CheckOptions(received=latest.received_on),
                             qa=qa_decision(state().register, form_id))
    except HasErrors:
        return _form_page(form_id, {"finalise": "The form has errors now, so it was not "
                                    "finalised"}, status=400)
    except PepformsError as exc:
        return _form_page(form_id, {"finalise": str(exc)}, status=400)
    if done.result.sha256 != latest.sha256:
        return _form_page(form_id, {"finalise": "The stored file is not the version checked, so "
                                    "it was not finalised"}, status=400)
    import hashlib

    digest = hashlib.sha256(done.pdf).hexdigest()
    from pepforms.fileio import atomic_write

    atomic_write(state().store.finalised(digest), done.pdf, force=True)
    record_finalised(state().register, form_id, done.pdf)
    return redirect(url_for("term.form_page", form_id=form_id, done="finalised",
                            _anchor="downloads"), code=303)


def _send(path: Path, name: str, mimetype: str) -> Response:
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name,
                     max_age=0, etag=False, conditional=False)


def _known_version(version_id: int) -> VersionRecord:
    record = version_record(state().register, version_id)
    if record is None:
        abort(404)
    return record


@blueprint.route("/version/<int:version_id>/file")
def returned_file(version_id: int) -> Response:
    record = _known_version(version_id)
    path = state().store.owns(record.path)
    if path is None:  # a form that came attached to a saved email: taken from it again
        from pepforms.emails import attached_file, is_email

        email = state().store.owns(Path(record.path).parent)
        data = attached_file(email, record.sha256) if email and is_email(email) else None
        if data is None:
            abort(404)
        return send_file(io.BytesIO(data), mimetype="application/octet-stream",
                         as_attachment=True, download_name=stored_name(Path(record.path).name),
                         max_age=0, etag=False, conditional=False)
    if sha256_of(path) != record.sha256:
        abort(404)
    return _send(path, stored_name(path.name), "application/octet-stream")


@blueprint.route("/version/<int:version_id>/annotated")
def annotated_file(version_id: int) -> Response:
    record = _known_version(version_id)
    try:
        path = state().store.annotated(record.sha256)
    except NotFound:
        abort(404)
    if not path.is_file():
        abort(404)
    name = stored_name(Path(record.path).stem + "-annotated.docx")
    return _send(path, name, "application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document")


@blueprint.route("/form/<form_id>/finalised/<sha256>.pdf")
def finalised_file(form_id: str, sha256: str) -> Response:
    history = form_history(state().register, form_id)
    if history is None or not any(e.kind == "finalised" and e.pdf_sha256 == sha256
                                  for e in history.events):
        abort(404)
    try:
        path = state().store.finalised(sha256)
    except NotFound:
        abort(404)
    if not path.is_file() or sha256_of(path) != sha256:
        abort(404)
    return _send(path, stored_name(f"{form_id}-finalised.pdf"), "application/pdf")
