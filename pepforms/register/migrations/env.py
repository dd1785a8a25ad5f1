"""Alembic's environment for the register: runs on the connection pepforms hands it, never a URL."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The register's migrations run through `pepforms register upgrade`.")

# SQLite cannot alter most things in place: batch mode copies the table instead.
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")

with context.begin_transaction():
    context.run_migrations()
