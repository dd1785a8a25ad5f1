"""Benchmark: a 10,000-child run of generate and of validate (time and peak memory of a fresh
process each), and the per-school summaries of `generate --previous` at 1,000 to 10,000 children
(linear, and under 2 s at 10,000). Rosters are made up here with names that are plainly fictional.

    python benchmarks/scale_bench.py [--children 10000] [--authority cheshire-west]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import Goals, machine, peak_rss_mb, row, write_roster
from validate_bench import write_forms

from pepforms.calendar import Term
from pepforms.fileio import StagedWrites
from pepforms.forms import return_sentence
from pepforms.generating import GeneratedForm, _school_summaries, form_filename, school_folder
from pepforms.roster import read_roster

TERM = Term.parse("spring-2027")

GENERATE = """
import time
from pathlib import Path
from pepforms.generating import generate
start = time.perf_counter()
result = generate({authority!r}, "spring-2027", Path({roster!r}), Path({out!r}))
print(len(result.forms), time.perf_counter() - start)
"""

VALIDATE = """
import time
from pathlib import Path
from pepforms.checking import validate
start = time.perf_counter()
report = validate([Path({folder!r})])
print(len(report.forms), time.perf_counter() - start)
"""


def summaries_time(root: Path, children: int) -> float:
    """Seconds for the per-school summaries of a pack of `children`."""
    roster = read_roster(write_roster(root / f"summary-{children}.csv", children), TERM).children
    forms = []
    for child in roster:
        folder = Path(school_folder(child)) / form_filename(child, TERM).removesuffix(".docx")
        for kind, name in (("blank form", form_filename(child, TERM)),
                           ("last term's PEP (PDF)", "last-term-finalised.pdf")):
            forms.append(GeneratedForm(child.child_id, child.school_name, child.phase, "F",
                                       (folder / name).as_posix(), "0" * 64, kind))
    out = root / f"pack-{children}"
    if hasattr(os, "sync"):  # as in a real run, the forms are on disk before the summaries
        os.sync()
    start = time.perf_counter()
    with StagedWrites() as staged:
        _school_summaries(staged, out, TERM, roster, forms, return_sentence("cheshire-west"))
    return time.perf_counter() - start


def _generate_and_validate(root: Path, n: int, authority: str) -> None:
    roster = write_roster(root / "roster.csv", n)
    peak, out = peak_rss_mb(GENERATE.format(authority=authority, roster=str(roster),
                                            out=str(root / "pack")))
    forms, seconds = out.split()
    print(f"generate, {n} children on one roster, one process (a fresh one):")
    row(f"{forms} forms written", float(seconds), "s", f"{float(seconds) * 1000 / n:.2f} ms/form")
    row("peak memory", peak, "MB")
    write_forms(root / "returned", n)
    peak, out = peak_rss_mb(VALIDATE.format(folder=str(root / "returned")))
    forms, seconds = out.split()
    print(f"validate, {n} returned forms in one folder, one process (a fresh one):")
    row(f"{forms} forms checked", float(seconds), "s", f"{float(seconds) * 1000 / n:.2f} ms/form")
    row("peak memory", peak, "MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--authority", default="cheshire-west")
    parser.add_argument("--summaries-only", action="store_true",
                        help="only the per-school summaries (quick)")
    args = parser.parse_args()
    goals = Goals()
    print(machine())
    n = args.children
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.summaries_only:
            _generate_and_validate(root, n, args.authority)
        print("generate --previous: the per-school summaries (files written):")
        times = {}
        for size in (1000, 2000, 4000, n):
            times[size] = summaries_time(root, size)
            row(f"{size} children", times[size] * 1000, "ms",
                f"{times[size] * 1e6 / size:.1f} µs/child")
        goals.at_most(f"summaries for {n} children", times[n], 2, " s")
        goals.at_most(f"summaries, µs per child at {n} / at 1,000 (linear ~1)",
                      (times[n] / n) / (times[1000] / 1000), 2)
    return goals.summary()


if __name__ == "__main__":
    sys.exit(main())
