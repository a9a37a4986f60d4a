"""``POST /api/v1/events``: bearer auth, bad input rejected with the reason, an event sent twice applied once.

The route is mounted on a small app on loopback beside the embedded stack, with the real access
middleware, sharing the stack's journey service.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.access.accounts import AccountBook
from bot.access.config import ConsoleConfig
from bot.access.middleware import ACCESS, Access, access_middleware
from bot.access.sessions import SessionStore
from bot.api import events
from bot.db.models import JourneyEvent, JourneyState
from bot.embedded import EmbeddedStack
from tests.companion.conftest import FUND_A, customer

TOKEN = "test-token-synthetic"


@pytest.fixture
async def api(stack: EmbeddedStack, aiohttp_client: Any) -> TestClient:
    app = web.Application(middlewares=[access_middleware])
    app[keys.SETTINGS] = dataclasses.replace(stack.settings, api_token=TOKEN)
    app[keys.DISPATCHER] = stack.service[keys.DISPATCHER]
    sessions = SessionStore(stack.service[keys.STATE], 3600)
    app[ACCESS] = Access(AccountBook(stack.service[keys.DB]), sessions, ConsoleConfig(), TOKEN)
    app.router.add_routes(events.api.table)
    return await aiohttp_client(app)


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def purchase(stack: EmbeddedStack, event_id: str = "bank-1", amount: int = 10000) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "purchase",
        "external_userid": customer(stack).external_userid,
        "occurred_at": "2026-12-01T10:00:00+08:00",
        "data": {"fund_code": FUND_A, "amount": amount},
    }


async def test_wrong_or_missing_token_is_refused(api: TestClient, stack: EmbeddedStack) -> None:
    for headers in ({}, auth("wrong"), {"Authorization": TOKEN}):
        response = await api.post("/api/v1/events", json=purchase(stack), headers=headers)
        assert response.status == 401
    async with stack.service[keys.DB]() as session:
        assert await session.scalar(select(func.count()).select_from(JourneyEvent)) == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"event_id": None}, "event_id"),
        ({"event_id": "scan:fake"}, "event_id"),
        ({"type": "lottery"}, "type: must be one of"),
        ({"occurred_at": "2026-12-01T10:00:00"}, "occurred_at: needs a UTC offset"),
        ({"external_userid": "wm_nobody"}, "not a known customer"),
        ({"data": {"fund_code": "12345"}}, "data.fund_code: must be a 6-digit fund code"),
        ({"data": {"amount": 5}}, "data.fund_code: required for purchase"),
        ({"data": {"fund_code": FUND_A, "colour": "red"}}, "data: unknown field(s) colour"),
        ({"surprise": 1}, "body: unknown field(s) surprise"),
    ],
)
async def test_bad_input_is_rejected_with_the_reason(
    api: TestClient, stack: EmbeddedStack, change: dict[str, Any], reason: str
) -> None:
    body = {**purchase(stack), **change}
    response = await api.post("/api/v1/events", json=body, headers=auth())
    assert response.status == 400
    assert reason in (await response.json())["error"]


async def test_not_json_and_market_move_rules(api: TestClient, stack: EmbeddedStack) -> None:
    response = await api.post("/api/v1/events", data=b"{not json", headers=auth())
    assert response.status == 400 and "JSON" in (await response.json())["error"]
    move = {
        "event_id": "m-1",
        "type": "market_move",
        "external_userid": "x",
        "data": {"index": "沪深300", "change": -0.05, "fund_codes": [FUND_A]},
    }
    response = await api.post("/api/v1/events", json=move, headers=auth())
    assert response.status == 400 and "not allowed for market_move" in (await response.json())["error"]


async def test_an_event_sent_twice_is_applied_once(api: TestClient, stack: EmbeddedStack) -> None:
    first = await api.post("/api/v1/events", json=purchase(stack), headers=auth())
    assert first.status == 202
    body = await first.json()
    assert body["status"] == "applied" and body["entered"] == [
        f"product_companion:{customer(stack).external_userid}:{FUND_A}"
    ]
    again = await api.post("/api/v1/events", json=purchase(stack), headers=auth())
    assert again.status == 200 and (await again.json())["status"] == "duplicate"
    changed = await api.post("/api/v1/events", json=purchase(stack, amount=99), headers=auth())
    assert changed.status == 409
    async with stack.service[keys.DB]() as session:
        assert await session.scalar(select(func.count()).select_from(JourneyEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(JourneyState)) == 1


async def test_the_service_routes_bank_events_and_commentary_apart(
    tmp_path: Any, config_file: Any, clock: Any
) -> None:
    """In the real app: /api/v1/events reaches the journey engine, /api/v1/commentary the content side."""
    from aiohttp import ClientSession

    from bot.embedded import embedded_stack
    from tests.companion.conftest import seed

    url = f"sqlite+aiosqlite:///{tmp_path}/routes.sqlite3"
    overrides = {"migrate_database": True, "clock": clock}
    async with embedded_stack(database_url=url, overrides=overrides, api_token=TOKEN) as running:
        await seed(running)
        async with ClientSession() as session:
            async with session.post(
                f"{running.service_url}/api/v1/events", json=purchase(running), headers=auth()
            ) as response:
                assert response.status == 202, await response.text()
                assert (await response.json())["status"] == "applied"
            async with session.post(
                f"{running.service_url}/api/v1/commentary", json={"event": {}}, headers=auth()
            ) as response:
                assert response.status == 400
                assert "event.title" in (await response.json())["error"]
            async with session.post(
                f"{running.service_url}/api/v1/events", json=purchase(running)
            ) as response:
                assert response.status == 401
