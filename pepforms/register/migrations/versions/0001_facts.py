"""The register's facts: issued forms, received versions and their findings, later events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issued",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("form_id", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("authority", sa.Text, nullable=False),
        sa.Column("phase", sa.Text, nullable=False),
        sa.Column("term", sa.String(20), nullable=False),
        sa.Column("term_key", sa.Integer, nullable=False),
        sa.Column("child_id", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("year_group", sa.Integer),
        sa.Column("school_name", sa.Text, nullable=False),
        sa.Column("school_urn", sa.Text, nullable=False),
        sa.Column("dt_email", sa.Text, nullable=False),
        sa.Column("schema_id", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Text, nullable=False),
        sa.Column("file_path", sa.Text, nullable=False),
        sa.Column("prefill", sa.JSON, nullable=False),
        sa.Column("prefill_digest", sa.Text, nullable=False),
        sa.Column("date_entered_care", sa.Date),
        sa.Column("date_joined_school", sa.Date),
        sa.Column("planned_meeting", sa.Date),
        sa.Column("meeting_by", sa.Date, nullable=False),
        sa.Column("return_by", sa.Date, nullable=False),
        sa.Column("first_pep_by", sa.Date),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issued"),
        sa.UniqueConstraint("form_id", "sha256", name="uq_issued_form_id_sha256"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("form_id", sa.Text),
        sa.Column("child_id", sa.Text, nullable=False),
        sa.Column("term", sa.Text, nullable=False),
        sa.Column("term_key", sa.Integer),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("read_by", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("quality_grade", sa.Text),
        sa.Column("instance", sa.JSON),
        sa.Column("meeting_date", sa.Date),
        sa.Column("return_by", sa.Date),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.UniqueConstraint("sha256", name="uq_versions_sha256"),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("pointer", sa.Text, nullable=False),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE",
                                name="fk_findings_version_id"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fact_key", sa.String(64), nullable=False),
        sa.Column("form_id", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("happened_on", sa.Date, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("grade", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("pdf_sha256", sa.String(64)),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("fact_key", name="uq_events_fact_key"),
    )


def downgrade() -> None:
    for table in ("events", "findings", "versions", "issued"):
        op.drop_table(table)
