"""The database resource of the service: open, refuse a database that is behind, close.

``wecombot serve`` refuses to start on a database that needs ``wecombot db upgrade``; the embedded
default (demo, chat) migrates its own SQLite file because nobody else manages it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current, upgrade


@asynccontextmanager
async def open_database(
    url: str, *, migrate: bool = False
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    try:
        if migrate:
            await upgrade(engine)
        else:
            await ensure_current(engine)
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
