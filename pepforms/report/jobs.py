"""The `pp-plus`, `report` and `status --child` jobs over folders of returned forms: every input
and output checked before any work, then one call each. (`export` is `export.run_export`.)

Each takes its forms as an `AnswerSet`, so the term register can supply them instead of folders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pepforms.errors import PepformsError
from pepforms.fileio import atomic_write
from pepforms.outputs import check_output_file, require_inputs
from pepforms.report.answers import AnswerSet, answers_from_folders
from pepforms.report.compare import TermComparison, child_history
from pepforms.report.head import HeadReport, TermFigures, head_html, head_report
from pepforms.report.ppplus import PPSummary, pp_plus_summary

Progress = Callable[[int], None] | None


def _term(text: str | None) -> str | None:
    if text is None:
        return None
    from pepforms.calendar import Term

    try:
        return str(Term.parse(text))
    except ValueError as exc:
        raise PepformsError(str(exc)) from None


def _outputs(outs: Sequence[Path | None], sources: Sequence[Path], force: bool) -> None:
    require_inputs(sources)
    for out in outs:
        check_output_file(out, sources, force)


def load(sources: Sequence[Path], *, jobs: int = 1, progress: Progress = None,
         on_total: Progress = None) -> AnswerSet:
    if not sources:
        raise PepformsError("Give the returned forms with --from FOLDER (the term register is "
                            "not available yet).")
    return answers_from_folders(sources, jobs=jobs, progress=progress, on_total=on_total)


def _pick_term(answers: AnswerSet, term: str | None) -> str:
    chosen = _term(term) or answers.latest_term()
    if chosen is None:
        raise PepformsError("None of the forms could be read, so there is no term to report.")
    if chosen not in answers.terms():
        raise PepformsError(f"None of the forms is for {chosen}; the forms are for "
                            f"{', '.join(answers.terms())}.")
    return chosen


# ---- pp-plus -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PPJob:
    sources: tuple[Path, ...]
    term: str | None = None
    school: str | None = None
    csv_out: Path | None = None
    xlsx_out: Path | None = None
    html_out: Path | None = None
    force: bool = False
    jobs: int = 1


def pp_plus_from(answers: AnswerSet, term: str | None, school: str | None) -> PPSummary:
    chosen = _pick_term(answers, term)
    selected = answers.select(chosen, school)
    if school is not None and not selected.forms:
        raise PepformsError(f"No form of {chosen} is for a school with the URN or name "
                            f"'{school}'.")
    return pp_plus_summary(selected.forms, chosen)


def write_pp_plus(summary: PPSummary, job: PPJob) -> list[Path]:
    from pepforms.report.ppplus_render import release_csv, release_html, release_xlsx

    written = []
    for out, render in ((job.csv_out, release_csv), (job.xlsx_out, release_xlsx),
                        (job.html_out, lambda s: release_html(s).encode("utf-8"))):
        if out is not None:
            atomic_write(out, render(summary), force=job.force)
            written.append(out)
    return written


def run_pp_plus(job: PPJob, *, progress: Progress = None, on_total: Progress = None,
                answers: AnswerSet | None = None) -> tuple[PPSummary, list[Path]]:
    """`answers` from the term register, or the forms in `job.sources`."""
    _term(job.term)
    _outputs((job.csv_out, job.xlsx_out, job.html_out), job.sources, job.force)
    if answers is None:
        answers = load(job.sources, jobs=job.jobs, progress=progress, on_total=on_total)
    summary = pp_plus_from(answers, job.term, job.school)
    return summary, write_pp_plus(summary, job)


# ---- the Head's report ---------------------------------------------------------------------


@dataclass(frozen=True)
class HeadJob:
    sources: tuple[Path, ...]
    term: str
    html_out: Path | None = None
    pdf_out: Path | None = None
    with_names: bool = False
    force: bool = False
    jobs: int = 1


def run_head_report(job: HeadJob, *, figures: TermFigures | None = None,
                    progress: Progress = None, on_total: Progress = None,
                    answers: AnswerSet | None = None) -> tuple[HeadReport, list[Path]]:
    """The report of one term: the page and/or the PDF. `figures` (and `answers`, instead of
    the forms in `job.sources`) come from the register."""
    from pepforms.report.head_pdf import head_pdf

    _term(job.term)
    if job.html_out is None and job.pdf_out is None:
        raise PepformsError("Say where to write the report: --html FILE and/or --pdf FILE.")
    _outputs((job.html_out, job.pdf_out), job.sources, job.force)
    if answers is None:
        answers = load(job.sources, jobs=job.jobs, progress=progress, on_total=on_total)
    report = head_report(answers, _pick_term(answers, job.term), figures=figures,
                         with_names=job.with_names)
    written = []
    if job.html_out is not None:
        atomic_write(job.html_out, head_html(report).encode("utf-8"), force=job.force)
        written.append(job.html_out)
    if job.pdf_out is not None:
        atomic_write(job.pdf_out, head_pdf(report), force=job.force)
        written.append(job.pdf_out)
    return report, written


# ---- one child, this term against the last -------------------------------------------------


def run_child_status(sources: Sequence[Path], child_id: str, *, jobs: int = 1,
                     progress: Progress = None, on_total: Progress = None) -> list[TermComparison]:
    answers = load(sources, jobs=jobs, progress=progress, on_total=on_total)
    history = child_history(answers.forms, child_id)
    if not history:
        raise PepformsError(f"No readable form is for the child '{child_id}'.")
    return history
