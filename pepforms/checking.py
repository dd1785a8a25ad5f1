"""Checking returned forms: one file, a batch, and the `validate` job as one call.

Reading is `reading.py`, identity checks `matching.py`, the rules `validate/`; this module only
orchestrates them. Every problem with a file is a finding for that file; a batch never stops
because of one bad file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pepforms.calendar import Term
from pepforms.emails import check_named_child, is_email
from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.findings import ERROR, Finding, make, sort_findings
from pepforms.matching import IdentityInput, differs_from_roster, identity_findings
from pepforms.outputs import check_output_file, check_output_folder, refuse_overlap, require_inputs
from pepforms.reading import ReadOutcome, read_form_file
from pepforms.recording import Recorder, record_sent_back
from pepforms.report.model import FormResult, Report
from pepforms.report.render import term_label
from pepforms.roster import Child
from pepforms.schema import load_authority
from pepforms.terminal import printable
from pepforms.validate.engine import ValidationContext, validate_instance
from pepforms.validate.quality import indicative_grade
from pepforms.validate.verdict import in_form_order

if TYPE_CHECKING:
    from pepforms.annotating import Annotated
    from pepforms.emails import Attachment, SavedEmail
    from pepforms.register import Register

# Every kind of file a school might send back, so that none is skipped without a word.
FORM_SUFFIXES = {".docx", ".doc", ".docm", ".odt", ".rtf", ".dotx", ".pdf", ".pages"}

__all__ = ["CheckOptions", "FormResult", "Report", "check_email", "check_file", "check_path",
           "collect_paths", "differs_from_roster", "read_form_file", "validate"]


@dataclass(frozen=True)
class CheckOptions:
    roster: Mapping[str, Child] | None = None
    term: Term | None = None
    received: date | None = None  # when the forms came back (wins over everything else)
    # When neither `received` nor a form's email says: the day, else each form's last-saved date.
    usual_received: date | None = None
    roster_rejected: Mapping[str, Finding] | None = None  # child id → why its row was refused


def reading_context(outcome: ReadOutcome, returned: date | None) -> ValidationContext:
    """What the validator must know of the reading: stand-ins typed where a date, number or
    choice was wanted; answers not understood (already findings, so never also "blank"); and,
    for a form issued under an older version of its schema, the questions it did not have
    (reported as not found, not as unanswered)."""
    assert outcome.model is not None and outcome.read is not None
    issued = outcome.properties.get("schema_version")
    older = bool(issued) and issued != outcome.model.version
    read = outcome.read
    return ValidationContext(returned_on=returned, stand_ins=dict(read.stand_ins),
                             not_understood=frozenset(f.pointer for f in read.findings
                                                      if f.code == "value-not-understood"),
                             not_on_form=frozenset(read.missing) if older else frozenset(),
                             not_asked=outcome.not_asked)


def _checked(outcome: ReadOutcome, path: Path, options: CheckOptions) -> FormResult:
    result = outcome.result
    if outcome.model is None or outcome.read is None:
        return result
    returned = options.received or options.usual_received or outcome.saved_at
    findings = list(result.findings)
    findings += identity_findings(
        IdentityInput(path, outcome.model, outcome.read.instance, outcome.properties,
                      outcome.identity_lost), options.roster, options.term,
        options.roster_rejected)
    findings += validate_instance(outcome.model, outcome.read.instance,
                                  reading_context(outcome, returned))
    result.findings = in_form_order(outcome.model, findings)
    result.status = "fail" if any(f.severity == ERROR for f in findings) else "pass"
    result.received = returned
    framework = load_authority(outcome.model.authority).qa_framework
    result.quality = indicative_grade(framework, outcome.model.phase, result.findings,
                                      outcome.read.instance)
    return result


def check_file(path: Path, options: CheckOptions = CheckOptions()) -> FormResult:
    """Read and validate one file. Never raises for a problem with the file."""
    try:
        return _checked(read_form_file(path), path, options)
    except Exception as exc:  # a fault in pepforms itself must not stop the batch
        return _fault(path, exc)


def _fault(path: Path, exc: Exception) -> FormResult:
    return FormResult(path=str(path), status="unreadable", findings=[
        make("damaged-file", detail="pepforms could not finish checking it; please report "
                                    "this, the other files were checked",
             note=f"{type(exc).__name__} at {_where(exc)}")])


def _email_form(email_path: Path, name: str, data: bytes, options: CheckOptions) -> FormResult:
    import hashlib

    from pepforms.reading import read_form_bytes, unreadable_result
    from pepforms.word.package import MAX_FILE_BYTES

    inside = email_path / name  # names the form in every report; nothing is written there
    if len(data) > MAX_FILE_BYTES:
        result = unreadable_result(inside, make("too-large", detail=f"{len(data) // 2**20} MB"))
    else:
        try:
            outcome = read_form_bytes(inside, data)
            outcome.result.sha256 = hashlib.sha256(data).hexdigest()
            result = _checked(outcome, inside, options)
        except Exception as exc:  # a fault in pepforms itself must not stop the batch
            result = _fault(inside, exc)
    result.email = str(email_path)
    result.received = result.received or options.received
    return result


def check_email(path: Path, options: CheckOptions = CheckOptions()) -> list[FormResult]:
    """Every PEP form attached to one saved email (.eml or .msg), each received on the day the
    email arrived unless the options say otherwise; an email with no form is one finding."""
    from pepforms.emails import MAX_EMAIL_BYTES, MAX_EMAIL_FORMS, EmailProblem, read_email
    from pepforms.reading import Unreadable, read_form_file_bytes

    try:
        data = read_form_file_bytes(path, MAX_EMAIL_BYTES)
        saved = read_email(path, data)
    except EmailProblem as exc:
        return [FormResult(path=str(path), status="unreadable", findings=[exc.finding])]
    except Unreadable as exc:
        return [FormResult(path=str(path), status="unreadable", findings=[exc.finding])]
    forms, left = _attached_forms(saved)
    if not forms:
        others = [printable(a.name) for a in saved.attachments]
        listing = ("it has " + _some(others)) if others else "it has no attachments"
        return [FormResult(path=str(path), status="unreadable", email=str(path),
                           findings=[make("email-no-form", detail=listing)])]
    dated = replace(options, received=options.received or saved.received)
    results = [_email_form(path, name, attachment.data, dated) for name, attachment in forms]
    results = _tidy_email(results, saved.subject)
    if left:
        add_finding(results[0], make("email-too-many-files", detail=str(MAX_EMAIL_FORMS),
                                     value=_some([printable(a.name) for a in left])))
    # Which child the subject names is checked by the batch (validate), once every child it
    # meets is known, and by the register's Recorder.
    return results


def _attached_forms(saved: SavedEmail) -> tuple[list[tuple[str, Attachment]], list[Attachment]]:
    """The email's attachments that may be forms, each with the name reports give it inside the
    email (made safe, and unique: a second `PEP.docx` is `PEP (2).docx`), up to the most read;
    and those left over."""
    from pepforms.emails import MAX_EMAIL_FORMS
    from pepforms.fileio import safe_name

    candidates = [a for a in saved.attachments if Path(a.name).suffix.lower() in FORM_SUFFIXES]
    named, names = [], set()
    for attachment in candidates[:MAX_EMAIL_FORMS]:
        name = safe_name(attachment.name, "form.docx")
        stem, n = Path(name), 2
        while name.casefold() in names:
            name, n = f"{stem.stem} ({n}){stem.suffix}", n + 1
        names.add(name.casefold())
        named.append((name, attachment))
    return named, candidates[MAX_EMAIL_FORMS:]


def attached_form_names(path: Path) -> list[str]:
    """The names of the forms attached to a saved email, as reports name them inside it
    (`RE PEP.eml/Form.docx`); none when it cannot be read or has no form."""
    from pepforms.emails import MAX_EMAIL_BYTES, EmailProblem, read_email
    from pepforms.reading import Unreadable, read_form_file_bytes

    try:
        saved = read_email(path, read_form_file_bytes(path, MAX_EMAIL_BYTES))
    except (EmailProblem, Unreadable):
        return []
    return [name for name, _ in _attached_forms(saved)[0]]


def form_in_email(path: Path) -> tuple[Path, str] | None:
    """(the saved email, "") for an email; (the email, the form's name) for a form named inside
    its email as reports name it (`inbox/RE PEP.eml/Form.docx`); None for anything else."""
    from pepforms.emails import is_email

    if is_email(path) and not path.is_dir():
        return path, ""
    if not path.exists() and is_email(path.parent) and path.parent.is_file():
        return path.parent, path.name
    return None


def check_one_form(path: Path, options: CheckOptions = CheckOptions(),
                   last_email: dict[Path, list[FormResult]] | None = None) -> FormResult:
    """One returned form: a file, the one form attached to a saved email, or a form named
    inside its email (`RE PEP.eml/Form.docx`). Raises PepformsError when an email holds several
    forms and none is named, or not the one named. A caller going through an email's forms one
    by one passes `last_email`, which keeps the last email's checks, so it is checked once."""
    inside = form_in_email(path)
    if inside is None:
        return check_file(path, options)
    email, name = inside
    results = (last_email or {}).get(email)
    if results is None:
        results = check_email(email, options)
        if last_email is not None:
            last_email.clear()
            last_email[email] = results
    if name:
        chosen = [r for r in results if r.email and Path(r.path).name == name]
        if not chosen:
            raise PepformsError(f"{printable(str(email))} has no form called {printable(name)} "
                                "attached.")
        return chosen[0]
    if len(results) > 1:
        names = [printable(Path(r.path).name) for r in results]
        raise PepformsError(f"{printable(str(email))} has {len(results)} forms attached "
                            f"({_some(names)}): finalise them into a folder (--out FOLDER), or "
                            f"name one, as in {printable(str(email / Path(results[0].path).name))}.")
    return results[0]


def _some(names: list[str], most: int = 10) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _tidy_email(results: list[FormResult], subject: str) -> list[FormResult]:
    """An email's other Word or PDF files that are not PEP forms (a school report, a letter)
    are named on its forms rather than reported as forms of their own; pictures and the like
    are passed over. The subject is kept for the batch's check of which child it names."""
    forms = [r for r in results if not _not_a_form(r)] or results
    skipped = [printable(Path(r.path).name) for r in results if r not in forms]
    for result in forms:
        result.email_subject = subject
        if skipped:
            add_finding(result, make("email-other-attachments", detail=_some(skipped)))
    return forms


def _not_a_form(result: FormResult) -> bool:
    return result.status == "unreadable" and any(f.code == "not-a-pep-form"
                                                 for f in result.findings)


def check_path(path: Path, options: CheckOptions = CheckOptions()) -> list[FormResult]:
    """One file's results: one for a form, one per attached form for a saved email."""
    return check_email(path, options) if is_email(path) else [check_file(path, options)]


def _where(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"


def _is_candidate(p: Path, emails: bool) -> bool:
    # Links, pipes and devices count too: each gets a finding saying it was not read.
    return ((p.suffix.lower() in FORM_SUFFIXES or (emails and is_email(p)))
            and not p.name.startswith(("~$", "."))
            and (p.is_symlink() or not p.is_dir()))


def collect_paths(paths: Iterable[Path], *, emails: bool = False) -> list[Path]:
    """Files to check: the files given, and every form-like file in the folders given (each
    link, pipe or device among them is reported, never followed or opened); with `emails`,
    the saved emails in those folders too (for a job that reads forms from emails)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += [p for p in sorted(path.rglob("*")) if _is_candidate(p, emails)]
        else:
            out.append(path)
    return out


def _check(args: tuple[Path, CheckOptions, bool]) -> list[FormResult]:
    path, options, keep_answers = args
    results = check_path(path, options)
    if not keep_answers:  # dropped here, so a worker process never sends them back either
        for result in results:
            result.instance = None
    return results


def validate(paths: Iterable[Path], options: CheckOptions = CheckOptions(), *, jobs: int = 1,
             progress: Callable[[int], None] | None = None,
             on_total: Callable[[int], None] | None = None,
             on_result: Callable[[FormResult], None] | None = None,
             keep_answers: bool = False) -> Report:
    """Check returned forms (files, saved emails and folders); one result per form file and
    one per form attached to an email (or one for an email with none), sorted by path.

    A batch keeps each form's findings, not its answers, so that its memory does not grow with
    the forms' contents: `instance` is None unless `keep_answers` (an export of the answers
    needs them). `on_result` sees each result as it comes, answers included, e.g. to record it
    in the register; they are dropped once it has.
    """
    from pepforms.fanout import fan_out_iter, long_lived_frozen

    files = collect_paths(paths, emails=True)
    if on_total:
        on_total(len(files))
    wanted = keep_answers or on_result is not None  # must the checks hand the answers back?
    results: list[FormResult] = []
    known: dict[str, str] = {c.child_id: f"{c.first_name} {c.last_name}"
                             for c in (options.roster or {}).values()}
    held: list[FormResult] = []  # forms from emails wait for every child of the batch to be known

    def done(result: FormResult) -> None:
        if on_result:
            on_result(result)
        if not keep_answers:
            result.instance = None
        result.email_subject = ""
        results.append(result)

    with long_lived_frozen():
        for batch in fan_out_iter(_check, [(f, options, wanted) for f in files], jobs, progress):
            for result in batch:
                if result.child_id:
                    known.setdefault(result.child_id, result.child_name)
                if result.email_subject:
                    held.append(result)
                else:
                    done(result)
                long_lived_frozen.loaded()
    for result in held:
        check_named_child(result, known)
        done(result)
    results.sort(key=lambda r: r.path)
    _flag_duplicates(results)
    return Report(results, created=date.today())


def add_finding(result: FormResult, finding: Finding) -> None:
    """One more finding for a checked form, kept in form order."""
    findings = [*result.findings, finding]
    if result.authority and result.phase:
        from pepforms.schema import form_model

        result.findings = in_form_order(form_model(result.authority, result.phase), findings)
    else:
        result.findings = sort_findings(findings)


def _flag_duplicates(results: list[FormResult]) -> None:
    """Two returned forms for the same child and term: a warning on each naming the other."""
    groups: dict[tuple[str, str], list[FormResult]] = {}
    for r in results:
        if r.status != "unreadable" and r.child_id and r.term:
            groups.setdefault((r.child_id, r.term), []).append(r)
    for (child_id, term), same in groups.items():
        if len(same) < 2:
            continue
        names = [printable(Path(r.path).name) for r in same]
        for i, r in enumerate(same):
            add_finding(r, make(
                "duplicate-return", pointer="/child/child_id", section="About the child",
                detail=child_id, other=_others(names, i), value=term_label(term)))


def _others(names: list[str], i: int, most: int = 10) -> str:
    """Every name but the `i`th, shown as `_some` shows names: a batch holding a hundred
    copies of one form names ten on each, not ninety-nine (which grew with the square of the
    copies, in time and in the memory of the report)."""
    shown = [name for j, name in enumerate(names[:most + 1]) if j != i][:most]
    left = len(names) - 1 - len(shown)
    return ", ".join(shown) + (f" and {left} more" if left else "")


# --------------------------------------------------------------------------------------------
# The `validate` job: everything checked before any work, then one call does it all.


@dataclass(frozen=True)
class ValidateJob:
    paths: tuple[Path, ...]
    roster: Path | None = None
    column_map: Path | None = None
    sheet: str | None = None
    term: Term | None = None
    received: date | None = None
    usual_received: date | None = None  # see CheckOptions
    json_out: Path | None = None
    csv_out: Path | None = None
    html_out: Path | None = None
    annotate_dir: Path | None = None
    jobs: int = 1
    force: bool = False


@dataclass
class ValidateOutcome:
    report: Report
    written: list[Path]
    annotated: list[Annotated]


def _roster_for(job: ValidateJob) -> tuple[dict[str, Child] | None, list[Finding]]:
    if job.roster is None:
        return None, []
    from pepforms.roster import read_roster

    # The roster's term sets each child's year group; without --term, the term we are in.
    term = job.term or Term.containing(date.today())
    rows = read_roster(job.roster, term, job.column_map, sheet=job.sheet or None)
    return {c.child_id: c for c in rows.children}, list(rows.problems)


def check_job(job: ValidateJob) -> None:
    """Every input and output of a validate job, checked before any work (PepformsError)."""
    require_inputs(job.paths)
    extra = [p for p in (job.roster, job.column_map) if p is not None]
    require_inputs(extra, "file")
    for out in (job.json_out, job.csv_out, job.html_out):
        check_output_file(out, [*job.paths, *extra], job.force)
    if job.annotate_dir is not None:
        refuse_overlap(job.annotate_dir, job.paths, "folder for annotated copies")
        check_output_folder(job.annotate_dir, job.force)


def run_validate(job: ValidateJob, *, progress: Callable[[int], None] | None = None,
                 on_total: Callable[[int], None] | None = None,
                 register: Register | None = None) -> ValidateOutcome:
    """The whole `validate` command: check, report, annotate, and record each form in the
    term register when one is given. Raises PepformsError (before any work) when an input or
    output is unusable; every problem with a form is a finding."""
    from pepforms.annotating import annotate
    from pepforms.report.render import findings_csv, report_html, report_json

    check_job(job)
    roster, roster_findings = _roster_for(job)
    files = collect_paths(job.paths, emails=True)
    if not files:
        raise PepformsError("No forms found in " + ", ".join(str(p) for p in job.paths) + ".")
    rejected = {f.child_id: f for f in roster_findings if f.severity == ERROR and f.child_id}
    options = CheckOptions(roster=roster, term=job.term, received=job.received,
                           usual_received=job.usual_received, roster_rejected=rejected)
    recorder = Recorder(register, job.received) if register is not None else None
    with register.batch() if register is not None else nullcontext():
        report = validate(files, options, jobs=job.jobs, progress=progress, on_total=on_total,
                          on_result=recorder)
    report.roster_findings = roster_findings
    # Copies first, so a form whose copy could not be made says so in every report.
    annotated = annotate(report, job.annotate_dir, force=job.force) if job.annotate_dir else []
    if register is not None and annotated:
        record_sent_back(register, report.forms, {a.source: a.target for a in annotated})
    for outcome in annotated:
        if outcome.problem is not None:
            result = next(r for r in report.forms if r.path == outcome.source)
            add_finding(result, outcome.problem)
    written = []
    for out, render in ((job.json_out, report_json), (job.csv_out, findings_csv),
                        (job.html_out, lambda r: report_html(r).encode("utf-8"))):
        if out is not None:
            atomic_write(out, render(report), force=job.force)
            written.append(out)
    return ValidateOutcome(report, written, annotated)
