"""Benchmark: `pepforms generate` per form against plain docxtpl on the same template and context,
and against the zip floor (re-writing the same members into a new zip and writing the file the
same way); --jobs 2 against one process; --format pdf per child. Prints each figure beside its
anchor and their ratio, measured in the same run, and PASS/FAIL per goal.

    python benchmarks/generate_bench.py [--authority cheshire-west] [--repeat 3] [--jobs-children 600]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from common import Goals, interleaved, machine, row, write_roster

from pepforms.calendar import Term
from pepforms.fanout import chunks
from pepforms.fileio import StagedWrites
from pepforms.forms import form_content, template_path
from pepforms.generating import generate, prepared_template
from pepforms.pdf import fillable
from pepforms.resources import samples_dir
from pepforms.roster import read_roster
from pepforms.schema import form_model
from pepforms.word.render import context_for, render_with_docxtpl

TERM = Term.parse("spring-2027")


def plain_docxtpl(authority: str, roster: Path, out: Path) -> int:
    """For each child, docxtpl opens, preprocesses, compiles, renders and saves the template."""
    children = read_roster(roster, TERM).children
    for child in children:
        model = form_model(authority, child.phase)
        content = form_content(model, child, TERM)
        data = render_with_docxtpl(template_path(authority, child.phase),
                                   context_for(model, content))
        (out / f"{child.child_id}.docx").write_bytes(data)
    return len(children)


def rezip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), blob,
                        compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def zip_floor(forms: list[list[tuple[str, bytes]]], out: Path | None) -> None:
    """The same members re-written into a new zip with zipfile, written as generate writes
    (or kept in memory, without `out`)."""
    for run_index, run in enumerate(chunks(forms, 1)):
        if out is None:
            for members in run:
                rezip(members)
            continue
        with StagedWrites() as staged:
            for i, members in enumerate(run):
                staged.write(out / f"{run_index}-{i}.docx", rezip(members))


def in_memory(authority: str, roster: Path) -> Callable[[], None]:
    """generate's per-form work without the disk: context, render, zip (templates prepared)."""
    items = []
    for child in read_roster(roster, TERM).children:
        model = form_model(authority, child.phase)
        items.append((prepared_template(template_path(authority, child.phase)), model, child))

    def run() -> None:
        for template, model, child in items:
            content = form_content(model, child, TERM)
            template.render(context_for(model, content), content.properties)
    return run


def members_of(folder: Path) -> list[list[tuple[str, bytes]]]:
    out = []
    for path in sorted(folder.rglob("*.docx")):
        with zipfile.ZipFile(path) as zf:
            out.append([(i.filename, zf.read(i)) for i in zf.infolist()])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--authority", default="cheshire-west")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--roster", type=Path, default=samples_dir() / "roster.csv")
    parser.add_argument("--jobs-children", type=int, default=600,
                        help="children on the roster for the --jobs 2 comparison")
    args = parser.parse_args()
    goals = Goals()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = iter(range(10_000))
        n = len(generate(args.authority, TERM, args.roster, root / "warm").forms)
        floor_input = members_of(root / "warm")

        def ours() -> None:
            generate(args.authority, TERM, args.roster, root / f"ours-{next(count)}")

        def plain() -> None:
            out = root / f"plain-{next(count)}"
            out.mkdir()
            plain_docxtpl(args.authority, args.roster, out)

        def floor() -> None:
            zip_floor(floor_input, root / f"floor-{next(count)}")

        best = interleaved({"ours": ours, "plain": plain, "floor": floor}, args.repeat)
        per = {k: v * 1000 / n for k, v in best.items()}
        print(f"generate, {args.authority}: {n} forms a run, best of {args.repeat} interleaved "
              "runs (pepforms: the whole batch, roster to manifest, files made durable)")
        row("pepforms generate", per["ours"])
        row("plain docxtpl (render + save, same template and context)", per["plain"])
        row("zip floor (same members re-zipped with zipfile, same writes)", per["floor"])
        goals.at_least("generate vs plain docxtpl (docxtpl / pepforms)",
                       per["plain"] / per["ours"], 15)
        goals.at_most("generate vs the zip floor, files written (pepforms / floor)",
                      per["ours"] / per["floor"], 1.3)
        memory = interleaved({"ours": in_memory(args.authority, args.roster),
                              "floor": lambda: zip_floor(floor_input, None)}, args.repeat)
        print("the same, in memory (no roster, manifest or disk; the disk's fsyncs are the "
              "noisiest part of the figures above):")
        row("pepforms: context, render and zip of each form", memory["ours"] * 1000 / n)
        row("zip floor: the same members re-zipped with zipfile", memory["floor"] * 1000 / n)
        goals.at_most("generate vs the zip floor, in memory (pepforms / floor)",
                      memory["ours"] / memory["floor"], 1.3)

        big = write_roster(root / "big.csv", args.jobs_children)
        generate(args.authority, TERM, big, root / "big-warm", jobs=2)

        def one_job() -> None:
            generate(args.authority, TERM, big, root / f"j1-{next(count)}")

        def two_jobs() -> None:
            generate(args.authority, TERM, big, root / f"j2-{next(count)}", jobs=2)

        jobs = interleaved({"1": one_job, "2": two_jobs}, args.repeat)
        print(f"generate --jobs 2, {args.jobs_children} children a run, best of {args.repeat}:")
        row("pepforms generate --jobs 2", jobs["2"] * 1000 / args.jobs_children)
        row("pepforms generate (one process)", jobs["1"] * 1000 / args.jobs_children)
        goals.at_least("--jobs 2 speed-up (needs two free cores)", jobs["1"] / jobs["2"], 1.7)

        def with_pdf() -> None:
            fillable._BASES.clear()  # as a fresh run: each layout's blank form built again
            generate(args.authority, TERM, args.roster, root / f"pdf-{next(count)}", pdf=True)

        pdf = interleaved({"docx": ours, "pdf": with_pdf}, args.repeat)
        extra = (pdf["pdf"] - pdf["docx"]) * 1000 / n
        print(f"generate --format pdf, {n} children, best of {args.repeat} (each run builds "
              "its layouts' blank forms afresh):")
        row("pepforms generate --format docx --format pdf", pdf["pdf"] * 1000 / n, "ms/child")
        row("pepforms generate (docx only)", pdf["docx"] * 1000 / n, "ms/child")
        goals.at_most("the fillable PDF, per child", extra, 100, " ms")
    return goals.summary()


if __name__ == "__main__":
    sys.exit(main())
