"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production).

SQLite gets the pragmas that make it behave under a web server: WAL (readers do not block the writer),
foreign keys (off by default in SQLite) and a busy timeout (wait for the writer instead of failing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _prepare_sqlite_path(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def create_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    Extra keyword arguments go to :func:`create_async_engine` (e.g. ``connect_args``).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    # JSON columns keep Chinese as it is, so a search of the stored text finds "分行" as typed.
    kwargs.setdefault("json_serializer", _json_text)
    if backend == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            raise ValueError(
                f"SQLite needs the async driver: use sqlite+aiosqlite://, got {parsed.drivername}"
            )
        _prepare_sqlite_path(parsed)
        engine = create_async_engine(parsed, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            raise ValueError(
                f"PostgreSQL needs the async driver: use postgresql+asyncpg://, got {parsed.drivername}"
            )
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(parsed, **kwargs)
    raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (handlers read rows after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)
