"""What is due (and its calendar file), purge, schema versions, file permissions, URLs."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import text

from pepforms.register import (
    Register,
    RegisterError,
    RegisterOutdated,
    due,
    due_ics,
    open_register,
    purge,
    record_issued,
    record_qa,
    record_version,
    register_info,
    term_status,
    upgrade,
)
from pepforms.register.engine import (
    LATEST_VERSION,
    alembic_config,
    head_version,
    resolve_url,
    schema_version,
)
from pepforms.register.tables import metadata

from .conftest import finding, issued_form, received

D = dt.date


def _due_register(reg: Register) -> None:
    record_issued(reg, [
        issued_form("C1"),  # Cheshire West: meeting by 14 Feb, back by 19 Feb
        issued_form("C2", urn="100002", authority="sutton"),  # by 31 March, back by 7 April
        issued_form("C3", urn="100002", authority="sutton", date_entered_care=D(2027, 1, 11)),
        issued_form("C4"),
    ])
    record_version(reg, received(issued_form("C4"), "c4", D(2027, 2, 1), "pass"))


def test_due_lists_meetings_returns_and_first_peps_by_school(reg: Register) -> None:
    _due_register(reg)
    items = due(reg, dt.timedelta(days=14), D(2027, 2, 10))
    # Birchwood Academy (100002) sorts before Oakfield Primary (100001).
    assert [(i.school_name, i.child_id, i.kind, i.due, i.overdue) for i in items] == [
        ("Birchwood Academy", "C3", "first-pep", D(2027, 2, 8), True),
        ("Birchwood Academy", "C3", "return", D(2027, 2, 15), False),
        ("Oakfield Primary", "C1", "meeting", D(2027, 2, 14), False),
        ("Oakfield Primary", "C1", "return", D(2027, 2, 19), False),
    ]
    assert items[0].dt_email == "dt@birchwood.example"
    later = due(reg, dt.timedelta(days=60), D(2027, 2, 10))
    assert {i.child_id for i in later} == {"C1", "C2", "C3"}  # C4 is in: nothing due
    assert due(reg, dt.timedelta(days=0), D(2027, 1, 5)) == []


def test_the_calendar_file_reads_back(reg: Register) -> None:
    _due_register(reg)
    items = due(reg, dt.timedelta(days=14), D(2027, 2, 10))
    data = due_ics(items, D(2027, 2, 10))
    assert data == due_ics(items, D(2027, 2, 10))  # reproducible
    calendar = Calendar.from_ical(data)
    assert str(calendar["version"]) == "2.0" and str(calendar["method"]) == "PUBLISH"
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(items) == 4
    first = events[0]
    assert first["dtstart"].dt == D(2027, 2, 8) and first["dtend"].dt == D(2027, 2, 9)
    assert str(first["summary"]) == ("Overdue: First PEP meeting due: SUT-SPRING2027-C3 "
                                     "(Birchwood Academy)")
    assert str(first["uid"]) == "SUT-SPRING2027-C3-first-pep@pepforms.invalid"
    assert "dt@birchwood.example" in str(first["description"])
    assert b"Fictional" not in data and b"2016" not in data  # no names, no dates of birth


def test_purge_removes_old_terms_after_a_dry_run(reg: Register) -> None:
    old = issued_form("C1", term="autumn-2026", issued_on=D(2026, 9, 2),
                      first_name="Zebedeeoldterm")
    new = issued_form("C1")
    record_issued(reg, [old, new])
    record_version(reg, received(old, "old", D(2026, 10, 1), "fail",
                                 findings=(finding("attendance-not-explained"),)))
    record_version(reg, received(None, "stray-old", D(2026, 10, 2), "unreadable"))
    record_qa(reg, old.form_id, "Good", "QA", on=D(2026, 10, 5))
    record_version(reg, received(new, "new", D(2027, 2, 1), "pass"))
    dry = purge(reg, "spring-2027", dry_run=True)
    assert (dry.terms, dry.issued, dry.versions, dry.findings, dry.events) == \
        (("autumn-2026",), 1, 2, 1, 1)
    assert register_info(reg).counts["issued_files"] == 2  # nothing gone yet
    done = purge(reg, "spring-2027", dry_run=False)
    assert not done.dry_run and done.total == dry.total == 5
    info = register_info(reg)
    assert info.terms == ("spring-2027",)
    assert (info.counts["versions"], info.counts["findings"], info.counts["events"]) == (1, 0, 0)
    assert [f.state for f in term_status(reg, on=D(2027, 2, 2)).forms] == ["passed"]
    assert purge(reg, "spring-2027", dry_run=False).total == 0
    if reg.path is not None:  # SQLite: the removed name is gone from the file itself
        for path in reg.path.parent.glob("register.sqlite*"):
            assert b"Zebedeeoldterm" not in path.read_bytes(), path


def test_the_latest_version_is_alembics_head() -> None:
    # A register at LATEST_VERSION is opened without Alembic: it must be the newest migration.
    assert LATEST_VERSION == head_version()


def test_a_new_register_starts_at_the_current_version(reg: Register) -> None:
    info = register_info(reg)
    assert info.schema_version == head_version() == info.current_version and info.up_to_date
    assert info.counts == {"forms": 0, "issued_files": 0, "versions": 0, "unmatched": 0,
                           "findings": 0, "events": 0}
    assert "password" not in info.url


def test_the_migrations_make_exactly_the_tables_described(reg: Register) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with reg.reading() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_an_older_schema_is_refused_until_upgraded(register_url: str) -> None:
    from alembic import command

    with open_register(register_url, check_version=False) as reg, reg.writing() as conn:
        command.upgrade(alembic_config(conn), "0001")
    with pytest.raises(RegisterOutdated, match=r"run `pepforms register upgrade`"):
        open_register(register_url)
    with open_register(register_url, check_version=False) as reg:
        assert not register_info(reg).up_to_date
        assert upgrade(reg) == ("0001", head_version())
        assert upgrade(reg) == (head_version(), head_version())  # safe to run again
    with open_register(register_url) as reg:
        record_issued(reg, [issued_form("C1")])
        with reg.reading() as conn:
            assert schema_version(conn) == head_version()


def test_a_newer_schema_is_refused(reg: Register, register_url: str) -> None:
    with reg.writing() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(RegisterError, match="newer pepforms"):
        open_register(register_url)
    with open_register(register_url, check_version=False) as old, \
            pytest.raises(RegisterError, match="newer pepforms"):
        upgrade(old)  # never "upgraded" backwards


def test_a_database_that_is_not_a_register_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE patients (id INTEGER)")
    with pytest.raises(RegisterError, match="not a pepforms register"):
        open_register(f"sqlite:///{path}")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_sqlite_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "pepforms"
    old = os.umask(0o022)  # a typical umask: files readable by everyone unless we say otherwise
    try:
        with open_register(f"sqlite:///{folder / 'register.sqlite'}") as reg:
            record_issued(reg, [issued_form("C1")])
            files = sorted(folder.iterdir())
            assert [p.name for p in files] == ["register.sqlite", "register.sqlite-shm",
                                               "register.sqlite-wal"]
            assert {p.name: _mode(p) for p in files} == dict.fromkeys(
                (p.name for p in files), 0o600)
            assert _mode(folder) == 0o700
            assert register_info(reg).permissions == "0600"
            with reg.reading() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        os.umask(old)


def test_which_register_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PEPFORMS_REGISTER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'xdg' / 'pepforms' / 'register.sqlite'}"
    monkeypatch.setenv("PEPFORMS_REGISTER", "sqlite:///from-env.sqlite")
    assert resolve_url(None) == "sqlite:///from-env.sqlite"
    assert resolve_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://u@h/db", "SQLite or PostgreSQL"),
    ("not a url", "not a register URL"),
])
def test_bad_urls_are_plain_errors(url: str, message: str) -> None:
    with pytest.raises(RegisterError, match=message):
        open_register(url)


def test_an_unreachable_server_is_a_plain_error_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://vs:s3cret-pw@/register?host={tmp_path}&connect_timeout=2"
    with pytest.raises(RegisterError) as caught:
        open_register(url)
    assert "could not be used" in str(caught.value) and "s3cret-pw" not in str(caught.value)
    assert "vs:***@/register" in str(caught.value)


def test_importing_the_commands_does_not_import_sqlalchemy() -> None:
    code = ("import sys, pepforms.cli_register; "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'icalendar', 'psycopg') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_refused_row_is_a_plain_error_without_the_childs_details(reg: Register) -> None:
    bad = issued_form("C1", first_name=None, last_name="Secretsurname")
    with pytest.raises(RegisterError) as caught:
        record_issued(reg, [bad])
    message = str(caught.value)
    assert "could not be used" in message and "first_name" in message
    assert "Secretsurname" not in message and "2016" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert register_info(reg).counts["issued_files"] == 0
