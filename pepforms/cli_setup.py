"""The set-up commands: `authorities`, `template build|check`, `demo` and `serve`.

`add_setup_commands(group)` adds them to the `pepforms` group; like every command they only parse
options, call the library and print.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pepforms.cli_register import register_option

EXIT_OK, EXIT_FINDINGS = 0, 1


# ------------------------------------------------------------------------------------------
@click.command()
@click.option("--markdown", is_flag=True, help="print the table of forms and rules in the README")
def authorities(markdown: bool) -> None:
    """List the authorities, their forms, return windows and QA frameworks.

    \b
    Example:  pepforms authorities
    """
    from pepforms.resources import where_from
    from pepforms.rules import authorities_markdown, qa_summary
    from pepforms.schema import PHASE_TITLES, authority_folder, authority_ids, load_authority

    if markdown:
        click.echo(authorities_markdown(), nl=False)
        return
    for authority_id in authority_ids():
        a = load_authority(authority_id)
        window = a.return_window
        unit = "working days" if window.get("unit") == "working" else "days"
        click.echo(f"{a.id:<17} {a.name}")
        click.echo(f"{'':<17} forms: {', '.join(PHASE_TITLES[p] for p in a.phases)}")
        click.echo(f"{'':<17} from: {where_from(authority_folder(a.id))}")
        if window.get("days"):
            click.echo(f"{'':<17} return within {window['days']} {unit} of the meeting")
        elif window.get("unit") == "none":
            click.echo(f"{'':<17} no return window: completed at the meeting")
        else:
            click.echo(f"{'':<17} no return window set")
        if a.qa_framework:
            click.echo(f"{'':<17} QA framework: {qa_summary(a.id)}")


# ------------------------------------------------------------------------------------------
@click.group()
def authority() -> None:
    """Describe a new authority's forms."""


@authority.command("new")
@click.argument("authority_id", metavar="ID")
@click.option("--from-form", "form", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="the Word form (.docx) the authority uses now")
@click.option("--phase", type=click.Choice(["early-years", "y1-11", "post-16",
                                            "targeted-curriculum"]),
              help="which form it is (default: from the form's words, else y1-11)")
@click.option("--name", help="the authority's name as people say it (default: from ID)")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="the schemas folder to write ID/ into (then: --schemas OUT)")
@click.option("--force", is_flag=True, help="replace a draft of the same phase")
def authority_new(authority_id: str, form: Path, phase: str | None, name: str | None,
                  out_dir: Path, force: bool) -> None:
    """Draft an authority from the Word form it already uses: OUT/ID/authority.json, the phase
    schema and DRAFT-NOTES.md (what was mapped, guessed and not placed). Read the notes, then
    build its template and try it.

    \b
    Example:  pepforms authority new newtown --from-form "Newtown PEP.docx" --out my-authorities
    Then:     pepforms --schemas my-authorities template build newtown
    """
    from pepforms.drafting import draft_authority

    draft = draft_authority(form, authority_id, out_dir, phase=phase, name=name, force=force)
    for path in draft.written:
        click.echo(f"wrote {path}")
    for line in draft.summary():
        click.echo(f"  {line}")
    click.echo(f"This is a draft: read {draft.written[-1]} before using it. Next:")
    click.echo(f"  pepforms --schemas {out_dir} template build {authority_id} {draft.phase}")


# ------------------------------------------------------------------------------------------
@click.group()
def template() -> None:
    """Build or check an authority's Word templates."""


@template.command("build")
@click.argument("authority")
@click.argument("phase", required=False)
def template_build(authority: str, phase: str | None) -> None:
    """Write form_templates/AUTHORITY/PHASE.docx from the schemas (for an authority in a
    folder of its own, FOLDER/AUTHORITY/templates/PHASE.docx).

    \b
    Example:  pepforms template build cheshire-west
    """
    from pepforms.forms import build_templates

    for path in build_templates(authority, phase):
        click.echo(f"wrote {path}")


@template.command("check")
@click.argument("authority")
@click.argument("phase", required=False)
def template_check(authority: str, phase: str | None) -> None:
    """Check the templates against the schemas: exit 1 if a field has no control, or the
    other way round.

    \b
    Example:  pepforms template check cheshire-west y1-11
    """
    from pepforms.forms import check_templates

    bad = False
    for ph, problems in check_templates(authority, phase).items():
        if problems:
            bad = True
            for problem in problems:
                click.echo(f"{authority}/{ph}: {problem}")
        else:
            click.echo(f"{authority}/{ph}: ok")
    sys.exit(EXIT_FINDINGS if bad else EXIT_OK)


# ------------------------------------------------------------------------------------------
@click.command()
@click.option("--out", "out_dir", default="pepforms-demo", show_default=True,
              type=click.Path(path_type=Path))
@click.option("--authority", default="cheshire-west", show_default=True)
@click.option("--force", is_flag=True, help="replace an earlier demo in the same folder")
def demo(out_dir: Path, authority: str, force: bool) -> None:
    """Run the whole cycle on the bundled fictional samples: generate the termly forms, fill
    the sample returns, validate them, and print the summary.

    \b
    Example:  pepforms demo --out demo
    """
    from pepforms.demo import run_demo

    summary = run_demo(out_dir, authority, force=force)
    for line in summary.lines:
        click.echo(line)
    from pepforms.cli import print_report

    print_report(summary.report, verbose=False)
    click.echo(f"\nEverything is in {out_dir}/. The samples are fictional.")


# ------------------------------------------------------------------------------------------
@click.command()
@register_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="the address to listen on (this computer only, unless --allow-remote)")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="the port (0: any free port)")
@click.option("--open", "open_browser", is_flag=True, help="open the page in your web browser")
@click.option("--allow-remote", is_flag=True,
              help="allow a --host other than this computer (behind the authority's HTTPS proxy)")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False),
              help="for --allow-remote: the sign-in password, in this file's first line")
@click.option("--files", "files_dir", type=click.Path(path_type=Path, file_okay=False),
              help="the folder for the files the page keeps (default: beside the register)")
@click.option("--max-upload-mb", default=100, show_default=True, type=click.IntRange(1, 2000),
              help="the most one upload may hold, all files together")
def serve(register_url: str | None, host: str, port: int, open_browser: bool,
          allow_remote: bool, password_file: Path | None, files_dir: Path | None,
          max_upload_mb: int) -> None:
    """Start the web page for coordinators and business support (until Ctrl-C).

    The first line printed is the address to open, with its one-time token.

    \b
    Example:  pepforms serve --open
    """
    from pepforms.web import ServeOptions
    from pepforms.web import serve as run

    run(ServeOptions(register_url, host, port, open_browser, allow_remote, password_file,
                     files_dir, max_upload_mb), announce=click.echo,
        warn=lambda line: click.echo(line, err=True))


def add_setup_commands(group: click.Group) -> None:
    for command in (authorities, authority, template, demo, serve):
        group.add_command(command)
