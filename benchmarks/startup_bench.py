"""Start-up: the CPU that `pepforms --help` and `pepforms authorities` spend, against
`python -c pass` measured in the same run (goal: --help at most 6x).

    python benchmarks/startup_bench.py [runs]
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys

GOAL = 6.0


def cpu_of(command: list[str], runs: int) -> float:
    """Median CPU seconds (user + system) of a whole process, over `runs` runs."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    times.sort()
    return times[len(times) // 2]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    pepforms = shutil.which("pepforms")
    entry = [pepforms] if pepforms else [sys.executable, "-m", "pepforms"]
    floor = cpu_of([sys.executable, "-c", "pass"], runs)
    ok = True
    for args in (["--help"], ["authorities"]):
        figure = cpu_of(entry + args, runs)
        ratio = figure / floor
        verdict = "PASS" if ratio <= GOAL or args != ["--help"] else "FAIL"
        ok = ok and verdict == "PASS"
        print(f"pepforms {' '.join(args):<12} {figure * 1000:7.1f} ms CPU   python -c pass "
              f"{floor * 1000:6.1f} ms   ratio {ratio:4.1f}x   (goal for --help <= {GOAL:.0f}x) "
              f"{verdict if args == ['--help'] else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
