"""Schema migrations, driven programmatically so an installed package can migrate its own database.

The Alembic environment and revisions live in ``bot/db/migrations``. Every function accepts a URL or an
:class:`AsyncEngine` and works with the async drivers (``sqlite+aiosqlite``, ``postgresql+asyncpg``):
Alembic runs on the synchronous connection underneath via ``run_sync``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


class DatabaseBehind(RuntimeError):
    """The database schema is not the one this code expects; the message says which command to run."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return revision


async def _run(target: str | AsyncEngine, fn: Callable[[Connection], T], *, write: bool) -> T:
    engine = target if isinstance(target, AsyncEngine) else create_engine(target)
    try:
        if write:
            async with engine.begin() as conn:
                return await conn.run_sync(fn)
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        if engine is not target:
            await engine.dispose()


async def upgrade(target: str | AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default); a no-op when already there."""
    await _run(target, lambda conn: command.upgrade(alembic_config(conn), revision), write=True)


async def downgrade(target: str | AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` removes every table)."""
    await _run(target, lambda conn: command.downgrade(alembic_config(conn), revision), write=True)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def current(target: str | AsyncEngine) -> str | None:
    """The database's revision, or None for an empty database."""
    return await _run(target, _current, write=False)


async def ensure_current(target: str | AsyncEngine) -> None:
    """Refuse to start on a database whose schema is not this code's head."""
    expected = head()
    found = await current(target)
    if found == expected:
        return
    if found is None:
        raise DatabaseBehind(f"database is empty, code expects {expected}: run `wecombot db upgrade`")
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if found not in known:
        raise DatabaseBehind(
            f"database is at {found}, which this code does not know (newer code?); expected {expected}"
        )
    raise DatabaseBehind(f"database is at {found}, code expects {expected}: run `wecombot db upgrade`")


def _diff(conn: Connection) -> list[Any]:
    from bot.db.models import Base

    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def schema_diff(target: str | AsyncEngine) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree)."""
    return await _run(target, _diff, write=False)
