"""The answers commands: `export`, `pp-plus`, `report` (the Head's report) and `status --child`.

`add_answers_commands(group)` adds them to the `pepforms` group. Importing this module is cheap:
each command imports the library inside its function. Commands only parse options, call the
library and print; exit 0, or 2 with a plain message when they cannot do the job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pepforms.cli_register import plain_errors, register_option

F = TypeVar("F", bound=Callable[..., Any])


def _term(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from pepforms.calendar import Term

    try:
        return str(Term.parse(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def from_option(func: F) -> F:
    return click.option(
        "--from", "sources", multiple=True, type=click.Path(path_type=Path),
        help="a folder (or file) of returned forms; give it again for more, e.g. last term's "
             "too, to compare (default: the term register)")(func)


def _jobs(func: F) -> F:
    return click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32),
                        help="processes to use for reading the forms")(func)


def _register_answers(sources: tuple[Path, ...], register_url: str | None,
                      term: str | None, *, figures: bool = False) -> tuple[Any, Any, str | None]:
    """Without --from, the answers (and the Head's report's return figures) come from the
    term register: the latest version of each form of the term (default: the newest)."""
    if sources:
        return None, None, term
    from pepforms.recording import answers_from_register, figures_from_register
    from pepforms.register import open_register, term_status

    with open_register(register_url) as reg:
        chosen = term or term_status(reg).term
        answers = answers_from_register(reg, chosen)
        return answers, (figures_from_register(reg, chosen) if figures else None), chosen


def _echo_unreadable(count: int) -> None:
    if count:
        click.echo(f"{count} file(s) could not be read and are left out: check them with "
                   "`pepforms validate`.", err=True)


# ------------------------------------------------------------------------------------------
@click.command("export")
@from_option
@click.option("--term", callback=_term, help="only this term, e.g. spring-2027")
@click.option("--school", help="only this school (its URN or name)")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True,
              help="xlsx: one workbook; csv: a folder of CSV files with README.txt")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="the workbook to write (xlsx), or the folder (csv)")
@click.option("--fields", type=click.Path(path_type=Path),
              help="a JSON or CSV mapping that picks and renames columns for a case system's "
                   "import (see samples/export-fields/)")
@_jobs
@click.option("--force", is_flag=True, help="replace the workbook or the folder's files")
@register_option
@plain_errors
def export(sources: tuple[Path, ...], term: str | None, school: str | None, fmt: str, out: Path,
           fields: Path | None, jobs: int, force: bool, register_url: str | None) -> None:
    """Export the answers of the latest version of each returned form, for a case-system
    import or a spreadsheet: a `forms` sheet (one row per form), a sheet per table (targets,
    previous targets, PP+ requests, attendees, attainment) and this term against last term.

    \b
    Example:
      pepforms export --from spring-2027-returned --from autumn-2026-returned \\
          --term spring-2027 --format xlsx -o spring-2027-answers.xlsx
    """
    from pepforms.cli import progress_bar
    from pepforms.report.export import ExportJob, run_export

    answers, _, term = _register_answers(sources, register_url, term)
    job = ExportJob(sources=sources, out=out, fmt=fmt, term=term, school=school, fields=fields,
                    force=force, jobs=jobs)
    with progress_bar("form") as bar:
        result, written = run_export(job, progress=bar.update, on_total=bar.set_total,
                                     answers=answers)
    _echo_unreadable(result.unreadable)
    where = out if fmt == "xlsx" else f"{out}/ ({len(written)} files, README.txt names the columns)"
    click.echo(f"Wrote the answers of {result.forms} form(s) to {where}.")


# ------------------------------------------------------------------------------------------
@click.command("pp-plus")
@from_option
@click.option("--term", callback=_term, help="the term (default: the newest in the forms)")
@click.option("--school", help="only this school (its URN or name)")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="write the release list for finance as a CSV")
@click.option("--xlsx", "xlsx_out", type=click.Path(path_type=Path),
              help="write a workbook: release list, every request, schools, rules")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="write the summary as a page, per school and child")
@_jobs
@click.option("--force", is_flag=True, help="replace files that exist")
@register_option
@plain_errors
def pp_plus(sources: tuple[Path, ...], term: str | None, school: str | None,
            csv_out: Path | None, xlsx_out: Path | None, html_out: Path | None, jobs: int,
            force: bool, register_url: str | None) -> None:
    """Pupil Premium Plus: what each PEP requests, totals against the authority's allocation,
    and the release list for finance under the authority's rule, with the reason for every
    child held back.

    \b
    Example:
      pepforms pp-plus --from spring-2027-returned --csv pp-release.csv --html pp-plus.html
    """
    from pepforms.cli import progress_bar
    from pepforms.report.jobs import PPJob, run_pp_plus
    from pepforms.report.ppplus_render import release_text

    answers, _, term = _register_answers(sources, register_url, term)
    job = PPJob(sources=sources, term=term, school=school, csv_out=csv_out, xlsx_out=xlsx_out,
                html_out=html_out, force=force, jobs=jobs)
    with progress_bar("form") as bar:
        summary, written = run_pp_plus(job, progress=bar.update, on_total=bar.set_total,
                                       answers=answers)
    click.echo(release_text(summary), nl=False)
    for path in written:
        click.echo(f"wrote {path}")


# ------------------------------------------------------------------------------------------
@click.command("report")
@from_option
@click.option("--term", required=True, callback=_term, help="the term, e.g. spring-2027")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="write the report as a page (no scripts, nothing fetched)")
@click.option("--pdf", "pdf_out", type=click.Path(path_type=Path),
              help="write the report as a PDF")
@click.option("--with-names", is_flag=True,
              help="add a list of the children by name (the report is then OFFICIAL-SENSITIVE)")
@_jobs
@click.option("--force", is_flag=True, help="replace files that exist")
@register_option
@plain_errors
def report(sources: tuple[Path, ...], term: str, html_out: Path | None, pdf_out: Path | None,
           with_names: bool, jobs: int, force: bool, register_url: str | None) -> None:
    """The Virtual School Head's report of a term, for a governing body: returns, checks,
    quality grades by school and key stage, why forms needed changes, attendance, PP+.
    Figures only, unless --with-names.

    \b
    Example:
      pepforms report --from spring-2027-returned --from autumn-2026-returned \\
          --term spring-2027 --html head-report.html --pdf head-report.pdf
    """
    from pepforms.cli import progress_bar
    from pepforms.report.jobs import HeadJob, run_head_report

    answers, figures, _ = _register_answers(sources, register_url, term, figures=True)
    job = HeadJob(sources=sources, term=term, html_out=html_out, pdf_out=pdf_out,
                  with_names=with_names, force=force, jobs=jobs)
    with progress_bar("form") as bar:
        result, written = run_head_report(job, progress=bar.update, on_total=bar.set_total,
                                          answers=answers, figures=figures)
    _echo_unreadable(result.unreadable)
    click.echo(f"{result.term_label}: {result.returned} form(s) returned, {result.passing} "
               f"passing, {result.attendance.below_95} with attendance below 95%.")
    for path in written:
        click.echo(f"wrote {path}")


# ------------------------------------------------------------------------------------------
@click.command("status")
@click.option("--child", "child_id", required=True, help="the child's id, e.g. C10001")
@from_option
@_jobs
@plain_errors
def status(child_id: str, sources: tuple[Path, ...], jobs: int) -> None:
    """One child, term by term: attendance and attainment now and last term, and the targets
    carried forward with how each was rated.

    \b
    Example:
      pepforms status --child C10001 --from spring-2027-returned --from autumn-2026-returned
    """
    from pepforms.report.compare import history_text
    from pepforms.report.jobs import run_child_status

    click.echo(history_text(run_child_status(sources, child_id, jobs=jobs)), nl=False)


def add_answers_commands(group: click.Group) -> None:
    """Add export, pp-plus and report to the pepforms group, and `status --child` unless the
    group has a `status` already (the term register's, which then takes `--child` itself)."""
    for command in (export, pp_plus, report):
        group.add_command(command)
    if "status" not in group.commands:  # the term register's `status` takes --child itself
        group.add_command(status)
