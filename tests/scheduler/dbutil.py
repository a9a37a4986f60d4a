"""A private fires table for scheduler tests: SQLite in a temp dir, or a PostgreSQL schema of our own.

The schema keeps these tests out of the way of other test modules that reset the shared test database.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.models import Campaign, Fire, Schedule

PG_SCHEMA = "wecombot_scheduler_test"
TABLES = [Schedule.__table__, Campaign.__table__, Fire.__table__]


async def fires_engine(url: str) -> AsyncEngine:
    """An engine whose ``fires`` table exists and is empty."""
    if url.startswith("postgresql"):
        admin = create_engine(url)
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        await admin.dispose()
        engine = create_engine(url, connect_args={"server_settings": {"search_path": PG_SCHEMA}})
    else:
        engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: Fire.metadata.create_all(sync, tables=TABLES))
    return engine


def worker_engine(url: str) -> AsyncEngine:
    """What a worker process uses: the same schema, tables already made."""
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"server_settings": {"search_path": PG_SCHEMA}})
    return create_engine(url)
