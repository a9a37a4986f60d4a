"""The fire ledger: each (schedule, intended time) is claimed once, whoever leads and however often.

A leader change, a restart or (briefly) two instances that both think they lead must not deliver the
08:00 morning report twice. Before a fire's callback runs, the runner claims the pair here; exactly one
claimer wins, everyone else skips it. The claim is at-most-once: a process killed between its claim and
its callback loses that fire (recorded as ``running``/``claimed``), which is why deliveries downstream
also carry an idempotency key built from the same pair (:func:`fire_key`).

Two implementations of :class:`FireLedger`:
- :class:`StateFireLedger` over ``StateStore.claim`` (Redis or in-process), keys expiring after ``ttl``;
- :class:`DbFireLedger` over the ``fires`` table (``bot.db.models.Fire``), whose unique
  ``(name, intended_at)`` key makes the INSERT fail for every claimer but one, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Fire
from bot.state import FIRE, FIRE_LAST, StateStore

DEFAULT_TTL = 8 * 24 * 3600.0


def _utc(intended: datetime) -> datetime:
    if intended.tzinfo is None or intended.utcoffset() is None:
        raise ValueError(f"intended time must be timezone-aware, got naive {intended.isoformat()}")
    return intended.astimezone(UTC)


def fire_key(schedule_id: str, intended: datetime) -> str:
    """The stable identity of one fire, e.g. ``morning_report@2026-12-01T00:00:00+00:00``."""
    if not schedule_id:
        raise ValueError("schedule_id must not be empty")
    return f"{schedule_id}@{_utc(intended).isoformat()}"


class FireLedger(Protocol):
    async def claim(self, schedule_id: str, intended: datetime, owner: str = "") -> bool:
        """Record the fire as taken; True for exactly one caller per (schedule_id, intended)."""

    async def mark_done(self, schedule_id: str, intended: datetime) -> None: ...

    async def mark_missed(self, schedule_id: str, intended: datetime) -> None:
        """The fire was claimed too late (past its grace period) and will not be delivered."""

    async def mark_failed(self, schedule_id: str, intended: datetime, error: str) -> None: ...

    async def last_fire(self, schedule_id: str) -> datetime | None:
        """The latest intended time ever claimed for the schedule (catch-up starts after it)."""


class StateFireLedger:
    """Fires as keys in the StateStore; records vanish after ``ttl`` (keep it above any catch-up span)."""

    def __init__(self, state: StateStore, ttl: float = DEFAULT_TTL) -> None:
        self.state = state
        self.ttl = ttl

    async def claim(self, schedule_id: str, intended: datetime, owner: str = "") -> bool:
        key = FIRE + fire_key(schedule_id, intended)
        if not await self.state.claim(key, self.ttl):
            return False
        await self._set(key, "claimed", owner)
        last = await self.last_fire(schedule_id)
        if last is None or _utc(intended) > last:
            await self.state.set(FIRE_LAST + schedule_id, _utc(intended).isoformat(), self.ttl)
        return True

    async def _set(self, key: str, status: str, owner: str = "", error: str = "") -> None:
        record = {"status": status, "owner": owner, "error": error, "at": datetime.now(UTC).isoformat()}
        await self.state.set(key, json.dumps(record), self.ttl)

    async def status(self, schedule_id: str, intended: datetime) -> str | None:
        raw = await self.state.get(FIRE + fire_key(schedule_id, intended))
        if raw is None:
            return None
        try:
            return str(json.loads(raw)["status"])
        except (ValueError, KeyError, TypeError):
            return "claimed"

    async def mark_done(self, schedule_id: str, intended: datetime) -> None:
        await self._set(FIRE + fire_key(schedule_id, intended), "done")

    async def mark_missed(self, schedule_id: str, intended: datetime) -> None:
        await self._set(FIRE + fire_key(schedule_id, intended), "missed")

    async def mark_failed(self, schedule_id: str, intended: datetime, error: str) -> None:
        await self._set(FIRE + fire_key(schedule_id, intended), "failed", error=error[:500])

    async def last_fire(self, schedule_id: str) -> datetime | None:
        raw = await self.state.get(FIRE_LAST + schedule_id)
        return datetime.fromisoformat(raw) if raw else None


class DbFireLedger:
    """Fires as rows of ``fires``; the unique (name, intended_at) constraint decides who wins.

    ``name`` holds the schedule id; a missed fire is stored as status ``skipped`` with
    ``detail = {"reason": "missed"}`` (the table's vocabulary).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def claim(self, schedule_id: str, intended: datetime, owner: str = "") -> bool:
        fire_key(schedule_id, intended)  # validates both
        statement = insert(Fire).values(
            name=schedule_id, intended_at=_utc(intended), status="running", instance=owner[:64], detail={}
        )
        async with self.sessions() as session:
            try:
                await session.execute(statement)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True

    async def _finish(
        self, schedule_id: str, intended: datetime, status: str, detail: dict[str, str]
    ) -> None:
        statement = (
            update(Fire)
            .where(Fire.name == schedule_id, Fire.intended_at == _utc(intended))
            .values(status=status, detail=detail, finished_at=datetime.now(UTC))
        )
        async with self.sessions() as session:
            await session.execute(statement)
            await session.commit()

    async def status(self, schedule_id: str, intended: datetime) -> str | None:
        statement = select(Fire.status).where(Fire.name == schedule_id, Fire.intended_at == _utc(intended))
        async with self.sessions() as session:
            status = (await session.execute(statement)).scalar_one_or_none()
        # Same words as StateFireLedger.status: claimed / done / missed / failed.
        return {"running": "claimed", "skipped": "missed"}.get(status, status) if status else None

    async def mark_done(self, schedule_id: str, intended: datetime) -> None:
        await self._finish(schedule_id, intended, "done", {})

    async def mark_missed(self, schedule_id: str, intended: datetime) -> None:
        await self._finish(schedule_id, intended, "skipped", {"reason": "missed"})

    async def mark_failed(self, schedule_id: str, intended: datetime, error: str) -> None:
        await self._finish(schedule_id, intended, "failed", {"error": error[:500]})

    async def last_fire(self, schedule_id: str) -> datetime | None:
        statement = select(func.max(Fire.intended_at)).where(Fire.name == schedule_id)
        async with self.sessions() as session:
            value = (await session.execute(statement)).scalar_one_or_none()
        if value is None:
            return None
        # func.max bypasses the column type on SQLite: normalise what comes back.
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
