"""SQLite's own write path for a version (the driver's cursor, not SQLAlchemy's statements):
what it stores is what SQLAlchemy stores, and a fault in it records nothing and says so plainly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from pepforms.register import Register, RegisterError, open_register, record_issued, record_version
from pepforms.register.recording import _match, _version_row, _write
from pepforms.register.tables import findings, versions

from .conftest import finding, issued_form, received

D = dt.date


def _rows(reg: Register) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every stored value as SQLite holds it (before SQLAlchemy's types read it back)."""
    with reg.reading() as conn:
        stored = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM versions"))]
        found = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM findings"))]
    for row in stored:
        row.pop("recorded_at")
    return stored, found


def test_the_driver_path_stores_what_sqlalchemy_stores(tmp_path: Path) -> None:
    form = issued_form("C1")
    files = [received(form, "c1-v1", D(2027, 2, 1), "fail", meeting="2027-01-25",
                      findings=(finding("attendance-not-explained"),
                                finding("wellbeing-target-missing", "warning"))),
             received(None, "stray", D(2027, 2, 2), "fail", findings=(finding("identity-unknown"),),
                      instance=None),  # a file that could not be read at all: no answers
             received(form, "c1-v2", D(2027, 2, 3), "pass",
                      instance={"pep": {"meeting_date": D(2027, 1, 26)}, "note": "Zoë’s “plan”"})]
    with open_register(f"sqlite:///{tmp_path / 'driver.sqlite'}") as fast, \
            open_register(f"sqlite:///{tmp_path / 'sqlalchemy.sqlite'}") as plain:
        for reg in (fast, plain):
            record_issued(reg, [form])
        recorded = [record_version(fast, file) for file in files]
        for file in files:  # the same rows through SQLAlchemy's statements (as on PostgreSQL)
            with plain.writing() as conn:
                now = dt.datetime.now(dt.timezone.utc)
                _write(conn, _version_row(file, _match(conn, file), now), file.findings)
        assert _rows(fast) == _rows(plain)
        assert [r.number for r in recorded] == [1, 0, 2] and all(r.new for r in recorded)
        with fast.reading() as conn:
            kept = conn.execute(select(versions.c.instance, versions.c.received_on,
                                       versions.c.meeting_date)).all()
        assert kept[0].received_on == D(2027, 2, 1) and kept[0].meeting_date == D(2027, 1, 25)
        assert kept[1].instance is None and kept[0].instance == files[0].instance


def test_a_fault_while_writing_records_nothing_and_says_so(tmp_path: Path) -> None:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite'}")
    form = issued_form("C1")
    record_issued(reg, [form])
    with reg.writing() as conn:  # the database refuses a finding part-way through the version
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON findings "
                             "BEGIN SELECT RAISE(ABORT, 'findings refused here'); END")
    with reg.batch(), pytest.raises(RegisterError) as raised:
        record_version(reg, received(form, "c1", D(2027, 2, 1), "fail",
                                     findings=(finding("attendance-not-explained"),)))
    assert "could not be used: findings refused here" in str(raised.value)
    assert "register.sqlite" in str(raised.value) and "C1" not in str(raised.value)
    with reg.reading() as conn:  # the version went with its findings: nothing half-recorded
        assert conn.execute(select(versions.c.id)).all() == []
        assert conn.execute(select(findings.c.id)).all() == []
    with reg.writing() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse")
    with reg.batch():  # the same connection is usable again, and the file records whole
        again = record_version(reg, received(form, "c1", D(2027, 2, 1), "fail",
                                             findings=(finding("attendance-not-explained"),)))
    assert again.new and again.number == 1
    reg.close()
