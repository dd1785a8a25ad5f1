"""Benchmark: ms per form for `pepforms generate` against plain docxtpl rendering of the same
template for the same roster. Prints figures and the ratio; asserts nothing (tests never time).

    python benchmarks/generate_bench.py [--authority cheshire-west] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pepforms.calendar import Term
from pepforms.forms import form_content, template_path
from pepforms.generating import generate
from pepforms.resources import samples_dir
from pepforms.roster import read_roster
from pepforms.schema import form_model
from pepforms.word.render import context_for, render_with_docxtpl


def plain_docxtpl(authority: str, term: Term, roster: Path, out: Path) -> int:
    """The plain way: for each child, docxtpl opens, preprocesses, compiles and renders."""
    children = read_roster(roster, term).children
    for child in children:
        model = form_model(authority, child.phase)
        content = form_content(model, child, term)
        data = render_with_docxtpl(template_path(authority, child.phase), context_for(model, content))
        (out / f"{child.child_id}.docx").write_bytes(data)
    return len(children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authority", default="cheshire-west")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--roster", type=Path, default=samples_dir() / "roster.csv")
    args = parser.parse_args()
    term = Term.parse("spring-2027")
    ours, plain, ours_jobs = [], [], []
    n = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            n = len(generate(args.authority, term, args.roster, Path(tmp) / "a").forms)
            ours.append((time.perf_counter() - start) * 1000 / n)
            start = time.perf_counter()
            generate(args.authority, term, args.roster, Path(tmp) / "c", jobs=2)
            ours_jobs.append((time.perf_counter() - start) * 1000 / n)
            (Path(tmp) / "b").mkdir()
            start = time.perf_counter()
            plain_docxtpl(args.authority, term, args.roster, Path(tmp) / "b")
            plain.append((time.perf_counter() - start) * 1000 / n)
    best = min(ours)
    print(f"{args.authority}: {n} forms per run, best of {args.repeat} runs (whole batch, incl. "
          "roster, manifest and file writes for pepforms)")
    print(f"  pepforms generate           {best:7.1f} ms/form  (median {statistics.median(ours):.1f})")
    print(f"  pepforms generate --jobs 2  {min(ours_jobs):7.1f} ms/form  "
          f"(median {statistics.median(ours_jobs):.1f})")
    print(f"  plain docxtpl render+save   {min(plain):7.1f} ms/form  "
          f"(median {statistics.median(plain):.1f})")
    print(f"  ratio plain / pepforms      {min(plain) / best:7.1f} x")


if __name__ == "__main__":
    main()
