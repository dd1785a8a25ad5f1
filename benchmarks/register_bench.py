"""Benchmark: `pepforms status` over a register of 10,000 issued forms (budget: under 1 s), beside
anchors from the same run: a plain `SELECT count(*)` and loading the term's issued rows.
Prints figures and ratios; exits 1 if status is over budget.

    python benchmarks/register_bench.py [--forms 10000] [--register URL]

Without --register it uses a fresh SQLite file; give a PostgreSQL URL (an empty database) to
measure that engine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pepforms.register import (
    IssuedForm,
    ReceivedVersion,
    open_register,
    record_issued,
    record_qa,
    record_version,
    term_status,
)
from pepforms.register.tables import issued

BUDGET_S = 1.0
TERM = "spring-2027"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _form(i: int) -> IssuedForm:
    child = f"C{i:05d}"
    urn = f"1{i % 400:05d}"  # 400 schools
    form_id = f"CWAC-SPRING2027-{child}"
    return IssuedForm(
        form_id=form_id, authority="cheshire-west", phase="y1-11", term=TERM, child_id=child,
        first_name="Fictional", last_name=f"Child{i}", date_of_birth=dt.date(2015, 1, 1),
        year_group=6, school_name=f"School {urn}", school_urn=urn, dt_email=f"dt@{urn}.example",
        schema_id="cheshire-west/y1-11", schema_version="1.0", file_path=f"{urn}/{form_id}.docx",
        sha256=_sha(form_id), prefill={"/child/child_id": child, "/pep/term": TERM},
        prefill_digest=_sha("p" + form_id)[:32], issued_on=dt.date(2027, 1, 4))


def _fill(url: str, forms: int) -> None:
    with open_register(url) as reg:
        everyone = [_form(i) for i in range(forms)]
        record_issued(reg, everyone)
        # A term in progress: a fifth returned (half of them failing first), some graded.
        for i, form in enumerate(everyone[: forms // 5]):
            failing = i % 2 == 0
            findings = [{"code": "attendance-not-explained", "severity": "error",
                         "pointer": "/attendance", "message": "m", "role": "designated-teacher"}]
            record_version(reg, ReceivedVersion(
                path=f"in/{form.form_id}.docx", sha256=_sha("v" + form.form_id),
                received_on=dt.date(2027, 2, 1) + dt.timedelta(days=i % 20), read_by="tags",
                status="fail" if failing else "pass", form_id=form.form_id,
                findings=findings if failing else []))
            if not failing and i % 3 == 0:
                record_qa(reg, form.form_id, "Good", "QA", on=dt.date(2027, 3, 1))


def _best(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=10_000)
    parser.add_argument("--register", help="an empty register's URL (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.register or f"sqlite:///{Path(tmp) / 'register.sqlite'}"
        start = time.perf_counter()
        _fill(url, args.forms)
        print(f"register of {args.forms} issued forms ({args.forms // 5} returned) on "
              f"{url.split(':')[0]}: filled in {time.perf_counter() - start:.1f} s")
        with open_register(url) as reg:
            def count() -> int:
                with reg.reading() as conn:
                    return int(conn.execute(select(func.count()).select_from(issued)).scalar_one())

            def rows() -> int:
                with reg.reading() as conn:
                    cols = [c for c in issued.c if c.name != "prefill"]
                    return len(conn.execute(select(*cols).where(issued.c.term == TERM)).all())

            status_s, status = _best(lambda: term_status(reg, TERM, on=dt.date(2027, 3, 2)))
            count_s, _ = _best(count)
            rows_s, _ = _best(rows)
    print(f"  status (every form's state, totals)   {status_s * 1000:8.1f} ms "
          f"({status.totals.forms} forms, {status.totals.states['overdue']} overdue)")
    print(f"  anchor: SELECT count(*)               {count_s * 1000:8.1f} ms")
    print(f"  anchor: load the term's issued rows   {rows_s * 1000:8.1f} ms")
    print(f"  ratio status / count(*)               {status_s / count_s:8.1f} x")
    print(f"  ratio status / loading the rows       {status_s / rows_s:8.1f} x")
    verdict = "within" if status_s < BUDGET_S else "OVER"
    print(f"  budget {BUDGET_S:.0f} s: {verdict}")
    if status_s >= BUDGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
