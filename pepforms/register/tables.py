"""The register's tables, described once (SQLAlchemy Core). Alembic revisions create and change them.

Every row is a fact that is only ever added (a purge removes a whole term's facts): a form was
issued, a version of it was received (with its findings), it was sent back, graded by QA,
finalised. The state of a form is computed from these facts and a date, never stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Stable constraint names, so that migrations can name what they change on every engine.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

# A form sent to a school. Re-issuing the same form id with a different file adds a row; the
# latest row is the form as it now stands. Holds personal data (names, date of birth, email).
issued = Table(
    "issued", metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("authority", Text, nullable=False),
    Column("phase", Text, nullable=False),
    Column("term", String(20), nullable=False),
    Column("term_key", Integer, nullable=False),  # year * 3 + season: terms in time order
    Column("child_id", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("date_of_birth", Date),
    Column("year_group", Integer),
    Column("school_name", Text, nullable=False),
    Column("school_urn", Text, nullable=False),
    Column("dt_email", Text, nullable=False),
    Column("schema_id", Text, nullable=False),
    Column("schema_version", Text, nullable=False),
    Column("file_path", Text, nullable=False),
    Column("prefill", JSON, nullable=False),
    Column("prefill_digest", Text, nullable=False),
    Column("date_entered_care", Date),
    Column("date_joined_school", Date),
    Column("planned_meeting", Date),  # a meeting date pre-filled in the form, if any
    Column("meeting_by", Date, nullable=False),
    Column("return_by", Date, nullable=False),
    Column("first_pep_by", Date),
    Column("issued_on", Date, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("form_id", "sha256", name="uq_issued_form_id_sha256"),
)

# A returned file, checked. One row per distinct file (SHA-256): the same file checked twice is
# one version. form_id is NULL for a file that matched no issued form.
versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("form_id", Text),
    Column("child_id", Text, nullable=False),
    Column("term", Text, nullable=False),  # as the file says, when pepforms cannot read it
    Column("term_key", Integer),
    Column("path", Text, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("read_by", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("quality_grade", Text),
    Column("instance", JSON),
    Column("meeting_date", Date),  # the meeting date written in the form, if any
    Column("return_by", Date),  # the return-by date that applied to this version
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# The findings of a version, one row each, recorded in the same transaction as the version.
findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("code", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("pointer", Text, nullable=False),
    Column("section", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("message", Text, nullable=False),
)

# What happened to a form afterwards: sent back (with the date), a QA decision (grade, by whom,
# why), finalised (the PDF's hash). `fact_key` makes recording the same fact twice a no-op.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("fact_key", String(64), nullable=False, unique=True),
    Column("form_id", Text, nullable=False),
    Column("kind", String(20), nullable=False),  # sent-back | qa | finalised
    Column("happened_on", Date, nullable=False),
    Column("by", Text, nullable=False),
    Column("grade", Text),
    Column("reason", Text),
    Column("pdf_sha256", String(64)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Indexes for the questions asked most: a term's forms, a form's versions and events.
Index("ix_issued_term_key", issued.c.term_key)
Index("ix_issued_form_id", issued.c.form_id)
Index("ix_issued_child_id", issued.c.child_id)
Index("ix_versions_form_id", versions.c.form_id)
Index("ix_versions_term_key", versions.c.term_key)
Index("ix_findings_version_id", findings.c.version_id)
Index("ix_events_form_id", events.c.form_id)

EVENT_KINDS = ("sent-back", "qa", "finalised")
