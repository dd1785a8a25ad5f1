"""Code the concurrency and crash tests run in other processes (importable by `spawn`)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from contextlib import nullcontext
from typing import Any

from sqlalchemy import event

from pepforms.register import open_register, record_issued, record_sent_back, record_version

from .conftest import finding, issued_form, received

FORMS = 20
OWN_FILES = 30
SHARED_FILES = 10


def forms() -> list[Any]:
    return [issued_form(f"C{i:03d}", urn="100001" if i % 2 else "100002") for i in range(FORMS)]


def coordinator(url: str, worker: int, barrier: Any, results: Any) -> None:
    """One coordinator: issue the (same) forms, then record its files and some shared ones."""
    try:
        barrier.wait(timeout=60)  # both start at once, on a register neither has created yet
        with open_register(url) as reg, reg.batch() if worker == 2 else nullcontext():
            record_issued(reg, forms())
            recorded = []
            everyone = forms()
            for i in range(OWN_FILES + SHARED_FILES):
                form = everyone[i % FORMS]
                name = f"shared-{i}" if i >= OWN_FILES else f"w{worker}-{i}"
                version = received(form, name, dt.date(2027, 2, 1) + dt.timedelta(days=i % 9),
                                   "fail" if i % 3 else "pass",
                                   findings=(finding("attendance-not-explained"),
                                             finding("wellbeing-target-missing", "warning")))
                recorded.append(record_version(reg, version).version_id)
                if i % 5 == 0:
                    record_sent_back(reg, form.form_id, dt.date(2027, 2, 15), f"worker {worker}")
        results.put((worker, "ok", recorded))
    except BaseException as exc:  # reported to the test, which fails with it
        results.put((worker, "error", repr(exc)))


def crash_during_batch(url: str, files: int, crash_at: int) -> None:
    """Record `files` versions; the process is killed inside the crash_at-th one's transaction,
    after its version row is written and while its findings are being written."""
    reg = open_register(url)
    seen = {"versions": 0}

    def _statement(statement: str) -> None:
        text = statement.lstrip().upper()
        if text.startswith("INSERT INTO VERSIONS"):
            seen["versions"] += 1
        elif text.startswith("INSERT INTO FINDINGS") and seen["versions"] == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    if reg.dialect == "sqlite":  # pepforms gives SQLite these statements itself: as SQLite runs them
        @event.listens_for(reg.engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.set_trace_callback(_statement)

        reg.engine.dispose()  # so that every connection from here on is traced
    else:
        @event.listens_for(reg.engine, "before_cursor_execute")
        def _crash(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            _statement(statement)

    form = forms()[0]
    record_issued(reg, [form])
    with reg.batch():  # as validate records a batch: one connection, a transaction per file
        for i in range(files):
            record_version(reg, received(form, f"batch-{i}", dt.date(2027, 2, 1), "fail",
                                         findings=(finding("attendance-not-explained"),
                                                   finding("wellbeing-target-missing"))))


if __name__ == "__main__":
    crash_during_batch(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
