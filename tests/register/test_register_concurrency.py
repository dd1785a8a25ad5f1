"""Safe for a team: two coordinators at once lose nothing; a crash leaves nothing half-recorded."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from pepforms.register import open_register, record_version, register_info
from pepforms.register.tables import findings, versions

from . import workers
from .conftest import finding, received

ROOT = Path(__file__).resolve().parents[2]


def test_two_coordinators_at_once_lose_nothing(register_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=workers.coordinator, args=(register_url, n, barrier,
                                                                    results)) for n in (1, 2)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert all(status == "ok" for _, status, _ in outcomes), outcomes
    with open_register(register_url) as reg:
        info = register_info(reg)
        # 30 files of each coordinator's own, plus 10 both recorded: each kept once.
        assert info.counts["versions"] == 2 * workers.OWN_FILES + workers.SHARED_FILES
        assert info.counts["findings"] == 2 * info.counts["versions"]
        assert info.counts["forms"] == info.counts["issued_files"] == workers.FORMS
        # Sending a form back on a day is one fact, whoever of the two recorded it.
        sent_back = {i % workers.FORMS for i in range(workers.OWN_FILES + workers.SHARED_FILES)
                     if i % 5 == 0}
        assert info.counts["events"] == len(sent_back) == 4
    ids = {worker: recorded for worker, _, recorded in outcomes}
    shared = slice(workers.OWN_FILES, None)
    assert ids[1][shared] == ids[2][shared]  # both were told the same version of a shared file
    assert not set(ids[1][: workers.OWN_FILES]) & set(ids[2][: workers.OWN_FILES])


def test_a_crash_mid_batch_leaves_each_completed_file_whole(register_url: str) -> None:
    run = subprocess.run([sys.executable, "-m", "tests.register.workers", register_url, "5", "3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    with open_register(register_url) as reg, reg.reading() as conn:
        paths = conn.execute(select(versions.c.path).order_by(versions.c.id)).scalars().all()
        per_version = conn.execute(select(findings.c.version_id, func.count())
                                   .group_by(findings.c.version_id)).all()
    assert paths == ["returned/batch-0.docx", "returned/batch-1.docx"]
    assert sorted(count for _, count in per_version) == [2, 2]  # none half-recorded
    with open_register(register_url) as reg:  # the batch run again records only what is missing
        form = workers.forms()[0]
        again = [record_version(reg, received(form, f"batch-{i}", workers.dt.date(2027, 2, 1),
                                              "fail", findings=(finding("a"), finding("b"))))
                 for i in range(5)]
        assert [r.new for r in again] == [False, False, True, True, True]
        assert [r.number for r in again] == [1, 2, 3, 4, 5]
