"""Recording facts: forms issued, versions received (with findings), sent back, QA decisions, finalised.

Each call is one transaction: it is recorded whole or not at all. Recording the same fact twice
(the same file by its SHA-256, the same decision) changes nothing, so a batch can be re-run.
Nothing here logs or raises with a child's name or date of birth.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, select
from sqlalchemy.sql.dml import Insert

from pepforms import pointers
from pepforms.calendar import Term
from pepforms.errors import SchemaError
from pepforms.register import authority as authorities
from pepforms.register.dates import due_dates, return_by_after_meeting, term_key, term_of_date
from pepforms.register.engine import Register, RegisterError
from pepforms.register.models import VERSION_STATUSES, IssuedForm, ReceivedVersion, RecordedVersion
from pepforms.register.tables import events, findings, issued, versions

MEETING_POINTER = "/pep/meeting_date"


class UnknownForm(RegisterError):
    """No form with that id was ever issued in this register."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _who(by: str) -> str:
    if by.strip():
        return by.strip()
    return _login()


@functools.cache
def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account): record who as unknown
        return "unknown"


def _insert_ignoring_duplicates(conn: Connection, table: Table, keys: Sequence[str]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING on the unique `keys`, in the engine's own dialect."""
    return _insert_statement(conn.dialect.name, table, tuple(keys))


@functools.cache
def _insert_statement(dialect: str, table: Table, keys: tuple[str, ...]) -> Insert:
    # Built once per table: a batch records hundreds of rows with the same statement.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=list(keys))
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=list(keys))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _term(text: str) -> Term:
    try:
        return Term.parse(text)
    except ValueError as exc:
        raise RegisterError(f"The term '{text}' is not a term: {exc}") from None


def _due(form: IssuedForm, term: Term, planned: dt.date | None, memo: dict[Any, Any]) -> Any:
    """The form's due dates; a batch's forms share a few sets, so each is worked out once."""
    key = (form.authority, term, planned, form.date_entered_care, form.date_joined_school)
    if key not in memo:
        try:
            config = authorities.settings(form.authority)
        except SchemaError as exc:
            raise RegisterError(str(exc)) from None
        memo[key] = due_dates(term, config, planned_meeting=planned,
                              entered_care=form.date_entered_care,
                              joined_school=form.date_joined_school)
    return memo[key]


def _issued_row(form: IssuedForm, by: str, now: dt.datetime,
                memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    term = _term(form.term)
    planned = _as_date(form.prefill.get(MEETING_POINTER))
    dates = _due(form, term, planned, {} if memo is None else memo)
    return {
        "form_id": form.form_id, "sha256": form.sha256, "authority": form.authority,
        "phase": form.phase, "term": str(term), "term_key": term_key(term),
        "child_id": form.child_id, "first_name": form.first_name, "last_name": form.last_name,
        "date_of_birth": form.date_of_birth, "year_group": form.year_group,
        "school_name": form.school_name, "school_urn": form.school_urn,
        "dt_email": form.dt_email, "schema_id": form.schema_id,
        "schema_version": form.schema_version, "file_path": form.file_path,
        # JSON written by the engine's serializer (engine.json_text: dates as YYYY-MM-DD).
        "prefill": dict(form.prefill), "prefill_digest": form.prefill_digest,
        "date_entered_care": form.date_entered_care,
        "date_joined_school": form.date_joined_school, "planned_meeting": planned,
        "meeting_by": dates.meeting_by, "return_by": dates.return_by,
        "first_pep_by": dates.first_pep_by, "issued_on": form.issued_on or dt.date.today(),
        "recorded_by": _who(form.issued_by or by), "recorded_at": now,
    }


def record_issued(reg: Register, forms: Sequence[IssuedForm], *, by: str = "") -> int:
    """Record the issued forms in one transaction; returns how many were new.

    A form already recorded with the same file (form id and SHA-256) is left as it is; the same
    form id with a new file is a re-issue, and the newest one is the form as it stands.
    """
    now, memo = _now(), dict[Any, Any]()
    rows = [_issued_row(form, by, now, memo) for form in forms]
    if not rows:
        return 0
    with reg.writing() as conn:
        stmt = _insert_ignoring_duplicates(conn, issued, ("form_id", "sha256"))
        return len(conn.execute(stmt.returning(issued.c.id), rows).all())


def _latest_issued(conn: Connection, form_id: str) -> Any:
    return conn.execute(
        select(issued).where(issued.c.form_id == form_id).order_by(issued.c.id.desc()).limit(1)
    ).first()


# What recording a version needs of its issued form (never its pre-filled values), with the
# number of versions it already has: one query.
_MATCH_COLUMNS = (issued.c.form_id, issued.c.authority, issued.c.term, issued.c.term_key,
                  issued.c.child_id, issued.c.return_by)


_EARLIER = (select(func.count()).select_from(versions)
            .where(versions.c.form_id == issued.c.form_id).scalar_subquery())
_FORM_FOR_VERSION = (select(*_MATCH_COLUMNS, _EARLIER.label("versions"))
                     .where(issued.c.form_id == bindparam("form_id"))
                     .order_by(issued.c.id.desc()).limit(1))
_KNOWN_FILE = select(versions.c.id, versions.c.form_id).where(
    versions.c.sha256 == bindparam("sha256"))


def _form_for_version(conn: Connection, form_id: str) -> Any:
    return conn.execute(_FORM_FOR_VERSION, {"form_id": form_id}).first()


def _match(conn: Connection, version: ReceivedVersion) -> Any:
    """The issued form a file is a version of: by its form id, else by child and term."""
    if version.form_id:
        row = _form_for_version(conn, version.form_id)
        if row is not None:
            return row
    if version.child_id and version.term:
        try:
            term = str(Term.parse(version.term))
        except ValueError:
            return None
        ids = conn.execute(
            select(issued.c.form_id).distinct()
            .where(and_(issued.c.child_id == version.child_id, issued.c.term == term)).limit(2)
        ).scalars().all()
        if len(ids) == 1:  # a child with two forms in one term cannot be told apart here
            return _form_for_version(conn, ids[0])
    return None


def _version_term(version: ReceivedVersion, form: Any) -> tuple[str, int | None]:
    if form is not None:
        return form.term, form.term_key
    try:
        term = Term.parse(version.term) if version.term else term_of_date(version.received_on)
    except ValueError:
        return version.term, None
    return str(term), term_key(term)


def _number(conn: Connection, form_id: str | None, version_id: int) -> int:
    if form_id is None:
        return 0
    return int(conn.execute(
        select(func.count()).select_from(versions)
        .where(and_(versions.c.form_id == form_id, versions.c.id <= version_id))
    ).scalar_one())


def _finding_row(version_id: int, finding: Mapping[str, Any]) -> dict[str, Any]:
    return {"version_id": version_id, "code": str(finding.get("code", "")),
            "severity": "warning" if finding.get("severity") == "warning" else "error",
            "pointer": str(finding.get("pointer", "")), "section": str(finding.get("section", "")),
            "role": str(finding.get("role", "")), "message": str(finding.get("message", ""))}


def _version_row(version: ReceivedVersion, form: Any, now: dt.datetime) -> dict[str, Any]:
    meeting = _as_date(pointers.get(version.instance, MEETING_POINTER)) if version.instance else None
    return_by = form.return_by if form is not None else None
    if form is not None and meeting is not None:
        return_by = return_by_after_meeting(meeting, authorities.settings(form.authority))
    term, key = _version_term(version, form)
    errors = sum(1 for f in version.findings if f.get("severity", "error") == "error")
    return {
        "sha256": version.sha256, "form_id": form.form_id if form is not None else None,
        "child_id": version.child_id or (form.child_id if form is not None else ""),
        "term": term, "term_key": key, "path": version.path, "received_on": version.received_on,
        "read_by": version.read_by, "status": version.status, "errors": errors,
        "warnings": len(version.findings) - errors, "quality_grade": version.quality_grade,
        # Written as JSON by the engine's own serializer (dates as YYYY-MM-DD), in one pass.
        "instance": dict(version.instance) if version.instance is not None else None,
        "meeting_date": meeting, "return_by": return_by,
        "recorded_by": _who(version.recorded_by), "recorded_at": now,
    }


@functools.cache
def _insert_version(dialect: str) -> Insert:
    return _insert_statement(dialect, versions, ("sha256",)).returning(versions.c.id)


def _write(conn: Connection, row: dict[str, Any],
           found: Sequence[Mapping[str, Any]]) -> int | None:
    """Insert the version and its findings; None when this very file is recorded already."""
    inserted = conn.execute(_insert_version(conn.dialect.name), row).first()
    if inserted is None:
        return None
    version_id = int(inserted.id)
    if found:
        conn.execute(findings.insert(), [_finding_row(version_id, f) for f in found])
    return version_id


# SQLite's two statements for a version, given to the driver itself in the transaction
# SQLAlchemy began: a batch writes them for every file, and SQLAlchemy's own work for them cost
# as much as the database's. The values are converted by the columns' own SQLAlchemy types, so
# what is stored is exactly what SQLAlchemy would store (and reads back through it the same).
_VERSION_COLUMNS = tuple(c.name for c in versions.c if c.name != "id")
_FINDING_COLUMNS = ("version_id", "code", "severity", "pointer", "section", "role", "message")
_SQLITE_VERSION = (f"INSERT INTO versions ({', '.join(_VERSION_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(_VERSION_COLUMNS))}) "
                   "ON CONFLICT (sha256) DO NOTHING RETURNING id")
_SQLITE_FINDINGS = (f"INSERT INTO findings ({', '.join(_FINDING_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_FINDING_COLUMNS))})")


@functools.lru_cache(maxsize=16)  # one per engine's dialect
def _converters(dialect: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((name, versions.c[name].type.bind_processor(dialect))
                 for name in _VERSION_COLUMNS)


def _sqlite_insert(cursor: Any, dialect: Any, row: dict[str, Any],
                   found: Sequence[Mapping[str, Any]]) -> int | None:
    params = tuple(row[name] if convert is None else convert(row[name])
                   for name, convert in _converters(dialect))
    inserted = cursor.execute(_SQLITE_VERSION, params).fetchone()
    if inserted is None:
        return None
    if found:
        rows = (_finding_row(inserted[0], f) for f in found)
        cursor.executemany(_SQLITE_FINDINGS, [tuple(r[c] for c in _FINDING_COLUMNS) for r in rows])
    return int(inserted[0])


def _sqlite_number(cursor: Any, form_id: str | None, version_id: int) -> int:
    if form_id is None:
        return 0
    return int(cursor.execute("SELECT count(*) FROM versions WHERE form_id = ? AND id <= ?",
                              (form_id, version_id)).fetchone()[0])


def _record_on_sqlite(reg: Register, version: ReceivedVersion,
                      index: IssuedIndex | None) -> RecordedVersion:
    """record_version on SQLite: the issued form is found first (in the batch's index, or in a
    read transaction), then the version, its findings and its number in one write transaction."""
    if index is not None:
        form = index.match(reg, version)
    else:
        with reg.reading() as conn:
            form = _match(conn, version)
    row = _version_row(version, form, _now())
    with reg.sqlite_writing() as cursor:
        version_id = _sqlite_insert(cursor, reg.engine.dialect, row, version.findings)
        if version_id is None:  # this very file was recorded before (or a moment ago, elsewhere)
            known_id, form_id = cursor.execute("SELECT id, form_id FROM versions WHERE sha256 = ?",
                                               (version.sha256,)).fetchone()
            return RecordedVersion(known_id, form_id, False,
                                   _sqlite_number(cursor, form_id, known_id))
        number = _sqlite_number(cursor, row["form_id"], version_id)
    if index is not None:
        index.recorded(row["form_id"])
    return RecordedVersion(version_id, row["form_id"], True, number)


@contextmanager
def _connection(source: Connection | Register) -> Iterator[Connection]:
    if isinstance(source, Register):
        with source.reading() as conn:
            yield conn
    else:
        yield source


@dataclass
class _Issued:
    form_id: str
    authority: str
    term: str
    term_key: int
    child_id: str
    return_by: dt.date | None
    versions: int


class IssuedIndex:
    """A batch's view of the issued forms: each term's forms (what recording a version needs of
    them, and how many versions each has) loaded in one query when the batch first meets the
    term, instead of one query per file. A form it does not hold (issued in another term, or
    since) is looked up as before."""

    def __init__(self) -> None:
        self._terms: set[str] = set()
        self._forms: dict[str, _Issued] = {}
        self._by_child: dict[tuple[str, str], list[str]] = {}

    def _load(self, conn: Connection, term: str) -> None:
        self._terms.add(term)
        counts: dict[str, int] = dict(conn.execute(  # type: ignore[arg-type]
            select(versions.c.form_id, func.count()).where(versions.c.term == term)
            .group_by(versions.c.form_id)).all())
        for row in conn.execute(select(*_MATCH_COLUMNS).where(issued.c.term == term)
                                .order_by(issued.c.id)):  # the latest issue last: it stands
            if row.form_id not in self._forms:
                self._by_child.setdefault((row.child_id, term), []).append(row.form_id)
            self._forms[row.form_id] = _Issued(*row, versions=int(counts.get(row.form_id, 0)))

    def match(self, source: Connection | Register, version: ReceivedVersion) -> Any:
        """The issued form a file is a version of. `source` is the connection of the transaction
        it is recorded in, or the register, read only when the index does not know the form."""
        try:
            term = str(Term.parse(version.term)) if version.term else ""
        except ValueError:
            term = ""
        if not term or term in self._terms:
            form = self._known(version, term)
            if form is not None:
                return form
        with _connection(source) as conn:
            if term and term not in self._terms:
                self._load(conn, term)
            form = self._known(version, term)
            return form if form is not None else _match(conn, version)

    def _known(self, version: ReceivedVersion, term: str) -> _Issued | None:
        form = self._forms.get(version.form_id) if version.form_id else None
        if form is None and term and version.child_id:
            ids = self._by_child.get((version.child_id, term), [])
            form = self._forms[ids[0]] if len(ids) == 1 else None
        return form

    def recorded(self, form_id: str | None) -> None:
        if form_id in self._forms:
            self._forms[form_id].versions += 1


def record_version(reg: Register, version: ReceivedVersion,
                   index: IssuedIndex | None = None) -> RecordedVersion:
    """Record a received file as a version of its issued form (or as unmatched), with its findings.

    Idempotent by the file's SHA-256: the same file checked again returns the version already
    recorded (new=False). The version and its findings are one transaction. A batch passes one
    `index` for all its files, so that the issued forms are looked up once per term.
    """
    if version.status not in VERSION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(VERSION_STATUSES)}")
    if reg.dialect == "sqlite":
        return _record_on_sqlite(reg, version, index)
    with reg.writing() as conn:
        form = index.match(conn, version) if index is not None else _match(conn, version)
        row = _version_row(version, form, _now())
        version_id = _write(conn, row, version.findings)
        if version_id is None:  # this very file was recorded before (or a moment ago, elsewhere)
            known = conn.execute(_KNOWN_FILE, {"sha256": version.sha256}).one()
            return RecordedVersion(known.id, known.form_id, False,
                                   _number(conn, known.form_id, known.id))
        number = int(form.versions) + 1 if form is not None else 0
    if index is not None:  # only once the version is committed
        index.recorded(row["form_id"])
    return RecordedVersion(version_id, row["form_id"], True, number)


def record_versions(reg: Register, received: Sequence[ReceivedVersion]) -> list[RecordedVersion]:
    """Record each file in its own transaction: a crash leaves every completed file recorded."""
    index = IssuedIndex()
    with reg.batch():
        return [record_version(reg, version, index) for version in received]


def _fact_key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def _require_form(conn: Connection, form_id: str) -> Any:
    form = _latest_issued(conn, form_id)
    if form is None:
        raise UnknownForm(f"There is no form {form_id} in the register.")
    return form


def _record_event(reg: Register, form_id: str, kind: str, on: dt.date | None, by: str,
                  key_parts: Sequence[Any], *, dated: bool = True, **detail: Any) -> bool:
    """Add one event; False when the same fact (same key) was already recorded."""
    day = on or dt.date.today()
    key = _fact_key(kind, form_id, day if dated else "", *key_parts)
    with reg.writing() as conn:
        _require_form(conn, form_id)
        row = {"fact_key": key, "form_id": form_id, "kind": kind, "happened_on": day,
               "by": _who(by), "recorded_at": _now(), "grade": None, "reason": None,
               "pdf_sha256": None, **detail}
        stmt = _insert_ignoring_duplicates(conn, events, ("fact_key",)).returning(events.c.id)
        return conn.execute(stmt, row).first() is not None


def record_sent_back(reg: Register, form_id: str, on: dt.date | None = None, by: str = "") -> bool:
    """The form was sent back to the school (annotated) on that date; False if already recorded."""
    return _record_event(reg, form_id, "sent-back", on, by, ())


def record_qa(reg: Register, form_id: str, grade: str, by: str, reason: str = "",
              on: dt.date | None = None) -> bool:
    """The QA officer's grade for a form (one of its authority's grades); False if already recorded."""
    with reg.reading() as conn:
        form = _require_form(conn, form_id)
    try:
        grade = authorities.canonical_grade(form.authority, grade)
    except ValueError as exc:
        raise RegisterError(str(exc)) from None
    return _record_event(reg, form_id, "qa", on, by, (grade, by.strip(), reason.strip()),
                         grade=grade, reason=reason.strip() or None)


def record_finalised(reg: Register, form_id: str, pdf_sha256: str, on: dt.date | None = None,
                     by: str = "") -> bool:
    """The form was finalised as a PDF with that SHA-256; False if that PDF was already recorded."""
    return _record_event(reg, form_id, "finalised", on, by, (pdf_sha256,), dated=False,
                         pdf_sha256=pdf_sha256)


def issued_values(reg: Register, form_id: str) -> dict[str, Any] | None:
    """The values pre-filled in the form as issued (pointer -> value), or None if never issued.

    For the checker: a locked value in a returned form that differs from these was changed.
    """
    with reg.reading() as conn:
        form = _latest_issued(conn, form_id)
    return dict(form.prefill) if form is not None else None


def find_form_id(reg: Register, child_id: str, term: str) -> str | None:
    """The form issued for a child in a term (for a form that lost its identity), if just one."""
    with reg.reading() as conn:
        ids = conn.execute(
            select(issued.c.form_id).distinct()
            .where(and_(issued.c.child_id == child_id, issued.c.term == str(_term(term))))
        ).scalars().all()
    return ids[0] if len(ids) == 1 else None
