"""Indexes for what is asked most: a term's forms, a form's versions, findings and events.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_issued_term_key", "issued", "term_key"),
    ("ix_issued_form_id", "issued", "form_id"),
    ("ix_issued_child_id", "issued", "child_id"),
    ("ix_versions_form_id", "versions", "form_id"),
    ("ix_versions_term_key", "versions", "term_key"),
    ("ix_findings_version_id", "findings", "version_id"),
    ("ix_events_form_id", "events", "form_id"),
)


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in _INDEXES:
        op.drop_index(name, table_name=table)
