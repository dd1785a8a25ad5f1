"""What recording in the term register adds to `generate` and `validate` (goal: at most 10%).

Each job runs over the same roster and forms with no register and with a fresh SQLite register,
in turn (A B B A A B ...: which goes first alternates), and the best of each is compared in the
same run. validate runs `--checks` times per repeat, each time on a fresh copy of the register
as generate left it, so that its least time is taken over more runs than generate's.

    python benchmarks/recording_bench.py [--children 300] [--repeat 6] [--checks 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pepforms.checking
from pepforms.calendar import Term
from pepforms.checking import ValidateJob, run_validate
from pepforms.generating import generate
from pepforms.recording import Recorder
from pepforms.register import open_register
from pepforms.report.model import FormResult
from pepforms.resources import samples_dir

GOAL = 1.10
TERM = Term.parse("spring-2027")


def roster_of(n: int, folder: Path) -> Path:
    """The sample roster's good rows repeated with new ids, up to n children (all fictional)."""
    with (samples_dir() / "roster.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["child_id"].startswith("C") and
                r["date_of_birth"].endswith(("2013", "2014", "2015", "2016", "2017")) and
                r["school_name"]][:25]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for i in range(n):
        row = dict(rows[i % len(rows)])
        row["child_id"] = f"B{i:05d}"
        writer.writerow(row)
    path = folder / "roster.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def fill_as_returned(folder: Path, out: Path) -> Path:
    """Every blank form in `folder` filled with the good sample answers, as a school returns it
    (validate's real work: completed forms, with few findings)."""
    from pepforms.cases import discover
    from pepforms.filling import fill_bytes

    good = next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == "good")
    answers = {k: v for k, v in good.instance.items() if k != "child"}
    for blank in folder.rglob("*.docx"):
        target = out / blank.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fill_bytes(blank.read_bytes(), answers).data)
    return out


class TimedRecorder(Recorder):
    """The register's own share of a validate run: the time spent recording each form."""

    spent = 0.0

    def __call__(self, result: FormResult) -> None:
        start = time.perf_counter()
        super().__call__(result)
        TimedRecorder.spent += time.perf_counter() - start


def timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--checks", type=int, default=3,
                        help="validate runs of each kind per repeat (each on a fresh register)")
    args = parser.parse_args()
    pepforms.checking.Recorder = TimedRecorder  # type: ignore[misc]
    work = Path(tempfile.mkdtemp(prefix="pepforms-recording-bench-"))
    roster = roster_of(args.children, work)  # Year 1 to 11 children: one form, one answer set
    times: dict[str, list[float]] = {k: [] for k in ("generate", "generate+register",
                                                      "validate", "validate+register")}
    spent: list[float] = []
    for run in range(args.repeat):
        plain, recorded = work / f"plain-{run}", work / f"recorded-{run}"
        issued = work / f"register-{run}.sqlite"
        with open_register(f"sqlite:///{issued}") as reg:
            generations = [("generate", partial(generate, "cheshire-west", TERM, roster, plain,
                                                force=True)),
                           ("generate+register", partial(generate, "cheshire-west", TERM, roster,
                                                         recorded, force=True, register=reg))]
            # Which goes first alternates, so neither gains from a warm cache or a quiet moment.
            for name, job in generations[::1 if run % 2 == 0 else -1]:
                times[name].append(timed(job))
        returned = fill_as_returned(recorded, work / f"returned-{run}")
        for check in range(args.checks):
            # Each recording run starts from the register as generate left it (a copy).
            fresh = work / f"register-{run}-{check}.sqlite"
            shutil.copyfile(issued, fresh)
            with open_register(f"sqlite:///{fresh}") as reg:
                checks = [("validate", partial(run_validate, ValidateJob((returned,)))),
                          ("validate+register", partial(run_validate, ValidateJob((returned,)),
                                                        register=reg))]
                for name, job in checks[::1 if (run + check) % 2 == 0 else -1]:
                    TimedRecorder.spent = 0.0
                    times[name].append(timed(job))
                    if name == "validate+register":
                        spent.append(TimedRecorder.spent)
    ok = True
    # The recording's least time over the runs, against validate's least (each at its quietest).
    own = min(spent) / min(times["validate"])
    print(f"recording's own time in validate: {own * 100:4.1f}% of validate without a register "
          "(the ratios below also carry the machine's noise)")
    for job in ("generate", "validate"):
        base, with_register = min(times[job]), min(times[f"{job}+register"])
        ratio = with_register / base
        verdict = "PASS" if ratio <= GOAL else "FAIL"
        ok = ok and ratio <= GOAL
        print(f"{job:<9} {args.children} forms: {base * 1000 / args.children:6.2f} ms/form without "
              f"a register, {with_register * 1000 / args.children:6.2f} ms/form recording: "
              f"ratio {ratio:4.2f} (goal <= {GOAL:.2f}) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
