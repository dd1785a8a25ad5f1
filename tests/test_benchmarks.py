"""The benchmarks still run against the code they measure (they are not run by the suite, so a
changed signature would otherwise go unnoticed until someone measures): each script's own
small pieces, on a few children."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def bench_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # as `python benchmarks/x.py` finds `common`


def test_the_scale_benchmarks_summaries_write_one_per_school(tmp_path: Path,
                                                             bench_path: None) -> None:
    scale = runpy.run_path(str(BENCHMARKS / "scale_bench.py"), run_name="scale_bench")
    seconds = scale["summaries_time"](tmp_path, 40)
    summaries = list((tmp_path / "pack-40").rglob("*.txt"))
    assert seconds > 0 and summaries
    assert all("Spring term 2027" in p.read_text(encoding="utf-8") for p in summaries)


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("*_bench.py")))
def test_every_benchmark_explains_itself(script: str) -> None:
    run = subprocess.run([sys.executable, str(BENCHMARKS / script), "--help"], cwd=BENCHMARKS,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout
