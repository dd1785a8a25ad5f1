"""The termly pack: one pre-filled form per child on the roster, grouped by school, with a manifest.

Templates are prepared once per batch, before any worker starts (forked workers inherit them);
each child then costs a Jinja render and a zip write. Children go to the workers in runs, and each
run's files are made durable together. Nothing is overwritten without `force`, and every file is
written atomically, so an interrupted run leaves no half-written form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pepforms.calendar import Term, phase_for
from pepforms.errors import OutputExistsError, TemplateError
from pepforms.fanout import chunks, fan_out
from pepforms.fileio import NAME_BYTES, StagedWrites, inside, remove_leftovers, safe_name
from pepforms.finalising import record_for_instance, record_pdf
from pepforms.findings import Finding
from pepforms.forms import form_content, form_id, locked_values, return_sentence, template_path
from pepforms.outputs import check_output_folder, refuse_overlap, require_inputs
from pepforms.pdf.fillable import build_fillable
from pepforms.previous import PreviousForm, carried_for, load_previous
from pepforms.report.csvfile import csv_bytes
from pepforms.roster import Child, Roster, read_roster
from pepforms.schema import form_model, load_authority, resolve_authority
from pepforms.word.render import PreparedTemplate, context_for

if TYPE_CHECKING:
    from pepforms.register import Register

MANIFEST = "manifest.csv"
ROSTER_PROBLEMS = "roster-problems.csv"
PREVIOUS_NOT_USED = "previous-not-used.csv"
SCHOOL_SUMMARY = "summary.txt"


@dataclass(frozen=True)
class GeneratedForm:
    child_id: str
    school: str
    phase: str
    form_id: str
    file: str  # relative to the output folder
    sha256: str
    kind: str = "blank form"
    locked: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    prefill_digest: str = ""


@dataclass
class GenerateResult:
    out_dir: Path
    forms: list[GeneratedForm]  # every file written: blank forms, fillable PDFs, last term's PDFs
    roster: Roster
    manifest: Path
    previous_not_used: list[tuple[str, str]] = field(default_factory=list)
    recorded: int | None = None  # forms newly recorded in the term register (None: no register)

    @property
    def problems(self) -> list[Finding]:
        return self.roster.problems

    @property
    def skipped_rows(self) -> int:
        """Roster rows left out (a row with several errors counts once)."""
        return len({p.line for p in self.problems if p.severity == "error" and p.line})

    def count(self, kind: str) -> int:
        return sum(1 for f in self.forms if f.kind == kind)


def school_folder(child: Child) -> str:
    if not child.school_name.strip():
        return "No setting (health visitor)"
    name = safe_name(child.school_name, fallback="School", max_bytes=120)
    urn = safe_name(child.school_urn, fallback="", max_bytes=30)
    return f"{name} ({urn})" if urn else name


def _stem(child: Child, tail: str) -> str:
    """`Surname-First-<child id>-<tail>`: the names are cut to fit, the id and tail never."""
    child_id = safe_name(child.child_id, fallback="no-id", max_bytes=40)
    tail = safe_name(tail, fallback="form", max_bytes=40)
    names = "-".join(safe_name(n, fallback="", max_bytes=NAME_BYTES).replace(" ", "-")
                     for n in (child.last_name, child.first_name) if n.strip())
    room = NAME_BYTES - len(f"-{child_id}-{tail}.docx".encode())
    names = safe_name(names, fallback="", max_bytes=room).strip("-")
    return f"{names}-{child_id}-{tail}" if names else f"{child_id}-{tail}"


def form_filename(child: Child, term: Term) -> str:
    return _stem(child, str(term)) + ".docx"


def _relative_path(child: Child, term: Term, pack: bool = False) -> Path:
    """Where a child's form goes: in its school's folder; in a folder of its own within it
    when the pack also holds last term's PDF."""
    name = form_filename(child, term)
    if pack:
        return Path(school_folder(child)) / name.removesuffix(f"-{term}.docx") / name
    return Path(school_folder(child)) / name


def previous_pdf_name(child: Child, previous_term: str) -> str:
    return _stem(child, f"{previous_term or 'last-term'}-finalised") + ".pdf"


def unique_paths(paths: list[Path]) -> list[Path]:
    """The same paths, a suffix added where two would be the same file (case-insensitively, as
    on Windows and macOS), so no roster is refused for a clash of names."""
    seen: set[str] = set()
    out = []
    for path in paths:
        candidate, n = path, 2
        while candidate.as_posix().casefold() in seen:
            candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
            n += 1
        seen.add(candidate.as_posix().casefold())
        out.append(candidate)
    return out


# Per-process cache of prepared templates (the expensive part is done once per process).
_PREPARED: dict[Path, PreparedTemplate] = {}


def prepared_template(path: Path) -> PreparedTemplate:
    """The template at `path`, prepared once per process."""
    if path not in _PREPARED:
        _PREPARED[path] = PreparedTemplate(path)
    return _PREPARED[path]


@dataclass(frozen=True)
class _Job:
    authority: str
    term: str
    child: Child
    out: Path
    relative: Path
    force: bool
    previous: PreviousForm | None = None
    pdf: bool = False


def _previous_record(job: _Job) -> bytes:
    prev = job.previous
    assert prev is not None
    if prev.authority and prev.phase:
        pdf, _ = record_pdf(prev.authority, prev.phase, prev.instance, prev.term, prev.form_id,
                            prev.findings)
        return pdf
    # JSON from `pepforms read`: this batch's authority, the phase of last term's year group.
    year = prev.instance.get("child", {}).get("year_group", job.child.year_group)
    try:
        phase = phase_for(int(year), job.child.curriculum)
    except (TypeError, ValueError):
        phase = job.child.phase
    if phase not in load_authority(job.authority).phases:
        phase = job.child.phase
    pdf, _ = record_for_instance(job.authority, phase, prev.instance)
    return pdf


@dataclass(frozen=True)
class _Rendered:
    form_id: str
    locked: Mapping[str, Any]
    prefill_digest: str
    files: list[tuple[Path, bytes, str]]


def _render_files(job: _Job) -> _Rendered:
    """Every file (relative path, bytes, kind) one child's job makes, and what it locked."""
    term = Term.parse(job.term)
    model = form_model(job.authority, job.child.phase)
    template = prepared_template(template_path(job.authority, job.child.phase))
    carried = carried_for(model, job.previous) if job.previous else None
    content = form_content(model, job.child, term, carried)
    data = template.render(context_for(model, content), content.properties)
    files = [(job.relative, data, "blank form")]
    if job.pdf:
        a = load_authority(job.authority)
        pdf = build_fillable(model, content.values, content.tables,
                             organisation=a.raw.get("virtual_school", a.name),
                             header_line=content.header_line, term_label=content.term_label,
                             form_id=content.form_id, properties=content.properties)
        files.append((job.relative.with_suffix(".pdf"), pdf, "fillable PDF"))
    if job.previous is not None:
        name = previous_pdf_name(job.child, job.previous.term)
        files.append((job.relative.parent / name, _previous_record(job), "last term's PEP (PDF)"))
    return _Rendered(content.form_id, locked_values(model, content.values),
                     content.properties.get("prefill_digest", ""), files)


def _same_as_there(target: Path, blob: bytes) -> bool:
    try:
        return target.is_file() and target.stat().st_size == len(blob) and \
            target.read_bytes() == blob
    except OSError:
        return False


def _render_one(job: _Job, staged: StagedWrites) -> list[GeneratedForm]:
    rendered = _render_files(job)
    out = []
    for relative, blob, kind in rendered.files:
        target = inside(job.out, relative)
        if not _same_as_there(target, blob):  # a re-run keeps what is already right
            staged.write(target, blob, force=job.force)
        out.append(GeneratedForm(
            child_id=job.child.child_id,
            school=job.child.school_name or "No setting",
            phase=job.child.phase,
            form_id=rendered.form_id,
            file=relative.as_posix(),
            sha256=hashlib.sha256(blob).hexdigest(),
            kind=kind,
            locked=rendered.locked if kind == "blank form" else {},
            prefill_digest=rendered.prefill_digest,
        ))
    return out


def _render_run(run: list[_Job]) -> list[GeneratedForm]:
    """A run of children's forms, made durable together."""
    forms: list[GeneratedForm] = []
    with StagedWrites() as staged:
        for job in run:
            forms.extend(_render_one(job, staged))
    return forms


def _manifest_csv(forms: Iterable[GeneratedForm]) -> bytes:
    return csv_bytes(["child_id", "school", "phase", "form_id", "kind", "file", "sha256"],
                     ([f.child_id, f.school, f.phase, f.form_id, f.kind, f.file, f.sha256]
                      for f in forms))


def _problems_csv(problems: Iterable[Finding]) -> bytes:
    # A roster finding points at /child/<column>.
    return csv_bytes(["line", "child_id", "column", "severity", "code", "message"],
                     ([p.line or "", p.child_id, p.pointer.removeprefix("/child/"), p.severity,
                       p.code, p.message] for p in problems))


def generate(
    authority: str,
    term: str | Term,
    roster_path: Path,
    out_dir: Path,
    *,
    column_map: Path | None = None,
    force: bool = False,
    jobs: int = 1,
    previous: Path | None = None,
    pdf: bool = False,
    sheet: str | None = None,
    register: Register | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Write one pre-filled form per child on the roster, and the manifest.

    With `previous` (last term's returned forms), each child's folder also gets last term's
    finalised PDF, and the new form carries last term's targets and lasting details forward.
    With `pdf`, each child also gets the blank form as a fillable PDF.
    """
    the_term = term if isinstance(term, Term) else Term.parse(term)
    authority = resolve_authority(authority)
    _check_job(roster_path, out_dir, previous, column_map)
    roster = read_roster(roster_path, the_term, column_map, sheet=sheet or None)
    phases = sorted({c.phase for c in roster.children})
    for phase in phases:
        form_model(authority, phase)
        if not template_path(authority, phase).is_file():
            raise TemplateError(f"The {phase} template for {authority} is missing: run "
                                f"`pepforms template build {authority}`.")
    last_term = load_previous(previous, authority) if previous is not None else None
    pack = last_term is not None
    relatives = unique_paths([_relative_path(c, the_term, pack) for c in roster.children])
    jobs_list = [
        _Job(authority, str(the_term), child, out_dir, relative, force,
             last_term.for_child(child) if last_term else None, pdf)
        for child, relative in zip(roster.children, relatives, strict=True)
    ]
    for job in jobs_list:
        inside(out_dir, job.relative)
    remove_leftovers(out_dir)
    _check_outputs(jobs_list, force)
    if on_total:
        on_total(len(jobs_list))
    for phase in phases:  # prepared here, so that forked workers inherit them
        prepared_template(template_path(authority, phase))
    runs = chunks(jobs_list, jobs)
    forms = [f for done in fan_out(_render_run, runs, jobs, progress, size=len) for f in done]
    manifest = out_dir / MANIFEST
    leftovers = last_term.leftovers(roster.children) if last_term else []
    with StagedWrites() as staged:  # durable together; the manifest takes its name last
        if roster.problems:
            _write_if_changed(staged, out_dir / ROSTER_PROBLEMS, _problems_csv(roster.problems))
        if last_term is not None:
            _write_if_changed(staged, out_dir / PREVIOUS_NOT_USED, _leftovers_csv(leftovers))
            _school_summaries(staged, out_dir, the_term, roster.children, forms,
                              return_sentence(authority))
        _write_if_changed(staged, manifest, _manifest_csv(forms))
    result = GenerateResult(out_dir=out_dir, forms=forms, roster=roster, manifest=manifest,
                            previous_not_used=leftovers)
    if register is not None:
        from pepforms.recording import record_generated

        result.recorded = record_generated(register, result, authority, str(the_term))
    return result


def _leftovers_csv(rows: list[tuple[str, str]]) -> bytes:
    return csv_bytes(["file", "why it was not used"], rows)


def _write_if_changed(staged: StagedWrites, path: Path, data: bytes) -> None:
    """Staged unless the file already holds exactly this (a re-run leaves it untouched)."""
    if not _same_as_there(path, data):
        staged.write(path, data, force=True)


def _school_summaries(staged: StagedWrites, out_dir: Path, term: Term, children: list[Child],
                      forms: list[GeneratedForm], how_to_return: str) -> None:
    """A summary per school folder: the children and files, for the covering email."""
    by_school: dict[str, list[Child]] = {}
    for child in children:
        by_school.setdefault(school_folder(child), []).append(child)
    files: dict[str, list[GeneratedForm]] = {}  # by child: one pass, not one per child
    for f in forms:
        files.setdefault(f.child_id, []).append(f)
    for folder, kids in sorted(by_school.items()):
        _write_if_changed(staged, out_dir / folder / SCHOOL_SUMMARY, _summary(term, kids, files,
                                                                              how_to_return))


def _summary(term: Term, kids: list[Child], files: Mapping[str, list[GeneratedForm]],
             how_to_return: str) -> bytes:
    """One school's summary: each child, and the files in its folder."""
    lines = [f"Personal Education Plans for {term.label}",
             f"{kids[0].school_name or 'Children with no setting (for the health visitor)'}",
             "", f"{len(kids)} child(ren). For each child, this folder holds the blank PEP "
                 "form for this term and, where there was one, last term's finalised PEP "
                 "as a PDF.", ""]
    for child in sorted(kids, key=lambda c: (c.last_name, c.first_name)):
        lines.append(f"{child.first_name} {child.last_name} ({child.child_id})")
        mine = files.get(child.child_id, [])
        lines.extend(f"    {f.kind}: {Path(f.file).name}" for f in mine)
        if not any(f.kind.startswith("last term") for f in mine):
            lines.append("    no PEP from last term (new to the Virtual School or to care)")
    lines += ["", how_to_return + " Send it by secure email.", ""]
    return "\r\n".join(lines).encode("utf-8")


def _check_job(roster: Path, out_dir: Path, previous: Path | None,
               column_map: Path | None) -> None:
    """Inputs exist; the output folder is a folder and not an input (before any work)."""
    require_inputs([roster], "roster file")
    if column_map is not None:
        require_inputs([column_map], "column map file")
    if previous is not None:
        require_inputs([previous], "folder of last term's forms")
        refuse_overlap(out_dir, [previous], "output folder")
    refuse_overlap(out_dir, [roster], "output folder")
    check_output_folder(out_dir, force=True, must_be_empty=False)


def _check_outputs(jobs: list[_Job], force: bool) -> None:
    """Before anything is written: a form already there is fine if it is exactly what this run
    would write (a re-run completes what is missing); one that differs needs `force`."""
    if force:
        return
    differ = []
    for job in jobs:
        if not (job.out / job.relative).exists():
            continue
        differ += [rel for rel, blob, _ in _render_files(job).files
                   if (job.out / rel).exists() and not _same_as_there(job.out / rel, blob)]
    if differ:
        raise OutputExistsError(
            f"{len(differ)} file(s) already in {jobs[0].out} differ from what this run would "
            f"write (for example {differ[0]}). Nothing was written. Use a new folder, or "
            "--force to replace them.")


__all__ = ["generate", "GenerateResult", "GeneratedForm", "form_id", "school_folder"]
