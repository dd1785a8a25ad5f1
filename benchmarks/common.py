"""What the benchmarks share: best-of timing, goals that say PASS or FAIL, peak memory of a child
process, and large fictional rosters.

Every figure is printed beside its anchor (the thing it is compared with), both measured in the
same run, and the ratio between them; a goal compares that ratio with its limit. Runs of the
compared things are interleaved so that a busy machine slows both alike.
"""

from __future__ import annotations

import csv
import gc
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pepforms.resources import samples_dir

# Surnames that look made up, as the samples' do: no real child could be mistaken for one.
SURNAMES = ["Sample", "Example", "Specimen", "Mockford", "Testwood", "Placeholder", "Fictional",
            "Dummy", "Demo", "Trial", "Exemplar", "Prototype", "Mockup", "Samplewell",
            "Testbury", "Exampleby", "Mockridge", "Trialworth", "Pilotson", "Dummyfield"]
FIRST_NAMES = ["Ava", "Leo", "Isla", "Noah", "Mia", "Oliver", "Amelia", "George", "Freya",
               "Arthur", "Lily", "Jack", "Evie", "Harry", "Grace", "Thomas", "Ivy", "Charlie",
               "Poppy", "Jacob", "Ella", "Alfie", "Rosie", "Oscar", "Sophie", "Henry", "Daisy"]


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs of `fn`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The best time of each function, running them in turn `repeat` times.

    The garbage collector is run before each (outside the timing), so that no function pays for
    collecting what the one before it left behind (python-docx leaves much: the reader timed
    right after it ran a fifth slower)."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


@dataclass
class Goals:
    """Goals checked in one run; `summary` prints them and the exit status says if all passed."""

    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def at_most(self, what: str, value: float, limit: float, unit: str = "x") -> None:
        self._add(what, value <= limit, f"{value:.2f}{unit} (goal <= {limit:g}{unit})")

    def at_least(self, what: str, value: float, limit: float, unit: str = "x") -> None:
        self._add(what, value >= limit, f"{value:.2f}{unit} (goal >= {limit:g}{unit})")

    def _add(self, what: str, ok: bool, detail: str) -> None:
        self.results.append((what, ok, detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {what}: {detail}", flush=True)

    def summary(self) -> int:
        failed = [w for w, ok, _ in self.results if not ok]
        print(f"{len(self.results) - len(failed)} of {len(self.results)} goals passed"
              + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
        return 1 if failed else 0


def row(label: str, ms: float, unit: str = "ms/form", note: str = "") -> None:
    print(f"  {label:<52} {ms:9.2f} {unit}" + (f"  {note}" if note else ""), flush=True)


def machine() -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPU(s); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            "(others' work on this machine slows every figure alike, not the ratios)")


_PEAK = """
import resource, sys
try:  # the peak of this process's own memory; ru_maxrss also counts the parent's at fork (Linux)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("PEAK", peak, file=sys.stderr)
"""


def peak_rss_mb(code: str) -> tuple[float, str]:
    """Run `code` in a fresh Python and return its peak resident memory (MB) and its output."""
    wrapper = code + _PEAK
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                          check=True)
    peak = next(line for line in done.stderr.splitlines() if line.startswith("PEAK"))
    return int(peak.split()[1]) / 1024, done.stdout


def child_cpu(cmd: list[str], repeat: int) -> float:
    """The least CPU time (user + system, seconds) a command took over `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def write_roster(path: Path, children: int, per_school: int = 30) -> Path:
    """A roster of `children` fictional children, about `per_school` in each school, made from
    the sample roster's valid rows (so every phase of form is there)."""
    with (samples_dir() / "roster.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle)][:30]
    fields = list(rows[0])
    schools = max(1, children // per_school)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i in range(children):
            out = dict(rows[i % len(rows)])
            out["child_id"] = f"C{300000 + i}"
            out["first_name"] = FIRST_NAMES[i % len(FIRST_NAMES)]
            out["last_name"] = f"{SURNAMES[(i // len(FIRST_NAMES)) % len(SURNAMES)]}-{i // 540}"
            out["upn"] = ""  # a UPN is unique to a child: copies would be duplicates
            if out["school_name"]:
                school = i % schools
                out["school_name"] = f"{out['school_name']} {school}"
                out["school_urn"] = str(700000 + school)
            writer.writerow(out)
    return path
