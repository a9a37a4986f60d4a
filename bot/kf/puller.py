"""Pull WeChat Customer Service messages: one puller per kf account, durable cursor, nothing twice.

The ``kf_msg_or_event`` callback is only a doorbell (wecom-kf.md §2-3). ``doorbell()`` records the
newest callback Token as "pending" and takes a lock per ``open_kfid`` in the StateStore (so one puller
runs per account across every instance); the holder drains ``kf/sync_msg`` page by page
(``has_more`` looped: an empty page with has_more=1 is no stop), hands each item to ``handle`` and
stores ``next_cursor`` in ``kf_cursors`` after each page. A doorbell that rings while a pull runs
leaves its Token pending and the holder pulls once more, so a burst of callbacks costs one or two pulls.

Items are deduplicated by ``msgid``. On a cold start (no stored cursor) the 3-day history is drained
without handling anything older than ``cold_start_grace`` seconds, so a restart with a lost cursor
never answers old messages. 95007 (Token expired) ends the pull: the next callback brings a new one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import KfCursor
from bot.state import DEDUPE, LOCK, PREFIX, StateStore
from bot.wecom.errors import KfSessionStateError

log = logging.getLogger("wecombot.kf.puller")

Item = dict[str, Any]
PENDING = PREFIX + "kf:pending:"
PULL_LOCK = LOCK + "kf:pull:"
SEEN = DEDUPE + "kfmsg:"


class KfPuller:
    """``await puller.doorbell(open_kfid, token)`` on every ``kf_msg_or_event``."""

    def __init__(
        self,
        wecom: Any,
        sessionmaker: async_sessionmaker[AsyncSession],
        state: StateStore,
        handle: Callable[[Item], Awaitable[None]],
        clock: Callable[[], datetime],
        *,
        cold_start_grace: float = 120.0,
        lock_ttl: float = 120.0,
        dedupe_ttl: float = 4 * 86400.0,
        page_limit: int = 1000,
    ) -> None:
        self.wecom = wecom
        self.sessionmaker = sessionmaker
        self.state = state
        self.handle = handle
        self.clock = clock
        self.cold_start_grace = cold_start_grace
        self.lock_ttl = lock_ttl
        self.dedupe_ttl = dedupe_ttl
        self.page_limit = page_limit
        self.owner = secrets.token_hex(8)
        self.stats = {"pulls": 0, "pages": 0, "handled": 0, "duplicates": 0, "skipped_history": 0}

    async def doorbell(self, open_kfid: str, token: str = "") -> None:
        """Pull now, or leave it to the puller already running for this account."""
        if not open_kfid:
            raise ValueError("kf doorbell without OpenKfId: cannot pull")
        await self.state.set(PENDING + open_kfid, token or "-", ttl=600)
        owner = f"{self.owner}:{secrets.token_hex(4)}"  # per call: the store's locks are re-entrant per owner
        while await self.state.get(PENDING + open_kfid) is not None:
            if not await self.state.acquire(PULL_LOCK + open_kfid, owner, self.lock_ttl):
                return  # the holder sees the pending Token when its pull ends
            try:
                while (pending := await self.state.get(PENDING + open_kfid)) is not None:
                    await self.state.delete(PENDING + open_kfid)
                    await self._drain(open_kfid, "" if pending == "-" else pending)
            finally:
                await self.state.release(PULL_LOCK + open_kfid, owner)

    async def _load_cursor(self, open_kfid: str) -> str | None:
        async with self.sessionmaker() as session:
            row = await session.get(KfCursor, open_kfid)
            return None if row is None else row.cursor

    async def _save_cursor(self, open_kfid: str, cursor: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(KfCursor, open_kfid)
            if row is None:
                session.add(KfCursor(open_kfid=open_kfid, cursor=cursor))
            else:
                row.cursor = cursor

    async def _drain(self, open_kfid: str, token: str) -> None:
        cursor = await self._load_cursor(open_kfid)
        cold = cursor is None
        horizon = self.clock().timestamp() - self.cold_start_grace
        self.stats["pulls"] += 1
        while True:
            try:
                page = await self.wecom.kf_sync_msg(open_kfid, cursor or "", token, self.page_limit)
            except KfSessionStateError as exc:
                if exc.errcode == 95007:  # Token expired or wrong: wait for the next doorbell
                    log.warning("kf sync_msg: callback Token no longer valid; waiting for the next callback")
                    return
                raise
            self.stats["pages"] += 1
            for item in page.get("msg_list") or []:
                await self._one(item, cold, horizon)
            next_cursor = str(page.get("next_cursor") or cursor or "")
            if next_cursor != cursor:
                await self._save_cursor(open_kfid, next_cursor)
                cursor = next_cursor
            if not int(page.get("has_more") or 0):
                return

    async def _one(self, item: Item, cold: bool, horizon: float) -> None:
        msgid = str(item.get("msgid") or "")
        if msgid and not await self.state.claim(SEEN + msgid, self.dedupe_ttl):
            self.stats["duplicates"] += 1
            return
        if cold and float(item.get("send_time") or 0) < horizon:
            self.stats["skipped_history"] += 1
            return
        try:
            await self.handle(item)
            self.stats["handled"] += 1
        except Exception:  # one bad item must not stop the account's queue
            log.exception("kf item %s failed", msgid)
