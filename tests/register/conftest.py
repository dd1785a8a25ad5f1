"""Fixtures for the register's tests: each test gets its own database, on SQLite and on PostgreSQL.

PostgreSQL tests need a server: `.ci/postgres.sh start DIR` prints a URL to export as
PEPFORMS_TEST_POSTGRES. Without it they skip locally, and fail in CI (where `CI` is set).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from pepforms.register import IssuedForm, ReceivedVersion, Register, open_register

PG_ENV = "PEPFORMS_TEST_POSTGRES"
HOW_TO = ("PostgreSQL tests need a server: run `d=$(mktemp -d); export "
          f"{PG_ENV}=$(bash .ci/postgres.sh start $d)` (and `bash .ci/postgres.sh stop $d` after).")
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set, but CI must run the PostgreSQL tests. {HOW_TO}")
        pytest.skip(HOW_TO)
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def new_postgres_database(admin: Engine) -> str:
    """A fresh database on the test server (one per test, so tests can run in parallel)."""
    name = f"pf_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(str(admin.url.render_as_string(hide_password=False))).set(
        database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
def register_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty register's URL: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'register.sqlite'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    url = new_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


@pytest.fixture
def reg(register_url: str) -> Iterator[Register]:
    with open_register(register_url) as opened:
        yield opened


def sha(text_value: str) -> str:
    return hashlib.sha256(text_value.encode()).hexdigest()


SCHOOLS = {
    "100001": ("Oakfield Primary", "dt@oakfield.example"),
    "100002": ("Birchwood Academy", "dt@birchwood.example"),
}


def issued_form(child: str, *, term: str = "spring-2027", authority: str = "cheshire-west",
                urn: str = "100001", issued_on: dt.date = dt.date(2027, 1, 4),
                version: int = 1, **overrides: Any) -> IssuedForm:
    """A fictional child's issued form (form id CODE-TERM-CHILD, like generate's)."""
    code = {"cheshire-west": "CWAC", "sutton": "SUT", "barnet": "BAR"}[authority]
    form_id = f"{code}-{term.replace('-', '').upper()}-{child}"
    values: dict[str, Any] = dict(
        form_id=form_id, authority=authority, phase="y1-11", term=term, child_id=child,
        first_name=f"Fictional{child}", last_name="Testchild",
        date_of_birth=dt.date(2016, 5, 17), year_group=5, school_name=SCHOOLS[urn][0],
        school_urn=urn, dt_email=SCHOOLS[urn][1], schema_id=f"{authority}/y1-11",
        schema_version="1.0", file_path=f"{urn}/{form_id}.docx",
        sha256=sha(f"issued {form_id} {version}"),
        prefill={"/child/child_id": child, "/child/first_name": f"Fictional{child}",
                 "/pep/term": term},
        prefill_digest=sha(f"prefill {form_id} {version}")[:32], issued_on=issued_on,
        issued_by="business.support",
    )
    values.update(overrides)
    return IssuedForm(**values)


def finding(code: str, severity: str = "error", pointer: str = "/attendance") -> dict[str, str]:
    return {"code": code, "severity": severity, "pointer": pointer, "section": "Attendance",
            "role": "designated-teacher", "message": f"Fix {code}."}


def received(form: IssuedForm | None, name: str, on: dt.date, status: str = "pass", *,
             findings: tuple[dict[str, str], ...] = (), meeting: str | None = None,
             grade: str | None = None, **overrides: Any) -> ReceivedVersion:
    """A returned file (identified by `name`, which sets its SHA-256) as validate read it."""
    instance = {"pep": {"meeting_date": meeting}} if meeting else {"pep": {}}
    values: dict[str, Any] = dict(
        path=f"returned/{name}.docx", sha256=sha(f"returned {name}"), received_on=on,
        read_by="tags", status=status, form_id=form.form_id if form else "",
        child_id=form.child_id if form else "", term=form.term if form else "",
        findings=findings, quality_grade=grade, instance=instance, recorded_by="coordinator",
    )
    values.update(overrides)
    return ReceivedVersion(**values)
