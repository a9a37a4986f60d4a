"""The engine on SQLite and PostgreSQL without HTTP: concurrent copies of one event are applied once, and two
concurrent ticks run each step once (outbox rows counted)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.db.models import Fund, JourneyEvent, JourneyState, Outbox
from bot.db.sample_data import store_corp
from bot.delivery.policy import DeliveryPolicy
from bot.journeys.clock import ManualClock
from bot.journeys.definitions import load_journeys
from bot.journeys.engine import JourneyEngine
from bot.journeys.reminders import ReminderBook, ReminderPolicy
from bot.journeys.sending import JourneySender
from bot.journeys.triggers import parse_event
from bot.sandbox.corp import build_corp
from tests.databases import migrated_database

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 9, 0, tzinfo=SH)


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_database(request, request.param, tmp_path) as sessionmaker:
        yield sessionmaker


def _engine(sessions: Any, clock: ManualClock) -> JourneyEngine:
    render = Renderer()
    sender = JourneySender(render, ComplianceGate.from_config(), DeliveryPolicy())
    book = ReminderBook(render, sender, ReminderPolicy())
    return JourneyEngine(load_journeys(templates=render.directory), sessions, sender, book, clock, SH)


async def test_concurrent_duplicates_and_ticks_apply_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    corp = build_corp()
    await store_corp(sessions, corp)
    buyer = corp.customers[0]
    async with sessions() as session, session.begin():
        session.add(Fund(code="900001", name="示例基金（合成）", type="mixed", risk_level="R3"))
    clock = ManualClock(START)
    engine = _engine(sessions, clock)
    raw = {
        "event_id": "bank-x",
        "type": "purchase",
        "external_userid": buyer.external_userid,
        "data": {"fund_code": "900001"},
    }
    results = await asyncio.gather(*(engine.ingest(parse_event(raw, clock())) for _ in range(4)))
    assert sorted(r.status for r in results) == ["applied", "duplicate", "duplicate", "duplicate"]
    clock.set(START + timedelta(days=1, hours=2))
    await asyncio.gather(engine.tick(clock()), engine.tick(clock()))
    await engine.tick(clock())
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(JourneyEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(JourneyState)) == 1
        keys = list((await session.execute(select(Outbox.idempotency_key))).scalars())
    assert len(keys) == 1 and keys[0].endswith("|1|d1_confirm")
