"""Alembic migrations of the register, the only way its schema changes (run by `register upgrade`)."""
