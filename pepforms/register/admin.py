"""Looking after the register: what it holds (info) and removing old terms' personal data (purge)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, and_, delete, func, or_, select

from pepforms.calendar import Term
from pepforms.register.dates import term_dates, term_key
from pepforms.register.engine import (
    Register,
    RegisterError,
    file_permissions,
    head_version,
    schema_version,
)
from pepforms.register.models import PurgeResult, RegisterInfo
from pepforms.register.tables import events, findings, issued, versions


def _count(conn: Connection, query: Select[Any]) -> int:
    return int(conn.execute(query).scalar_one())


def register_info(reg: Register) -> RegisterInfo:
    """Which register this is, its schema version, and how many records of each kind it holds."""
    with reg.reading() as conn:
        version = schema_version(conn)
        current = version == head_version()
        counts: dict[str, int] = {}
        terms: tuple[str, ...] = ()
        if current:
            counts = {
                "forms": _count(conn, select(func.count(func.distinct(issued.c.form_id)))),
                "issued_files": _count(conn, select(func.count()).select_from(issued)),
                "versions": _count(conn, select(func.count()).select_from(versions)),
                "unmatched": _count(conn, select(func.count()).select_from(versions)
                                    .where(versions.c.form_id.is_(None))),
                "findings": _count(conn, select(func.count()).select_from(findings)),
                "events": _count(conn, select(func.count()).select_from(events)),
            }
            rows = conn.execute(select(issued.c.term, issued.c.term_key).distinct()
                                .order_by(issued.c.term_key)).all()
            terms = tuple(row.term for row in rows)
    path = reg.path
    return RegisterInfo(
        url=reg.display_url, engine=reg.dialect, path=str(path) if path else None,
        permissions=file_permissions(path) if path and path.exists() else None,
        schema_version=version, current_version=head_version(), up_to_date=current,
        counts=counts, terms=terms,
    )


def purge(reg: Register, before_term: str, dry_run: bool = True) -> PurgeResult:
    """Remove every record of the terms before `before_term` (forms, versions, findings, events).

    dry_run (the default) only counts what would go. Unmatched files go with the term they
    were placed in. On SQLite the freed space is overwritten (secure_delete) and the file compacted.
    """
    try:
        term = Term.parse(before_term)
    except ValueError as exc:
        raise RegisterError(str(exc)) from None
    key = term_key(term)
    old_forms = select(issued.c.form_id).where(issued.c.term_key < key)
    old_versions = select(versions.c.id).where(or_(
        versions.c.term_key < key,
        and_(versions.c.term_key.is_(None), versions.c.received_on < term_dates(term, {}).start),
    ))
    old_events = events.c.form_id.in_(old_forms)
    with reg.writing() as conn:
        terms = tuple(row.term for row in conn.execute(
            select(issued.c.term, issued.c.term_key).distinct()
            .where(issued.c.term_key < key).order_by(issued.c.term_key)))
        result = PurgeResult(
            before_term=str(term), dry_run=dry_run, terms=terms,
            issued=_count(conn, select(func.count()).select_from(issued)
                          .where(issued.c.term_key < key)),
            versions=_count(conn, select(func.count()).select_from(old_versions.subquery())),
            findings=_count(conn, select(func.count()).select_from(findings)
                            .where(findings.c.version_id.in_(old_versions))),
            events=_count(conn, select(func.count()).select_from(events).where(old_events)),
        )
        if not dry_run:
            conn.execute(delete(findings).where(findings.c.version_id.in_(old_versions)))
            conn.execute(delete(versions).where(versions.c.id.in_(old_versions)))
            conn.execute(delete(events).where(old_events))
            conn.execute(delete(issued).where(issued.c.term_key < key))
    if not dry_run and result.total and reg.dialect == "sqlite":
        _compact(reg)
    return result


def _compact(reg: Register) -> None:
    """Rewrite the file without the removed rows, and empty the write-ahead log, whose old page
    images would still hold them. Outside any transaction (the driver is in autocommit mode)."""
    with reg.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
