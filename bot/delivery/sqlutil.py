"""Portable bulk SQL for the delivery path: INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 500


async def insert_ignore(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``; rows that hit a unique key already present are skipped (idempotent retries)."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One compiled statement, executed for many parameter sets (SQLAlchemy batches them into
    # multi-row INSERTs itself): compiling a VALUES list per chunk costs more than the inserts.
    statement = insert(model).on_conflict_do_nothing()
    for start in range(0, len(rows), 5000):
        await session.execute(statement, list(rows[start : start + 5000]))


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
