"""A migrated database for a test: SQLite in the test's temp dir, or a PostgreSQL schema of its own.

The private schema (``search_path``) keeps a PostgreSQL test out of the way of every other test module
that shares the ``test`` database; it is dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker


@asynccontextmanager
async def migrated_database(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """``kind`` is "sqlite" or "postgres" (which needs the ``postgres_url`` fixture's service)."""
    if kind == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        try:
            await migrate.upgrade(engine)
            yield create_sessionmaker(engine)
        finally:
            await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate.upgrade(engine)
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
