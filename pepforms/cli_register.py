"""The term register's commands: status, due, remind, qa and `register info|upgrade|purge`.

`add_register_commands(group)` adds them to the `pepforms` group. Importing this module stays
cheap (no SQLAlchemy): every command imports the library inside its function. Commands only parse
options, call the library and print; exit 0, or 2 with a plain message when they cannot do the job.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from pepforms.errors import PepformsError

F = TypeVar("F", bound=Callable[..., Any])
ENV_VAR = "PEPFORMS_REGISTER"
_URL_HELP = ("the register: a SQLAlchemy URL such as sqlite:///path/register.sqlite or "
             "postgresql://user@host/db (default: $PEPFORMS_REGISTER, else the file in your data "
             "folder)")


class ToolFailed(click.ClickException):
    """The command could not do its job: exit 2 with a plain message."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"pepforms: {self.message}", err=True)


def register_option(func: F) -> F:
    """`--register URL` (environment default PEPFORMS_REGISTER), for every command that uses it."""
    return click.option("--register", "register_url", envvar=ENV_VAR, metavar="URL",
                        help=_URL_HELP)(func)


def no_register_option(func: F) -> F:
    """`--no-register`: run the command without recording anything (for generate, validate...)."""
    return click.option("--no-register", is_flag=True,
                        help="do not record anything in the term register")(func)


def plain_errors(func: F) -> F:
    """PepformsError (the register cannot be opened, a bad term...) becomes exit 2, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PepformsError as exc:
            raise ToolFailed(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from pepforms.values import ValueNotUnderstood, parse_date

    try:
        return parse_date(value)
    except ValueNotUnderstood as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _refuse_existing(paths: tuple[Path | None, ...], force: bool) -> None:
    for path in paths:
        if path is not None and str(path) != "-" and path.exists() and not force:
            raise ToolFailed(f"{path} already exists; use --force to replace it.")


def _write(path: Path, data: bytes, force: bool) -> None:
    """A report file, written atomically; "-" is standard output."""
    if str(path) == "-":
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    from pepforms.fileio import atomic_write

    atomic_write(path, data, force=force)


def _open(url: str | None, *, check_version: bool = True) -> Any:
    from pepforms.register import open_register

    return open_register(url, check_version=check_version)


# --------------------------------------------------------------------------------------------
@click.command()
@click.option("--term", help="the term, e.g. spring-2027 (default: the newest in the register)")
@click.option("--school", help="only this school (its URN or name)")
@click.option("--on", "on", metavar="DATE",
              help="the term as it stood (or will stand) on this date (default: today)")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="write JSON ('-': stdout)")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="write a CSV, one row a form")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="write a page for the Virtual School Head (overdue first, schools as rows)")
@click.option("--force", is_flag=True, help="replace report files that exist")
@click.option("--child", "child_id", help="one child, term by term: attendance and attainment "
                                          "now and last term, targets carried forward")
@click.option("--from", "sources", multiple=True, type=click.Path(path_type=Path),
              help="with --child: read these folders of returned forms instead of the register")
@register_option
@plain_errors
def status(term: str | None, school: str | None, on: str | None, json_out: Path | None,
           csv_out: Path | None, html_out: Path | None, force: bool, child_id: str | None,
           sources: tuple[Path, ...], register_url: str | None) -> None:
    """The state of the term: each child's form, per school, with totals. With --child, one
    child's PEPs this term against last term.

    States: issued, overdue, received-late, needs-changes, sent-back, passed, qa-graded,
    finalised (and unmatched for a returned file that matched no issued form).

    \b
    Example:  pepforms status --term spring-2027 --on 2027-02-12 --html status.html
    """
    from pepforms.register import term_status
    from pepforms.register.render import status_csv, status_html, status_text

    if child_id:
        _child_status(child_id, sources, register_url)
        return
    _refuse_existing((json_out, csv_out, html_out), force)
    with _open(register_url) as reg:
        result = term_status(reg, term, school, _date(on, "--on"))
    if json_out is None or str(json_out) != "-":
        click.echo(status_text(result), nl=False)
    if json_out:
        _write(json_out, (json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n")
               .encode("utf-8"), force)
    if csv_out:
        _write(csv_out, status_csv(result), force)
    if html_out:
        _write(html_out, status_html(result).encode("utf-8"), force)


def _child_status(child_id: str, sources: tuple[Path, ...], register_url: str | None) -> None:
    from pepforms.report.compare import child_history, history_text
    from pepforms.report.jobs import run_child_status

    if sources:
        history = run_child_status(sources, child_id)
    else:
        from pepforms.recording import answers_for_child

        with _open(register_url) as reg:
            history = child_history(answers_for_child(reg, child_id), child_id)
        if not history:
            raise PepformsError(f"The register holds no returned form for the child "
                                f"'{child_id}'.")
    click.echo(history_text(history), nl=False)


def _due_items(register_url: str | None, within: str, on: str | None, term: str | None,
               school: str | None) -> tuple[list[Any], date]:
    from pepforms.register import due as find_due
    from pepforms.register.due import parse_within

    try:
        span = parse_within(within)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--within") from None
    day = _date(on, "--on") or date.today()
    with _open(register_url) as reg:
        return find_due(reg, span, day, term=term, school=school), day


def _due_options(func: F) -> F:
    for option in reversed((
        click.option("--within", default="14d", show_default=True,
                     help="how far ahead: 14d (days) or 2w (weeks)"),
        click.option("--on", "on", metavar="DATE", help="count from this date (default: today)"),
        click.option("--term", help="the term (default: the newest in the register)"),
        click.option("--school", help="only this school (its URN or name)"),
    )):
        func = option(func)
    return func


@click.command()
@_due_options
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="write a CSV")
@click.option("--ics", "ics_out", type=click.Path(path_type=Path),
              help="write a calendar file (Outlook: File > Open & Export > Import/Export)")
@click.option("--force", is_flag=True, help="replace files that exist")
@register_option
@plain_errors
def due(within: str, on: str | None, term: str | None, school: str | None, csv_out: Path | None,
        ics_out: Path | None, force: bool, register_url: str | None) -> None:
    """Meetings, returns and first PEPs due soon or overdue, per school, with the designated
    teacher's email.

    \b
    Example:  pepforms due --within 14d --ics peps-due.ics
    """
    from pepforms.register import due_ics
    from pepforms.register.render import due_csv, due_text

    _refuse_existing((csv_out, ics_out), force)
    items, day = _due_items(register_url, within, on, term, school)
    click.echo(due_text(items, day), nl=False)
    if csv_out:
        _write(csv_out, due_csv(items), force)
    if ics_out:
        _write(ics_out, due_ics(items, day), force)


def _smtp_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("write the mail server as HOST:PORT, e.g. smtp.example.gov.uk:587",
                                 param_hint="--smtp")
    return host.strip("[]"), int(port)


@click.command()
@_due_options
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="folder for the email drafts (.eml, one per school)")
@click.option("--from", "sender", required=True, metavar="ADDRESS",
              help="the Virtual School's address the emails come from")
@click.option("--smtp", metavar="HOST:PORT",
              help="also send them through the authority's mail server (STARTTLS)")
@click.option("--smtp-credentials", type=click.Path(path_type=Path, dir_okay=False),
              help="file with the mail user name (first line) and password (second line)")
@click.option("--smtp-cafile", type=click.Path(path_type=Path, dir_okay=False),
              help="trust this CA certificate for the mail server (an authority's own CA)")
@click.option("--force", is_flag=True, help="replace drafts that exist")
@register_option
@plain_errors
def remind(within: str, on: str | None, term: str | None, school: str | None, out_dir: Path,
           sender: str, smtp: str | None, smtp_credentials: Path | None,
           smtp_cafile: Path | None, force: bool, register_url: str | None) -> None:
    """Write one reminder email per school listing its children and what is due; optionally
    send them. Children are named only as the authority allows; never a date of birth.

    \b
    Example:
      pepforms remind --out reminders/ --from virtual.school@example.gov.uk
      pepforms remind --out reminders/ --from virtual.school@example.gov.uk \\
          --smtp smtp.example.gov.uk:587 --smtp-credentials ~/.pepforms-mail
    """
    from pepforms.register.remind import read_credentials, reminders, send, write_drafts

    address = _smtp_address(smtp) if smtp else None
    credentials = read_credentials(smtp_credentials) if smtp_credentials else None
    items, day = _due_items(register_url, within, on, term, school)
    emails = reminders(items, sender=sender, on=day)
    if not emails:
        click.echo(f"Nothing due or overdue as of {day.isoformat()}: no reminders written.")
        return
    paths = write_drafts(emails, out_dir, force=force)
    click.echo(f"Wrote {len(paths)} reminder draft(s) to {out_dir}.")
    if address is not None:
        result = send(emails, *address, credentials=credentials, cafile=smtp_cafile)
        click.echo(f"Sent {len(result.sent)} reminder(s) through {smtp}.")
        if result.skipped:
            click.echo(f"Not sent (no designated teacher's email): {', '.join(result.skipped)}.",
                       err=True)


@click.command()
@click.argument("form_id")
@click.option("--grade", required=True, help="the QA grade, one of the authority's own")
@click.option("--by", "by", required=True, metavar="NAME", help="the QA officer")
@click.option("--reason", default="", help="why (shown to the school when it needs work)")
@click.option("--on", "on", metavar="DATE", help="the date of the decision (default: today)")
@register_option
@plain_errors
def qa(form_id: str, grade: str, by: str, reason: str, on: str | None,
       register_url: str | None) -> None:
    """Record the QA officer's decision on a form.

    \b
    Example:  pepforms qa CWAC-SPRING2027-C10001 --grade Good --by "A. Officer"
    """
    from pepforms.register import record_qa

    with _open(register_url) as reg:
        new = record_qa(reg, form_id, grade, by, reason, _date(on, "--on"))
    click.echo(f"{form_id}: QA grade {grade!r} recorded." if new
               else f"{form_id}: that QA decision was already recorded.")


# --------------------------------------------------------------------------------------------
@click.group("register")
def register_group() -> None:
    """The term register: which one is in use, upgrading it, removing old terms."""


@register_group.command("info")
@click.option("--json", "as_json", is_flag=True, help="print it as JSON")
@register_option
@plain_errors
def register_info_command(as_json: bool, register_url: str | None) -> None:
    """Which register is in use, its schema version and what it holds.

    \b
    Example:  pepforms register info --register sqlite:///shared/register.sqlite
    """
    from pepforms.register import register_info

    with _open(register_url, check_version=False) as reg:
        info = register_info(reg)
    if as_json:
        click.echo(json.dumps(info.as_dict(), indent=2))
        return
    click.echo(f"register: {info.url}")
    if info.path:
        click.echo(f"file:     {info.path} (permissions {info.permissions})")
    state = "up to date" if info.up_to_date else "older: run `pepforms register upgrade`"
    click.echo(f"schema:   version {info.schema_version or 'none'} ({state}; this pepforms "
               f"writes {info.current_version})")
    for name, count in info.counts.items():
        click.echo(f"{name.replace('_', ' ') + ':':<15} {count}")
    if info.terms:
        click.echo(f"terms:          {', '.join(info.terms)}")


@register_group.command("upgrade")
@register_option
@plain_errors
def register_upgrade_command(register_url: str | None) -> None:
    """Bring the register's schema up to this version of pepforms (safe to run again).

    \b
    Example:  pepforms register upgrade --register postgresql://vs@db.example/register
    """
    from pepforms.register import upgrade

    with _open(register_url, check_version=False) as reg:
        before, after = upgrade(reg)
        where = reg.display_url
    if before == after:
        click.echo(f"{where} is already at schema version {after}.")
    else:
        click.echo(f"{where}: schema version {before or 'none'} -> {after}.")


@register_group.command("purge")
@click.option("--before", "before", required=True, metavar="TERM",
              help="remove every term before this one, e.g. autumn-2025")
@click.option("--dry-run", is_flag=True, help="only say what would be removed")
@register_option
@plain_errors
def register_purge_command(before: str, dry_run: bool, register_url: str | None) -> None:
    """Remove old terms' records (names, dates of birth, forms, findings) for retention.

    \b
    Example:  pepforms register purge --before autumn-2025 --dry-run
    """
    from pepforms.register import purge

    with _open(register_url) as reg:
        result = purge(reg, before, dry_run=dry_run)
    terms = ", ".join(result.terms) or "no term"
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {result.issued} issued form record(s), {result.versions} version(s), "
               f"{result.findings} finding(s) and {result.events} event(s) from before "
               f"{result.before_term} ({terms}).")


def add_register_commands(group: click.Group) -> None:
    """Add status, due, remind, qa and the `register` group to the pepforms command group."""
    for command in (status, due, remind, qa, register_group):
        group.add_command(command)
