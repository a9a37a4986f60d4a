"""Alembic environment for wecombot, driven by :mod:`bot.db.migrate` with a ready connection.

``bot.db.migrate`` opens an async engine and passes the synchronous connection in
``config.attributes["connection"]``; the plain ``alembic`` command line is not used.
"""

from __future__ import annotations

from alembic import context

from bot.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `wecombot db upgrade` (bot.db.migrate), not alembic directly")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
