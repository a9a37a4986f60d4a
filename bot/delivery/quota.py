"""The monthly mass-message cap ledger: one entry per (customer or group, outbox row), month in Shanghai time.

WeCom lets each customer and each customer group receive only a few mass messages per natural month
(default 4, configurable; the stricter admin settings are lower). Entries are written when the task is
queued (a reservation) and released when the send fails or WeCom reports the target out of reach, so the
month's usage is simply the count of entries and a second campaign sees the first one's reservations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import QuotaEntry
from bot.delivery.sqlutil import insert_ignore
from scheduler.slots import SHANGHAI


def month_of(moment: datetime, tz: tzinfo = SHANGHAI) -> str:
    """``YYYY-MM`` of the natural month ``moment`` falls in, in the corp's time zone."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware value")
    return moment.astimezone(tz).strftime("%Y-%m")


async def usage(session: AsyncSession, kind: str, month: str) -> dict[str, int]:
    """Entries per target of ``kind`` (customer / group) in ``month``."""
    statement = (
        select(QuotaEntry.target_id, func.count())
        .where(QuotaEntry.target_kind == kind, QuotaEntry.month == month)
        .group_by(QuotaEntry.target_id)
    )
    return {target: int(n) for target, n in (await session.execute(statement)).all()}


async def recent(session: AsyncSession, kind: str, since: datetime) -> dict[str, list[datetime]]:
    """When each target was counted since ``since`` (for the per-day and per-week frequency caps)."""
    statement = select(QuotaEntry.target_id, QuotaEntry.created_at).where(
        QuotaEntry.target_kind == kind, QuotaEntry.created_at >= since
    )
    out: dict[str, list[datetime]] = defaultdict(list)
    for target, at in (await session.execute(statement)).all():
        out[target].append(at)
    return out


async def reserve(session: AsyncSession, entries: Iterable[Mapping[str, Any]]) -> None:
    """Add entries (``target_kind, target_id, month, outbox_id``); a repeated reservation counts once."""
    await insert_ignore(session, QuotaEntry, list(entries))


async def release(session: AsyncSession, outbox_id: int, target_ids: Iterable[str] | None = None) -> int:
    """Give back the reservations of an outbox row (all, or only ``target_ids``); returns how many."""
    statement = delete(QuotaEntry).where(QuotaEntry.outbox_id == outbox_id)
    if target_ids is not None:
        ids = list(target_ids)
        if not ids:
            return 0
        statement = statement.where(QuotaEntry.target_id.in_(ids))
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
