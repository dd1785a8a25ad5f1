"""Check returned forms: files (or zips) dropped on the page are stored under server-made names,
checked and recorded exactly as `pepforms validate` does (received today, annotated copies made),
and shown per file with what to do; the annotated copies download as one zip per school.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import fields
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from pepforms.checking import ValidateJob, run_validate
from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.findings import Finding
from pepforms.report.model import FormResult, Report
from pepforms.report.render import by_role, by_school, findings_csv, report_html, report_json
from pepforms.web.app import state
from pepforms.web.store import NotFound, read_meta, sha256_of, write_meta
from pepforms.web.uploads import TooMany, Upload, stored_name, take_in

blueprint = Blueprint("check", __name__)

REPORTS = {"report.html": "text/html", "report.json": "application/json",
           "findings.csv": "text/csv"}
WHAT_TO_DO = {
    "pass": "Nothing to change: the form is ready for quality assurance.",
    "fail": "Send the annotated copy back to the school: each problem is a comment beside its "
            "answer.",
    "unreadable": "The form could not be read: ask the school to send it again, as the message "
                  "says.",
}
_FINDING_FIELDS = {f.name for f in fields(Finding)}


def _form(errors: dict[str, str] | None = None, status: int = 200) -> Response:
    page = render_template("check.html", errors=errors or {}, limits=state().config.limits)
    return Response(page, status=status, mimetype="text/html")


@blueprint.route("/check")
def check_form() -> Response:
    return _form()


def shown_path(result: FormResult, names: dict[str, str]) -> str:
    """The name a file came under; a form attached to an email is shown inside the email's."""
    if result.email and result.path != result.email:
        return f"{names.get(result.email, Path(result.email).name)}/{Path(result.path).name}"
    return names.get(result.path, result.path)


def _display_report(report: Report, names: dict[str, str], upload: Upload) -> Report:
    """The same report, each file shown by the name it came under (not the server's path)."""
    from dataclasses import replace

    forms = [replace(r, path=shown_path(r, names)) for r in report.forms]
    forms += [FormResult(path=r.original, status="unreadable", findings=[r.finding])
              for r in upload.refused]
    return Report(forms, report.roster_findings, report.created)


def _results(report: Report, names: dict[str, str], shas: dict[str, str],
             annotated: dict[str, Path | None]) -> list[dict[str, Any]]:
    out = []
    for result in report.forms:
        data = result.as_dict()
        data["path"] = shown_path(result, names)
        data["received"] = result.received.isoformat() if result.received else None
        data["sha256"] = shas.get(result.path, result.sha256 if result.email else "")
        data["annotated"] = annotated.get(result.path) is not None
        data["stored_name"] = Path(result.path).name
        out.append(data)
    return out


def _keep_annotated(outcome: Any, shas: dict[str, str]) -> dict[str, Path | None]:
    """Each annotated copy kept by its returned file's SHA-256 (the child page offers it too)."""
    kept: dict[str, Path | None] = {}
    attached = {r.path: r.sha256 for r in outcome.report.forms if r.email}
    for made in outcome.annotated:
        if made.target is None:
            kept[made.source] = None
            continue
        target = state().store.annotated(shas.get(made.source) or attached[made.source])
        shutil.copyfile(made.target, target)
        kept[made.source] = target
    return kept


def _write_reports(folder: Path, shown: Report) -> None:
    atomic_write(folder / "report.html", report_html(shown).encode("utf-8"), force=True)
    atomic_write(folder / "report.json", report_json(shown), force=True)
    atomic_write(folder / "findings.csv", findings_csv(shown), force=True)


def _schools(shown: Report) -> list[dict[str, Any]]:
    index = {id(r): i for i, r in enumerate(shown.forms)}
    return [{"name": g.name, "urn": g.urn, "files": [index[id(r)] for r in g.forms],
             "counts": g.counts} for g in by_school(shown)]


def _check(batch: str, folder: Path, upload: Upload) -> dict[str, Any]:
    names = {str(s.path): s.original for s in upload.stored}
    shas = {str(s.path): sha256_of(s.path) for s in upload.stored}
    report, annotated = Report([], created=date.today()), {}
    if upload.stored:
        # Sent today, unless a form came attached to a saved email: then the day it arrived.
        job = ValidateJob(paths=tuple(s.path for s in upload.stored), usual_received=date.today(),
                          annotate_dir=folder / "annotated")
        outcome = run_validate(job, register=state().register)
        report = outcome.report
        annotated = _keep_annotated(outcome, shas)
    shown = _display_report(report, names, upload)
    _write_reports(folder, shown)
    results = _results(report, names, shas, annotated)
    results += [{"path": r.original, "status": "unreadable", "form_id": "", "child_id": "",
                 "school": "", "school_urn": "", "findings": [r.finding.as_dict()],
                 "quality": None, "annotated": False, "sha256": "", "stored_name": ""}
                for r in upload.refused]
    return {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "id": batch, "results": results, "skipped": upload.skipped,
            "counts": shown.counts(), "schools": _schools(shown)}


@blueprint.route("/check", methods=["POST"])
def check_upload() -> BaseResponse:
    sent = [f for f in request.files.getlist("forms") if f.filename]
    if not sent:
        return _form({"forms": "Select one or more returned forms, or a zip of them"}, 400)
    store = state().store
    batch = store.new_id()
    folder = store.batch(batch, create=True)
    try:
        upload = take_in(((f.filename or "", f.stream) for f in sent), folder / "files",
                         state().config.limits)
        meta = _check(batch, folder, upload)
    except TooMany as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _form({"forms": str(exc)}, 400)
    except PepformsError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _form({"forms": str(exc)}, 400)
    write_meta(folder, meta)
    return redirect(f"/check/{batch}", code=303)


def _batch(batch: str) -> tuple[Path, dict[str, Any]]:
    try:
        folder = state().store.batch(batch)
        return folder, read_meta(folder)
    except NotFound:
        abort(404)


def findings_of(result: dict[str, Any]) -> list[Finding]:
    return [Finding(**{k: v for k, v in f.items() if k in _FINDING_FIELDS})
            for f in result.get("findings", [])]


@blueprint.route("/check/<batch>")
def batch_page(batch: str) -> str:
    _, meta = _batch(batch)
    results = meta["results"]
    return render_template("batch.html", meta=meta, results=results, findings_of=findings_of,
                           by_role=by_role, what_to_do=WHAT_TO_DO)


@blueprint.route("/check/<batch>/<any('report.html', 'report.json', 'findings.csv'):name>")
def batch_report(batch: str, name: str) -> Response:
    folder, _ = _batch(batch)
    path = folder / name
    if not path.is_file():
        abort(404)
    if name == "report.html":
        from pepforms.web.reports import library_page

        return library_page(path.read_text(encoding="utf-8"))
    return send_file(path, mimetype=REPORTS[name], as_attachment=True,
                     download_name=f"checked-{batch[:8]}-{name}", max_age=0, etag=False)


def _annotated_bytes(result: dict[str, Any]) -> bytes | None:
    if not result.get("annotated") or not result.get("sha256"):
        return None
    try:
        path = state().store.annotated(result["sha256"])
    except NotFound:
        return None
    return path.read_bytes() if path.is_file() else None


@blueprint.route("/check/<batch>/file/<int:index>/annotated")
def batch_annotated(batch: str, index: int) -> Response:
    _, meta = _batch(batch)
    if not 0 <= index < len(meta["results"]):
        abort(404)
    result = meta["results"][index]
    data = _annotated_bytes(result)
    if data is None:
        abort(404)
    name = stored_name(Path(result.get("stored_name") or "form.docx").stem + "-annotated.docx")
    return send_file(io.BytesIO(data), mimetype="application/vnd.openxmlformats-officedocument."
                     "wordprocessingml.document", as_attachment=True, download_name=name)


@blueprint.route("/check/<batch>/school/<int:index>.zip")
def school_zip(batch: str, index: int) -> Response:
    _, meta = _batch(batch)
    if not 0 <= index < len(meta["schools"]):
        abort(404)
    school = meta["schools"][index]
    buffer, used = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in school["files"]:
            result = meta["results"][i]
            data = _annotated_bytes(result)
            if data is None:
                continue
            name, n = stored_name(Path(result["stored_name"]).stem + "-annotated.docx"), 2
            while name.casefold() in used:
                name, n = stored_name(f"{Path(result['stored_name']).stem}-annotated-{n}.docx"), n + 1
            used.add(name.casefold())
            zf.writestr(name, data)
    if not used:
        abort(404)
    label = stored_name(school["urn"] or f"school-{index + 1}")
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"annotated-{label}.zip")
