"""Migrations upgrade from empty and back, agree with the models, and start-up refuses a stale schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.models import AuditEntry, Base, ChangeEntry


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_from_empty_and_downgrade_back(engine: AsyncEngine) -> None:
    assert await migrate.current(engine) is None
    await migrate.upgrade(engine)
    assert await migrate.current(engine) == migrate.head()
    assert set(Base.metadata.tables) <= await _tables(engine)
    await migrate.upgrade(engine)  # a second upgrade is a no-op
    await migrate.downgrade(engine, "base")
    assert await migrate.current(engine) is None
    assert await _tables(engine) <= {"alembic_version"}


async def test_models_and_migrations_agree(migrated: AsyncEngine) -> None:
    assert await migrate.schema_diff(migrated) == []


async def test_start_up_refuses_a_database_that_is_behind(engine: AsyncEngine) -> None:
    with pytest.raises(migrate.DatabaseBehind, match="run `wecombot db upgrade`"):
        await migrate.ensure_current(engine)
    await migrate.upgrade(engine)
    await migrate.ensure_current(engine)


async def test_timestamps_come_back_aware_utc(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    sent = datetime.fromisoformat("2026-11-30T09:30:00+08:00")
    async with sessionmaker() as session:
        session.add(AuditEntry(sent_at=sent, channel="app_message", target="rm_zhangwei"))
        await session.commit()
    async with sessionmaker() as session:
        row = (await session.execute(select(AuditEntry))).scalar_one()
    assert row.sent_at == sent and row.sent_at.tzinfo == UTC


async def test_naive_timestamps_are_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.add(AuditEntry(sent_at=datetime(2026, 11, 30, 9, 30), channel="app_message", target="x"))
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_audit_and_change_logs_refuse_changes_on_postgresql(
    migrated: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if migrated.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    async with sessionmaker() as session:
        entry = AuditEntry(channel="app_message", target="rm_zhangwei", rendered_text="早报")
        session.add(entry)
        await session.commit()
        entry.rendered_text = "changed"
        with pytest.raises(DBAPIError, match="append-only"):
            await session.commit()
    async with sessionmaker() as session:  # the change log of the console and the API, likewise
        change = ChangeEntry(actor="wecom:ops_liuyan", action="campaign.create", object_type="campaign")
        session.add(change)
        await session.commit()
        await session.delete(change)
        with pytest.raises(DBAPIError, match="change_log is append-only"):
            await session.commit()
