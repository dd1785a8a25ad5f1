"""Benchmark: the CPU time of `pepforms --help` against `python -c pass` (the interpreter's own
start-up), least of several runs each, interleaved. Prints both, their ratio and PASS/FAIL.

    python benchmarks/startup_bench.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys

from common import Goals, child_cpu, machine, row


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    goals = Goals()
    print(machine())
    help_cpu, bare_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        help_cpu = min(help_cpu, child_cpu([sys.executable, "-m", "pepforms", "--help"], 1))
        bare_cpu = min(bare_cpu, child_cpu([sys.executable, "-c", "pass"], 1))
    print(f"start-up, CPU time (user + system), least of {args.repeat} runs:")
    row("pepforms --help", help_cpu * 1000, "ms CPU")
    row("python -c pass", bare_cpu * 1000, "ms CPU")
    goals.at_most("pepforms --help / python -c pass", help_cpu / bare_cpu, 6)
    return goals.summary()


if __name__ == "__main__":
    sys.exit(main())
