"""The staff directory backed by the database's ``staff`` table (filled by the WeCom sync and imports).

Roles decide what a member may ask for (a relationship manager's customer look-ups, an operator's
campaigns); answers are cached briefly because every message from a member asks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Staff


class DbDirectory:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        fallback: Any = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._clock = clock
        self._fallback = fallback
        self._cache: dict[str, tuple[float, tuple[str, str] | None]] = {}

    async def _lookup(self, userid: str) -> tuple[str, str] | None:
        hit = self._cache.get(userid)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    select(Staff.role, Staff.name).where(Staff.userid == userid, Staff.active.is_(True))
                )
            ).first()
        value = (row.role, row.name) if row is not None else None
        self._cache[userid] = (self._clock() + self._ttl, value)
        return value

    async def role_of(self, userid: str) -> str | None:
        found = await self._lookup(userid)
        if found is None and self._fallback is not None:
            return await self._fallback.role_of(userid)
        return found[0] if found else None

    async def display_name(self, userid: str) -> str | None:
        found = await self._lookup(userid)
        if found is None and self._fallback is not None:
            return await self._fallback.display_name(userid)
        return (found[1] or None) if found else None

    def forget(self, userid: str | None = None) -> None:
        """Drop cached answers (after a sync or a contact-change callback)."""
        if userid is None:
            self._cache.clear()
        else:
            self._cache.pop(userid, None)
