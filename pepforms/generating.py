"""The termly pack: one pre-filled form per child on the roster, grouped by school, with a manifest.

Templates are prepared once per batch (per process with `jobs > 1`); each child then costs a Jinja
render and a zip write. Nothing is overwritten without `force`, and every file is written
atomically, so an interrupted run leaves no half-written form.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.calendar import Term
from pepforms.errors import OutputExistsError, PepformsError, TemplateError
from pepforms.fileio import atomic_write, safe_name
from pepforms.forms import Carried, form_content, form_id, template_path
from pepforms.roster import Child, Roster, RosterProblem, read_roster
from pepforms.schema import form_model, load_authority
from pepforms.word.render import PreparedTemplate, context_for

MANIFEST = "manifest.csv"
ROSTER_PROBLEMS = "roster-problems.csv"


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
    forms: list[GeneratedForm]
    roster: Roster
    manifest: Path
    notes: list[str] = field(default_factory=list)

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


def _relative_path(child: Child, term: Term) -> Path:
    return Path(school_folder(child)) / form_filename(child, term)


# Per-process cache of prepared templates (the expensive part is done once per process).
_PREPARED: dict[Path, PreparedTemplate] = {}


def _prepared(path: Path) -> PreparedTemplate:
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
    carried: Carried | None = None


def _render_one(job: _Job) -> GeneratedForm:
    term = Term.parse(job.term)
    model = form_model(job.authority, job.child.phase)
    template = _prepared(template_path(job.authority, job.child.phase))
    content = form_content(model, job.child, term, job.carried)
    data = template.render(context_for(model, content), content.properties)
    atomic_write(job.out / job.relative, data, force=job.force)
    return GeneratedForm(
        child_id=job.child.child_id,
        school=job.child.school_name or "No setting",
        phase=job.child.phase,
        form_id=content.form_id,
        file=job.relative.as_posix(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


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
    carried: dict[str, Carried] | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Write one pre-filled form per child on the roster, and the manifest."""
    the_term = term if isinstance(term, Term) else Term.parse(term)
    load_authority(authority)
    roster = read_roster(roster_path, the_term, column_map)
    phases = sorted({c.phase for c in roster.children})
    for phase in phases:
        form_model(authority, phase)
        if not template_path(authority, phase).is_file():
            raise TemplateError(f"The {phase} template for {authority} is missing: run "
                                f"`pepforms template build {authority}`.")
    jobs_list = [
        _Job(authority, str(the_term), child, out_dir, _relative_path(child, the_term), force,
             (carried or {}).get(child.child_id))
        for child in roster.children
    ]
    _check_outputs(out_dir, [j.relative for j in jobs_list], force)
    forms: list[GeneratedForm] = []
    if jobs > 1 and len(jobs_list) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for done in pool.map(_render_one, jobs_list, chunksize=4):
                forms.append(done)
                if progress:
                    progress(1)
    else:
        for job in jobs_list:
            forms.append(_render_one(job))
            if progress:
                progress(1)
    manifest = out_dir / MANIFEST
    atomic_write(manifest, _manifest_csv(forms), force=True)
    if roster.problems:
        atomic_write(out_dir / ROSTER_PROBLEMS, _problems_csv(roster.problems), force=True)
    return GenerateResult(out_dir=out_dir, forms=forms, roster=roster, manifest=manifest)


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
