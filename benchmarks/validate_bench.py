"""Benchmark: `pepforms validate` per form against the lxml floor (opening the zip and parsing
word/document.xml) and python-docx reading every table cell of the same forms; where the time
goes (reading the Word file, the schema); and peak memory validating 2,000 forms against 200.
Prints each figure beside its anchor and their ratio, measured in the same run, and PASS/FAIL.

    python benchmarks/validate_bench.py [--forms 100] [--repeat 9]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

import docx
from common import Goals, interleaved, machine, peak_rss_mb, row
from lxml import etree

from pepforms.cases import discover, returned_form
from pepforms.checking import check_file, read_form_file, validate
from pepforms.validate.engine import ValidationContext, validate_instance


def write_forms(folder: Path, count: int) -> list[Path]:
    """`count` returned forms: the good sample of every authority's forms, over and over."""
    folder.mkdir(parents=True, exist_ok=True)
    good = [returned_form(c)[1] for c in discover() if c.name == "good"]
    paths = []
    for i in range(count):
        path = folder / f"form-{i:05d}.docx"
        path.write_bytes(good[i % len(good)])
        paths.append(path)
    return paths


def lxml_floor(paths: list[Path]) -> None:
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            etree.fromstring(zf.read("word/document.xml"))


def python_docx_cells(paths: list[Path]) -> None:
    for path in paths:
        document = docx.Document(str(path))
        for table in document.tables:
            for table_row in table.rows:
                for cell in table_row.cells:
                    cell.text  # noqa: B018 -- reading is the work measured


MEMORY = """
import sys
from pathlib import Path
from pepforms.checking import validate
report = validate([Path(sys.argv[1])])
print(len(report.forms))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--forms", type=int, default=100)
    # best of 9: on a shared machine one run in five or so is slowed throughout (by a quarter)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    goals = Goals()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = write_forms(root / "forms", args.forms)
        validate([root / "forms"])  # warm: schemas loaded, validators built
        reads = [read_form_file(p) for p in paths]

        def ours() -> None:
            validate([root / "forms"])

        def reader() -> None:
            for p in paths:
                read_form_file(p)

        def schema() -> None:
            for outcome in reads:
                if outcome.model is not None and outcome.read is not None:
                    validate_instance(outcome.model, outcome.read.instance, ValidationContext())

        best = interleaved({"ours": ours, "lxml": lambda: lxml_floor(paths),
                            "docx": lambda: python_docx_cells(paths), "reader": reader,
                            "schema": schema}, args.repeat)
        per = {k: v * 1000 / len(paths) for k, v in best.items()}
        print(f"validate: {len(paths)} returned forms (the good sample of each authority's "
              f"forms), best of {args.repeat} interleaved runs")
        row("pepforms validate (library, whole batch)", per["ours"])
        row("  of which reading the Word file (read_form_file)", per["reader"])
        row("  of which the schema (validate_instance)", per["schema"])
        row("lxml floor (open zip, parse word/document.xml)", per["lxml"])
        row("python-docx reading every table cell", per["docx"])
        goals.at_most("validate vs the lxml floor (pepforms / lxml)", per["ours"] / per["lxml"], 4)
        goals.at_least("validate vs python-docx (python-docx / pepforms)",
                       per["docx"] / per["ours"], 3)
        check_file(paths[0])

        write_forms(root / "200", 200)
        write_forms(root / "2000", 2000)
        small, _ = peak_rss_mb(MEMORY.replace("sys.argv[1]", repr(str(root / "200"))))
        large, _ = peak_rss_mb(MEMORY.replace("sys.argv[1]", repr(str(root / "2000"))))
        print("peak memory of a fresh process validating a folder (ru_maxrss):")
        row("2,000 forms", large, "MB")
        row("200 forms", small, "MB")
        goals.at_most("peak memory, 2,000 forms / 200 forms", large / small, 1.3)
    return goals.summary()


if __name__ == "__main__":
    sys.exit(main())
