"""The kf cursor and session rows on real PostgreSQL (and SQLite): upserts, reopening, the budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kf.puller import KfPuller
from bot.kf.sessions import KfSessions
from bot.state import MemoryStateStore
from tests.databases import migrated_database


@pytest.fixture(params=["sqlite", "postgres"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_database(request, request.param, tmp_path) as sessionmaker:
        yield sessionmaker


class PagedWeCom:
    """Serves sync_msg pages from a list (a stand-in for the simulator where only the DB matters)."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.cursors: list[str] = []

    async def kf_sync_msg(self, open_kfid: str, cursor: str = "", token: str = "", limit: int = 1000) -> Any:
        self.cursors.append(cursor)
        return self.pages[int(cursor or 0)]


async def test_cursor_is_stored_after_each_page_and_reused(db: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    item = {
        "msgid": "m1",
        "origin": 3,
        "send_time": now.timestamp(),
        "msgtype": "text",
        "text": {"content": "x"},
    }
    pages = [
        {"next_cursor": "1", "has_more": 1, "msg_list": []},  # empty but has_more: not a stop
        {"next_cursor": "2", "has_more": 0, "msg_list": [item]},
        {"next_cursor": "2", "has_more": 0, "msg_list": []},
    ]
    wecom, handled = PagedWeCom(pages), []

    async def handle(it: dict[str, Any]) -> None:
        handled.append(it["msgid"])

    puller = KfPuller(wecom, db, MemoryStateStore(), handle, lambda: now)
    await puller.doorbell("wk1", "tok")
    assert handled == ["m1"] and wecom.cursors == ["", "1"]
    again = KfPuller(wecom, db, MemoryStateStore(), handle, lambda: now)  # a restart
    await again.doorbell("wk1", "tok")
    assert wecom.cursors[-1] == "2" and handled == ["m1"]


async def test_session_rows_track_state_and_reopen(db: async_sessionmaker[AsyncSession]) -> None:
    sessions = KfSessions(None, db, lambda: datetime.now(UTC))
    await sessions.customer_wrote("wk1", "wm1", "m1", datetime.now(UTC))
    row = await sessions.get("wk1", "wm1")
    assert row is not None and row.service_state == 0 and row.replies_since_customer_msg == 0
    await sessions.set_state("wk1", "wm1", 4)
    await sessions.customer_wrote("wk1", "wm1", "m2", datetime.now(UTC))
    row = await sessions.get("wk1", "wm1")
    assert row is not None and row.service_state == 0 and row.last_msgid == "m2"
