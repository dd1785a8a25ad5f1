"""Opening the register: which database (URL, environment, default file), safe settings, schema version.

SQLite is the embedded default, one file in the user's data folder, created 0600 in a 0700
folder, in WAL mode with a busy timeout, and every write transaction taken with BEGIN IMMEDIATE
so that two commands at once wait for each other instead of failing. PostgreSQL (psycopg 3) is
for a team sharing one register. A brand-new register is created at the current schema version;
an older one is refused until `pepforms register upgrade` has run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from pepforms.errors import PepformsError

ENV_VAR = "PEPFORMS_REGISTER"
BUSY_TIMEOUT_MS = 30_000
_UPGRADE = "run `pepforms register upgrade`"
# The newest migration's revision (a test keeps it equal to Alembic's head): a register already
# at it is opened without loading Alembic, which only an older or a new register needs.
LATEST_VERSION = "0002"
_PG_LOCK = 7_314_159  # the advisory lock that serialises creating or upgrading a register


class RegisterError(PepformsError):
    """The register cannot be opened or used (bad URL, unreachable server, unknown schema)."""


class RegisterOutdated(RegisterError):
    """The register's schema is older than this pepforms: it must be upgraded first."""


def default_path() -> Path:
    """The register file in the user's data folder (e.g. ~/.local/share/pepforms/register.sqlite)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("pepforms", appauthor=False)) / "register.sqlite"


def resolve_url(url: str | None) -> str:
    """The URL to use: the one given, else $PEPFORMS_REGISTER, else the default file."""
    if url:
        return url
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    return f"sqlite:///{default_path()}"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise RegisterError(
            f"'{url}' is not a register URL. Write sqlite:///path/register.sqlite or "
            "postgresql://user@host/database."
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgres":
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise RegisterError(f"The register must be SQLite or PostgreSQL, not '{backend}'.")
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    return parsed


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file 0600 (and a missing folder 0700) before SQLite does, with looser rights."""
    if path.exists():
        return
    # Two commands may create the register at the same moment: whoever is second finds the
    # folder, or the file, already made, and uses it.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def json_text(value: Any) -> str:
    """How the register keeps JSON: dates as YYYY-MM-DD, anything else JSON lacks as text."""
    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date)
                      else str(v))


def _wal(cursor: Any) -> None:
    """WAL mode. Two commands opening a brand-new register at once can find the file locked
    while the other switches it to WAL (SQLite does not wait its busy timeout for that), so
    this waits its turn as any other write would."""
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_engine(parsed: URL) -> Engine:
    database = parsed.database or ""
    if database and database != ":memory:":
        _prepare_sqlite_file(Path(database).expanduser())
    engine = create_engine(parsed, hide_parameters=True, json_serializer=json_text,
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                         "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is turned off so that ours (below) applies.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _wal(cursor)
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail at once ("database is locked") instead of waiting its turn.
        write = conn.get_execution_options().get("pepforms_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@cache
def _script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def alembic_config(connection: Connection | None = None) -> Any:
    """Alembic's configuration, built in code: the migrations ship inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_version() -> str:
    """The schema version this pepforms writes."""
    head = _script_directory().get_current_head()
    assert head is not None
    return str(head)


def _known_versions() -> set[str]:
    return {rev.revision for rev in _script_directory().walk_revisions()}


_PINNED = threading.local()  # each thread's batch connections, by register


@dataclass
class Register:
    """An open register: its engine and where it is. Close it (or use `with`) when done."""

    engine: Engine
    url: URL

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None (PostgreSQL, or an in-memory database)."""
        database = self.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            return None
        return Path(database).expanduser()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in a read transaction (one consistent snapshot)."""
        with _translate(self), self.engine.connect() as conn:
            if self.dialect == "postgresql":  # SQLite's read transaction is a snapshot already
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in a write transaction: committed whole at the end, or not at all."""
        pinned = getattr(_PINNED, "connections", {}).get(id(self))
        if pinned is not None:
            with _translate(self), pinned.begin():
                yield pinned
            return
        with _translate(self), self.engine.connect() as conn:
            conn = conn.execution_options(pepforms_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def sqlite_writing(self) -> Iterator[Any]:
        """SQLite only: a write transaction (BEGIN IMMEDIATE) on the driver's own cursor, for the
        few statements a batch writes for every file, where SQLAlchemy's work for each statement
        and transaction cost as much as SQLite's. Committed whole at the end, or rolled back."""
        import sqlite3

        assert self.dialect == "sqlite"
        pinned = getattr(_PINNED, "connections", {}).get(id(self))
        with _translate(self), contextlib.ExitStack() as stack:
            conn = pinned if pinned is not None else stack.enter_context(self.engine.connect())
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            assert not cursor.connection.in_transaction
            stack.callback(cursor.close)
            try:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield cursor
                except BaseException:
                    if cursor.connection.in_transaction:  # SQLite may have rolled it back itself
                        cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            except sqlite3.Error as exc:  # as _translate says SQLAlchemy's: the driver's first line
                lines = str(exc).strip().splitlines()
                reason = lines[0] if lines else type(exc).__name__
                raise RegisterError(f"The register {self.display_url} could not be used: "
                                    f"{reason}") from None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes from this thread on one connection, each still its own transaction
        (committed as it ends): a batch of forms need not connect once per form."""
        held = _PINNED.__dict__.setdefault("connections", {})
        if id(self) in held:
            yield
            return
        with _translate(self), self.engine.connect() as conn:
            held[id(self)] = conn.execution_options(pepforms_write=True)
            try:
                yield
            finally:
                del held[id(self)]

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _translate(reg: Register) -> Iterator[None]:
    """Database faults become a plain RegisterError naming the register (never a value)."""
    try:
        yield
    except DBAPIError as exc:
        # The driver's own first line names the problem; SQLAlchemy's text would add the values.
        lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = lines[0] if lines else type(exc).__name__
        raise RegisterError(f"The register {reg.display_url} could not be used: {reason}") from None


def schema_version(conn: Connection) -> str | None:
    """The version recorded in the database (Alembic's), or None for a database without one."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _check_version(reg: Register, version: str | None) -> None:
    head = head_version()
    if version == head:
        return
    if version in _known_versions():
        raise RegisterOutdated(
            f"The register {reg.display_url} has schema version {version}, older than this "
            f"pepforms ({head}): {_UPGRADE}."
        )
    raise RegisterError(
        f"The register {reg.display_url} has schema version {version}, which this pepforms does "
        "not know: it was made by a newer pepforms. Upgrade pepforms to use it."
    )


def _lock_for_migration(conn: Connection) -> None:
    """Serialise creating or upgrading: two commands starting at once on a new register."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    # SQLite: the write transaction (BEGIN IMMEDIATE) already holds the only write lock.


def upgrade(reg: Register) -> tuple[str | None, str]:
    """Run the migrations up to the current version; returns (version before, version after)."""
    from alembic import command

    with reg.writing() as conn:
        _lock_for_migration(conn)
        before = schema_version(conn)
        if before is None and _has_tables(conn):
            raise RegisterError(f"{reg.display_url} holds tables but is not a pepforms register.")
        if before is not None and before not in _known_versions():
            _check_version(reg, before)  # made by a newer pepforms: says so
        if before != head_version():
            command.upgrade(alembic_config(conn), "head")
        return before, head_version()


def _has_tables(conn: Connection) -> bool:
    return bool(inspect(conn).get_table_names())


def _is_latest(reg: Register) -> bool:
    """Whether the register records exactly LATEST_VERSION (read directly, as Alembic would)."""
    with reg.reading() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [LATEST_VERSION]


def _ensure_current(reg: Register) -> None:
    if _is_latest(reg):
        return  # the usual case, decided without Alembic
    with reg.reading() as conn:
        version = schema_version(conn)
        fresh = version is None and not _has_tables(conn)
    if fresh:
        # A brand-new register starts at the current version (re-checked under the lock, in
        # case another command created it meanwhile).
        with reg.writing() as conn:
            _lock_for_migration(conn)
            if schema_version(conn) is None and not _has_tables(conn):
                from alembic import command

                command.upgrade(alembic_config(conn), "head")
            version = schema_version(conn)
    if version is None:
        raise RegisterError(f"{reg.display_url} holds tables but is not a pepforms register.")
    _check_version(reg, version)


def open_register(url: str | None = None, *, check_version: bool = True) -> Register:
    """Open the register at `url` (None: $PEPFORMS_REGISTER, else the default file).

    A new empty register is created at the current schema version; one with an older schema
    raises RegisterOutdated ("run `pepforms register upgrade`") unless check_version is False
    (as `register upgrade` and `register info` do).
    """
    parsed = _parse(resolve_url(url))
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            # hide_parameters: a database error never carries a child's details in its text.
            engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True,
                                   json_serializer=json_text,
                                   connect_args={"connect_timeout": 10})
    except (OSError, SQLAlchemyError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise RegisterError(f"The register {shown} could not be opened: {exc}") from None
    reg = Register(engine, parsed)
    if check_version:
        try:
            _ensure_current(reg)
        except BaseException:
            reg.close()
            raise
    return reg


def file_permissions(path: Path) -> str:
    """The file's permission bits as people write them ("0600")."""
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"
