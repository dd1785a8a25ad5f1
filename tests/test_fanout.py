"""The process fan-out shared by generate, validate and finalise, and staged batch writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepforms.errors import OutputExistsError
from pepforms.fanout import chunks, fan_out
from pepforms.fileio import StagedWrites


def _square(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n * n


def _total(run: list[int]) -> int:
    return sum(run)


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_order_with_progress(jobs: int) -> None:
    seen: list[int] = []
    assert fan_out(_square, list(range(40)), jobs, seen.append) == [n * n for n in range(40)]
    assert seen == [1] * 40


def test_runs_count_their_items_in_progress() -> None:
    items = list(range(100))
    runs = chunks(items, 2)
    assert [i for run in runs for i in run] == items
    assert len(runs) >= 8 and max(len(r) for r in runs) <= 32
    assert chunks(items, 1) == [items[:32], items[32:64], items[64:96], items[96:]]
    assert chunks([], 2) == []
    seen: list[int] = []
    assert fan_out(_total, runs, 2, seen.append, size=len) == [sum(r) for r in runs]
    assert sum(seen) == 100


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_in_a_worker_is_raised_to_the_caller(jobs: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        fan_out(_square, [1, 2, -3, 4], jobs)


def test_staged_writes_appear_together_and_never_half(tmp_path: Path) -> None:
    with StagedWrites() as staged:
        staged.write(tmp_path / "a" / "one.docx", b"1")
        staged.write(tmp_path / "two.docx", b"2")
        assert not (tmp_path / "two.docx").exists()  # not under its name until the commit
    assert (tmp_path / "a" / "one.docx").read_bytes() == b"1"
    assert (tmp_path / "two.docx").read_bytes() == b"2"
    with pytest.raises(OutputExistsError):
        with StagedWrites() as staged:
            staged.write(tmp_path / "three.docx", b"3")
            staged.write(tmp_path / "two.docx", b"again")
    assert not (tmp_path / "three.docx").exists()
    assert (tmp_path / "two.docx").read_bytes() == b"2"
    with StagedWrites() as staged:
        staged.write(tmp_path / "two.docx", b"forced", force=True)
    assert (tmp_path / "two.docx").read_bytes() == b"forced"
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".pepforms-")]
