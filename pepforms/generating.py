"""The termly pack: one pre-filled form per child on the roster, grouped by school, with a manifest.

Templates are prepared once per batch, before any worker starts (forked workers inherit them);
each child then costs a Jinja render and a zip write. Children go to the workers in runs, and each
run's files are made durable together. Nothing is overwritten without `force`, and every file is
written atomically, so an interrupted run leaves no half-written form.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.calendar import Term, phase_for
from pepforms.errors import OutputExistsError, PepformsError, TemplateError
from pepforms.fanout import chunks, fan_out
from pepforms.fileio import StagedWrites, safe_name
from pepforms.finalising import record_for_instance, record_pdf
from pepforms.forms import form_content, form_id, template_path
from pepforms.pdf.fillable import build_fillable
from pepforms.previous import PreviousForm, carried_for, load_previous
from pepforms.roster import Child, Roster, RosterProblem, read_roster
from pepforms.schema import form_model, load_authority
from pepforms.word.render import PreparedTemplate, context_for

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


@dataclass
class GenerateResult:
    out_dir: Path
    forms: list[GeneratedForm]  # every file written: blank forms, fillable PDFs, last term's PDFs
    roster: Roster
    manifest: Path
    previous_not_used: list[tuple[str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[RosterProblem]:
        return self.roster.problems


def school_folder(child: Child) -> str:
    if not child.school_name.strip():
        return "No setting (health visitor)"
    name = safe_name(child.school_name)
    return f"{name} ({child.school_urn})" if child.school_urn else name


def form_filename(child: Child, term: Term) -> str:
    surname = safe_name(child.last_name).replace(" ", "-")
    first = safe_name(child.first_name).replace(" ", "-")
    return safe_name(f"{surname}-{first}-{child.child_id}-{term}") + ".docx"


def _relative_path(child: Child, term: Term, pack: bool = False) -> Path:
    """Where a child's form goes: in its school's folder; in a folder of its own within it
    when the pack also holds last term's PDF."""
    name = form_filename(child, term)
    if pack:
        return Path(school_folder(child)) / name.removesuffix(f"-{term}.docx") / name
    return Path(school_folder(child)) / name


def previous_pdf_name(child: Child, previous_term: str) -> str:
    surname = safe_name(child.last_name).replace(" ", "-")
    first = safe_name(child.first_name).replace(" ", "-")
    return safe_name(f"{surname}-{first}-{child.child_id}-{previous_term or 'last-term'}-finalised") \
        + ".pdf"


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


def _render_one(job: _Job, staged: StagedWrites) -> list[GeneratedForm]:
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
    out = []
    for relative, blob, kind in files:
        staged.write(job.out / relative, blob, force=job.force)
        out.append(GeneratedForm(
            child_id=job.child.child_id,
            school=job.child.school_name or "No setting",
            phase=job.child.phase,
            form_id=content.form_id,
            file=relative.as_posix(),
            sha256=hashlib.sha256(blob).hexdigest(),
            kind=kind,
        ))
    return out


def _render_run(run: list[_Job]) -> list[GeneratedForm]:
    """A run of children's forms, written together."""
    forms: list[GeneratedForm] = []
    with StagedWrites() as staged:
        for job in run:
            forms.extend(_render_one(job, staged))
    return forms


def _manifest_csv(forms: Iterable[GeneratedForm]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["child_id", "school", "phase", "form_id", "kind", "file", "sha256"])
    for f in forms:
        writer.writerow([f.child_id, f.school, f.phase, f.form_id, f.kind, f.file, f.sha256])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def _problems_csv(problems: Iterable[RosterProblem]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["line", "child_id", "column", "severity", "code", "message"])
    for p in problems:
        writer.writerow([p.line or "", p.child_id, p.column or "", p.severity, p.code, p.message])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Write one pre-filled form per child on the roster, and the manifest.

    With `previous` (last term's returned forms), each child's folder also gets last term's
    finalised PDF, and the new form carries last term's targets and lasting details forward.
    With `pdf`, each child also gets the blank form as a fillable PDF.
    """
    the_term = term if isinstance(term, Term) else Term.parse(term)
    load_authority(authority)
    roster = read_roster(roster_path, the_term, column_map)
    phases = sorted({c.phase for c in roster.children})
    for phase in phases:
        form_model(authority, phase)
        if not template_path(authority, phase).is_file():
            raise TemplateError(f"The {phase} template for {authority} is missing: run "
                                f"`pepforms template build {authority}`.")
    last_term = load_previous(previous) if previous is not None else None
    pack = last_term is not None
    jobs_list = [
        _Job(authority, str(the_term), child, out_dir, _relative_path(child, the_term, pack),
             force, last_term.for_child(child) if last_term else None, pdf)
        for child in roster.children
    ]
    _check_outputs(out_dir, [j.relative for j in jobs_list], force)
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
            staged.write(out_dir / ROSTER_PROBLEMS, _problems_csv(roster.problems), force=True)
        if last_term is not None:
            staged.write(out_dir / PREVIOUS_NOT_USED, _leftovers_csv(leftovers), force=True)
            _school_summaries(staged, out_dir, the_term, roster.children, forms)
        staged.write(manifest, _manifest_csv(forms), force=True)
    return GenerateResult(out_dir=out_dir, forms=forms, roster=roster, manifest=manifest,
                          previous_not_used=leftovers)


def _leftovers_csv(rows: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["file", "why it was not used"])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _school_summaries(staged: StagedWrites, out_dir: Path, term: Term, children: list[Child],
                      forms: list[GeneratedForm]) -> None:
    """A summary per school folder: the children and files, for the covering email."""
    by_school: dict[str, list[Child]] = {}
    for child in children:
        by_school.setdefault(school_folder(child), []).append(child)
    files: dict[str, list[GeneratedForm]] = {}  # by child: one pass, not one per child
    for f in forms:
        files.setdefault(f.child_id, []).append(f)
    for folder, kids in sorted(by_school.items()):
        staged.write(out_dir / folder / SCHOOL_SUMMARY, _summary(term, kids, files), force=True)


def _summary(term: Term, kids: list[Child], files: Mapping[str, list[GeneratedForm]]) -> bytes:
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
    lines += ["", "Please return the completed form by secure email within the time the "
                  "Virtual School asks.", ""]
    return "\r\n".join(lines).encode("utf-8")


def _check_outputs(out_dir: Path, relatives: list[Path], force: bool) -> None:
    seen: set[Path] = set()
    for rel in relatives:
        if rel in seen:
            raise PepformsError(f"Two children would be written to the same file {rel}.")
        seen.add(rel)
    if force:
        return
    existing = [rel for rel in relatives if (out_dir / rel).exists()]
    if existing:
        raise OutputExistsError(
            f"{len(existing)} form(s) already exist in {out_dir} (for example {existing[0]}). "
            "Nothing was written. Use a new folder, or --force to replace them."
        )


__all__ = ["generate", "GenerateResult", "GeneratedForm", "form_id", "school_folder"]
