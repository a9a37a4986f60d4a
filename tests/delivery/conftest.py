"""Delivery tests run on SQLite (a temp file) and real PostgreSQL (a schema of their own, dropped after)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.delivery.planner import Planner
from bot.delivery.policy import DeliveryPolicy
from tests.databases import migrated_database
from tests.delivery.population import populate


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_database(request, request.param, tmp_path) as sessionmaker:
        await populate(sessionmaker)
        yield sessionmaker


@pytest.fixture(scope="session")
def gate() -> ComplianceGate:
    return ComplianceGate.from_config()


@pytest.fixture
def planner(gate: ComplianceGate) -> Planner:
    return Planner(Renderer(), gate, DeliveryPolicy(monthly_cap=4))
