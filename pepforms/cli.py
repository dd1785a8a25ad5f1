"""The `pepforms` command line: parses options, calls the library, prints results. Nothing else."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pepforms import __version__
from pepforms.cli_answers import add_answers_commands
from pepforms.cli_register import add_register_commands, no_register_option, register_option
from pepforms.cli_setup import add_setup_commands
from pepforms.errors import PepformsError
from pepforms.terminal import printable

if TYPE_CHECKING:
    from pepforms.calendar import Term
    from pepforms.grades import QaDecision
    from pepforms.register import Register
    from pepforms.report.model import Report

EXIT_OK, EXIT_FINDINGS, EXIT_TOOL = 0, 1, 2


class _Silent:
    """The progress bar of a command whose output goes to a pipe or a file: nothing shows."""

    def update(self, n: int = 1) -> None:
        pass

    def set_total(self, total: int) -> None:
        pass


@contextmanager
def progress_bar(what: str) -> Iterator[Any]:
    """A progress bar on a terminal, silent in a pipe; the library tells it the total."""
    if not sys.stderr.isatty():  # no bar to draw: tqdm is not even imported
        yield _Silent()
        return
    from tqdm import tqdm

    bar = tqdm(total=0, unit=what, disable=not sys.stderr.isatty(), file=sys.stderr,
               leave=False)

    def set_total(total: int) -> None:
        bar.total = total
        bar.refresh()

    bar.set_total = set_total
    try:
        yield bar
    finally:
        bar.close()


def _fail(message: str) -> None:
    click.echo(f"pepforms: {message}", err=True)
    sys.exit(EXIT_TOOL)


@contextmanager
def _register(url: str | None, off: bool) -> Iterator[Register | None]:
    """The term register the command records in (None with --no-register)."""
    if off:
        yield None
        return
    from pepforms.register import open_register

    with open_register(url) as reg:
        yield reg


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _Group(click.Group):
    """Turns PepformsError (and any unexpected fault) into exit code 2 with a plain message."""

    def invoke(self, ctx: click.Context) -> Any:
        # SIGTERM stops a command like Ctrl-C does: temporary files are removed and worker
        # processes are ended on the way out, so nothing is left half-written or still running.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupted)
        try:
            return super().invoke(ctx)
        except PepformsError as exc:
            _fail(str(exc))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("stopped.")
        except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except Exception as exc:  # a fault in pepforms: no traceback (it could hold personal data)
            _fail(f"an unexpected problem stopped this command ({type(exc).__name__}). "
                  "Please report it; no file was left half-written.")


def _date_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from pepforms.values import ValueNotUnderstood, parse_date

    try:
        return parse_date(value)
    except ValueNotUnderstood as exc:
        raise click.BadParameter(f"{value!r} is not a date pepforms understands ({exc}). Write "
                                 "it day first, like 31/01/2027.", param_hint=option) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pepforms")
@click.option("--schemas", "schema_folders", multiple=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="a folder of your own authorities' schemas (and built templates), searched "
                   "before the bundled ones; may be given more than once (also "
                   "PEPFORMS_SCHEMAS)")
def main(schema_folders: tuple[Path, ...]) -> None:
    """Personal Education Plan forms: generate, read and validate.

    \b
    Start with:   pepforms demo
    Your own authority:   pepforms --schemas my-authorities authorities
    """
    if schema_folders:
        from pepforms.resources import add_schema_folders

        try:
            add_schema_folders(schema_folders)
        except PepformsError as exc:
            _fail(str(exc))


# ------------------------------------------------------------------------------------------
@main.command()
@click.option("--authority", required=True,
              help="e.g. cheshire-west, or its name (see `pepforms authorities`)")
@click.option("--term", required=True, help="e.g. spring-2027")
@click.option("--roster", "roster_path", required=True, type=click.Path(path_type=Path),
              help="the children on roll: a CSV, or an Excel .xlsx file")
@click.option("--sheet", help="for an .xlsx roster, the sheet to read (default: the first)")
@click.option("--column-map", type=click.Path(path_type=Path),
              help="JSON or CSV mapping your roster's headers to pepforms' column names")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="folder to write the forms into")
@click.option("--previous", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="last term's returned forms (or their `pepforms read` JSON): carry targets "
                   "forward and put last term's finalised PDF beside each form")
@click.option("--format", "formats", type=click.Choice(["docx", "pdf"]), multiple=True,
              default=["docx"], show_default=True,
              help="pdf: also write each blank form as a fillable PDF")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32),
              help="processes to use")
@click.option("--force", is_flag=True, help="replace forms that already exist")
@register_option
@no_register_option
def generate(authority: str, term: str, roster_path: Path, sheet: str | None,
             column_map: Path | None, out_dir: Path, previous: Path | None,
             formats: tuple[str, ...], jobs: int, force: bool, register_url: str | None,
             no_register: bool) -> None:
    """Write a pre-filled blank PEP form for every child on a roster, in a folder per school,
    with manifest.csv.

    \b
    Example:
      pepforms generate --authority cheshire-west --term spring-2027 \\
          --roster roster.csv --out spring-2027-forms
    """
    from pepforms.generating import generate as run

    the_term = _term_option(term)
    assert the_term is not None
    with _register(register_url, no_register) as reg, progress_bar("form") as bar:
        result = run(authority, the_term, roster_path, out_dir, column_map=column_map,
                     force=force, jobs=jobs, previous=previous, pdf="pdf" in formats,
                     sheet=sheet, register=reg, progress=bar.update, on_total=bar.set_total)
    for problem in result.problems:
        click.echo(f"{problem.severity}: {problem.message}", err=True)
    for file, reason in result.previous_not_used:
        click.echo(f"not carried forward: {printable(file)}: {reason}", err=True)
    blanks = [f for f in result.forms if f.kind == "blank form"]
    schools = len({f.school for f in blanks})
    click.echo(f"Wrote {len(blanks)} forms for {schools} school{'' if schools == 1 else 's'} "
               f"into {out_dir} "
               f"(manifest: {result.manifest.name}).")
    pdfs = result.count("fillable PDF")
    if pdfs:
        click.echo(f"Also wrote {pdfs} fillable PDF form(s), one beside each Word form.")
    if previous is not None:
        carried = sum(1 for f in result.forms if f.kind.startswith("last term"))
        click.echo(f"{carried} of them carry last term's PEP forward, with its PDF beside the "
                   f"form; {len(result.previous_not_used)} previous file(s) were not used "
                   "(previous-not-used.csv).")
    if result.recorded is not None:
        click.echo(f"Recorded {result.recorded} newly issued form(s) in the term register.")
    if result.skipped_rows:
        click.echo(f"{result.skipped_rows} roster row(s) were not used: see the messages above "
                   "and roster-problems.csv.")
    click.echo("Next: send each school its folder by secure email; when the forms come back, "
               "check them with `pepforms validate FOLDER`.")


# ------------------------------------------------------------------------------------------
@main.command()
@click.argument("form", type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True,
              help="also say, for each answer where a control's parts disagreed, which the "
                   "reader trusted, and where a stand-in (N/A, TBC) was typed")
def read(form: Path, verbose: bool) -> None:
    """Print a returned form's answers as JSON. How it was read goes to stderr.

    \b
    Example:  pepforms read Sample-Ada-C10001-spring-2027.docx > answers.json
    """
    from pepforms.checking import read_form_file

    outcome = read_form_file(form)
    result = outcome.result
    for finding in result.findings:
        click.echo(f"{form}: {finding.severity}: {finding.message}", err=True)
    if verbose and outcome.read is not None:
        for pointer, what in getattr(outcome.read, "trusted", {}).items():
            click.echo(f"{form}: {pointer}: read {what}", err=True)
        for pointer, text in outcome.read.stand_ins.items():
            click.echo(f"{form}: {pointer}: “{text}” is not an answer, so it was left empty",
                       err=True)
    if result.instance is None:
        sys.exit(EXIT_TOOL)
    click.echo(json.dumps(result.instance, indent=2, ensure_ascii=False))
    app = result.application or "an unknown program"
    click.echo(f"{form}: {result.form_id or 'no form id'} ({result.authority} {result.phase}), "
               f"read by {result.read_by}, last saved by {app}", err=True)


# ------------------------------------------------------------------------------------------
@main.command()
@click.argument("form", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="replace OUT if it exists")
def fill(form: Path, data: Path, out: Path, force: bool) -> None:
    """Fill a blank form from a JSON file of answers (for MIS exports and testing).

    \b
    Example:  pepforms fill blank.docx answers.json -o filled.docx
    """
    from pepforms.filling import fill as run

    try:
        instance = json.loads(data.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"{data} could not be read as JSON ({exc}).")
    for note in run(form, instance, out, force=force):
        click.echo(f"{out}: {note}", err=True)
    click.echo(f"wrote {out}")


# ------------------------------------------------------------------------------------------
def print_report(report: Report, verbose: bool) -> None:
    from pepforms.report.render import report_text

    click.echo(report_text(report, verbose), nl=False)


def _term_option(value: str | None, option: str = "--term") -> Term | None:
    from pepforms.calendar import Term

    if value is None:
        return None
    try:
        return Term.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--roster", "roster_path", type=click.Path(path_type=Path),
              help="check each form's child against this roster (CSV or .xlsx)")
@click.option("--column-map", type=click.Path(path_type=Path),
              help="JSON or CSV mapping your roster's headers to pepforms' column names")
@click.option("--sheet", help="the roster's sheet, for an .xlsx roster (default: the first)")
@click.option("--term", help="the current term, e.g. spring-2027; forms for another term are "
                             "flagged")
@click.option("--received", help="date the forms came back, e.g. 31/01/2027 (default: the day "
                                 "its email arrived, else each form's last save)")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="write a JSON report")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="write a CSV of the findings")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="write the report as a web page to open in a browser or print")
@click.option("--annotate", "annotate_dir", type=click.Path(path_type=Path),
              help="write a copy of each form with findings into this folder, each finding a "
                   "Word comment beside its answer, to send back to the school")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32))
@click.option("--force", is_flag=True, help="replace report files and annotated copies that "
                                            "exist (never a returned form)")
@click.option("-v", "--verbose", is_flag=True, help="show each finding's code and raw note")
@register_option
@no_register_option
def validate(paths: tuple[Path, ...], roster_path: Path | None, column_map: Path | None,
             sheet: str | None, term: str | None, received: str | None, json_out: Path | None,
             csv_out: Path | None, html_out: Path | None, annotate_dir: Path | None, jobs: int,
             force: bool, verbose: bool, register_url: str | None, no_register: bool) -> None:
    """Check returned forms (files or folders) before quality assurance.

    Word forms, filled-in PDFs, and saved emails (.eml, Outlook's .msg) with the form attached:
    an emailed form counts as received the day its email arrived.

    Exit 0 when no form has an error, 1 when any does, 2 when pepforms itself could not run.

    \b
    Example:  pepforms validate returned/ --json report.json --annotate to-send-back/
    """
    from pepforms.checking import ValidateJob, run_validate

    job = ValidateJob(paths=paths, roster=roster_path, column_map=column_map, sheet=sheet,
                      term=_term_option(term), received=_date_option(received, "--received"),
                      json_out=json_out, csv_out=csv_out, html_out=html_out,
                      annotate_dir=annotate_dir, jobs=jobs, force=force)
    with _register(register_url, no_register) as reg, progress_bar("form") as bar:
        outcome = run_validate(job, progress=bar.update, on_total=bar.set_total, register=reg)
    print_report(outcome.report, verbose)
    if annotate_dir is not None:
        made = [a for a in outcome.annotated if a.target is not None]
        click.echo(f"Wrote {len(made)} annotated cop{'y' if len(made) == 1 else 'ies'} to "
                   f"{annotate_dir}.")
        for failed in outcome.annotated:
            if failed.problem is not None:
                click.echo(f"{printable(failed.source)}: {failed.problem.message}", err=True)
    sys.exit(outcome.report.exit_code)


# ------------------------------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="the PDF to write (for one form), or a folder to write the PDFs into")
@click.option("--password-file", type=click.Path(path_type=Path),
              help="encrypt the PDF (AES-256) with the password in this file's first line")
@click.option("--allow-findings", is_flag=True,
              help="finalise a form with errors anyway; the PDF then says it is not finalised")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32),
              help="processes to use for many forms")
@click.option("--force", is_flag=True, help="replace PDFs that exist")
@click.option("--by", "by", default="", metavar="NAME",
              help="who is finalising: printed on each record with today's date, and recorded "
                   "in the term register")
@register_option
@no_register_option
def finalise(paths: tuple[Path, ...], out: Path, password_file: Path | None,
             allow_findings: bool, jobs: int, force: bool, by: str, register_url: str | None,
             no_register: bool) -> None:
    """Render checked forms as finalised PDF records (exit 1 if any has errors).

    One form and `-o NAME.pdf` writes that PDF. Files and folders with `--out FOLDER` write a
    PDF for each form, keeping the sub-folders; a form that cannot be finalised is reported and
    the others are still done. A saved email (.eml, .msg) gives its attached forms (one of
    several named as `RE.eml/Form.docx`). Each record shows the register's QA decision, and
    each finalised form is recorded in the term register.

    \b
    Examples:
      pepforms finalise Sample-Ava-C10001-spring-2027.docx -o Sample-Ava-spring-2027.pdf \\
          --password-file secret.txt
      pepforms finalise returned/ --out finalised/ --jobs 2
    """
    single = len(paths) == 1 and not paths[0].is_dir() and out.suffix.lower() == ".pdf" \
        and not out.is_dir()
    who = _Finaliser(by.strip())
    with _register(register_url, no_register) as reg:
        if single:
            _finalise_one(paths[0], out, password_file, allow_findings, force, reg, who)
        else:
            _finalise_many(paths, out, password_file, allow_findings, jobs, force, reg, who)


@dataclass(frozen=True)
class _Finaliser:
    """Who is finalising (`--by`), printed on each record with today's date; nobody named,
    the records say who is not recorded (and are the same bytes whenever they are made)."""

    name: str

    @property
    def by(self) -> str | None:
        return self.name or None

    @property
    def on(self) -> date | None:
        return date.today() if self.name else None


def _recorded(reg: Register | None, form_id: str, pdf: Path, who: _Finaliser) -> None:
    from pepforms.recording import record_finalised

    if reg is not None and form_id and record_finalised(reg, form_id, pdf.read_bytes(),
                                                        by=who.name):
        click.echo(f"Recorded {form_id} as finalised in the term register.")


def _judgements(reg: Register | None) -> dict[str, QaDecision]:
    """The QA officer's decisions in the register, which each finalised record shows."""
    from pepforms.recording import qa_decisions

    return qa_decisions(reg) if reg is not None else {}


def _finalise_one(form: Path, out: Path, password_file: Path | None, allow_findings: bool,
                  force: bool, reg: Register | None, who: _Finaliser) -> None:
    from pepforms.finalising import HasErrors
    from pepforms.finalising import finalise as run
    from pepforms.report.model import Report

    try:
        done = run(form, out, password_file=password_file, allow_findings=allow_findings,
                   force=force, judgements=_judgements(reg), finalised_by=who.by,
                   finalised_on=who.on)
    except HasErrors as exc:
        print_report(Report([exc.result]), verbose=False)
        click.echo(f"{form} has errors, so it was not finalised. Fix them, or use "
                   "--allow-findings to make a PDF marked 'Not finalised: has errors'.", err=True)
        sys.exit(EXIT_FINDINGS)
    protected = " (encrypted)" if password_file else ""
    click.echo(f"wrote {out}{protected}: {done.status}")
    if done.status == "Finalised":
        _recorded(reg, done.result.form_id, out, who)


def _finalise_many(paths: tuple[Path, ...], out_dir: Path, password_file: Path | None,
                   allow_findings: bool, jobs: int, force: bool, reg: Register | None,
                   who: _Finaliser) -> None:
    from pepforms.finalising import FAILED, REFUSED, WRITTEN, finalise_many

    if out_dir.exists() and not out_dir.is_dir():
        _fail(f"{out_dir} is a file: give a folder to write the PDFs into (or one form and "
              "-o NAME.pdf).")
    with progress_bar("form") as bar:
        outcomes = finalise_many(paths, out_dir, jobs=jobs, force=force,
                                 allow_findings=allow_findings, password_file=password_file,
                                 judgements=_judgements(reg), finalised_by=who.by,
                                 finalised_on=who.on, progress=bar.update,
                                 on_total=bar.set_total)
    if not outcomes:
        _fail("no forms found in " + ", ".join(str(p) for p in paths) + ".")
    protected = " (encrypted)" if password_file else ""
    for o in outcomes:
        if o.ok:
            click.echo(f"{o.source}: wrote {o.out}{protected}: {o.message}")
            if o.status == WRITTEN and o.result is not None:
                _recorded(reg, o.result.form_id, o.out, who)
        elif o.status == REFUSED and o.result is not None:
            from pepforms.report.render import form_lines

            for line in form_lines(o.result, verbose=False):
                click.echo(line)
            click.echo(f"{o.source}: has errors, so it was not finalised.")
        else:
            click.echo(f"{o.source}: not finalised: {o.message}")
    refused = sum(1 for o in outcomes if o.status == REFUSED)
    failed = sum(1 for o in outcomes if o.status == FAILED)
    click.echo(f"{len(outcomes)} form(s): {len(outcomes) - refused - failed} PDF(s) written, "
               f"{refused} with errors not finalised, {failed} could not be finalised.")
    if refused:
        click.echo("Fix the errors, or use --allow-findings to make PDFs marked 'Not finalised: "
                   "has errors'.", err=True)
    sys.exit(EXIT_FINDINGS if refused or failed else EXIT_OK)


add_register_commands(main)
add_setup_commands(main)
add_answers_commands(main)

if __name__ == "__main__":  # pragma: no cover
    main()
