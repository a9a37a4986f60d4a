"""The outbox: queueing rows idempotently, claiming them for sending, and recording results.

Claiming: ``UPDATE outbox SET status='claimed', claimed_by=me WHERE id IN (<candidates>) AND
status='pending'``. On PostgreSQL the candidates are picked ``FOR UPDATE SKIP LOCKED`` so concurrent
senders never wait on each other's rows; on SQLite (one writer at a time) the ``status='pending'``
guard alone makes the claim exclusive. A claim is a lease: a row still ``claimed`` after
``claim_timeout`` belongs to a sender that died and is handed to :mod:`bot.delivery.reconcile`.

Crash safety rests on one extra write: right before the WeCom call the sender commits
``result.attempt_at``. A dead sender's row without it was never sent and goes back to ``pending``; a
row with it may have been sent and is reconciled, never blindly resent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Outbox
from bot.delivery.sqlutil import chunks, insert_ignore

Sessions = async_sessionmaker[AsyncSession]


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert outbox rows (each with its ``idempotency_key``); returns key -> id for all of them.

    A key already present keeps its original row: re-planning the same fire queues nothing new.
    """
    await insert_ignore(session, Outbox, list(rows))
    ids: dict[str, int] = {}
    for part in chunks([r["idempotency_key"] for r in rows]):
        statement = select(Outbox.idempotency_key, Outbox.id).where(Outbox.idempotency_key.in_(part))
        ids.update({key: row_id for key, row_id in (await session.execute(statement)).all()})
    return ids


async def claim(
    sessions: Sessions, owner: str, now: datetime, limit: int = 20, channels: Sequence[str] = ()
) -> list[Outbox]:
    """Claim up to ``limit`` due rows for ``owner``; returns them (detached, ready to send)."""
    async with sessions() as session, session.begin():
        candidates = (
            select(Outbox.id)
            .where(Outbox.status == "pending", Outbox.not_before <= now)
            .order_by(Outbox.not_before, Outbox.id)
            .limit(limit)
        )
        if channels:
            candidates = candidates.where(Outbox.channel.in_(channels))
        if session.bind.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list((await session.execute(candidates)).scalars())
        if not ids:
            return []
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == "pending")
            .values(status="claimed", claimed_by=owner, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        mine = select(Outbox).where(Outbox.id.in_(ids), Outbox.claimed_by == owner, Outbox.claimed_at == now)
        return list((await session.execute(mine.order_by(Outbox.id))).scalars())


async def mark_attempt(sessions: Sessions, row: Outbox, owner: str, now: datetime) -> bool:
    """Commit "the WeCom call starts now"; False when the claim was lost (another sender took over)."""
    result = {**(row.result or {}), "attempt_at": now.isoformat(), "attempt_by": owner}
    async with sessions() as session, session.begin():
        changed = await session.execute(
            update(Outbox)
            .where(Outbox.id == row.id, Outbox.status == "claimed", Outbox.claimed_by == owner)
            .values(result=result, attempts=Outbox.attempts + 1)
        )
    row.result = result
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def retry_later(
    sessions: Sessions, row: Outbox, when: datetime, error: str, forget_attempt: bool
) -> None:
    """Back to ``pending`` at ``when``; ``forget_attempt`` when WeCom certainly did not act on the call."""
    result = dict(row.result or {})
    if forget_attempt:
        result.pop("attempt_at", None)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Outbox)
            .where(Outbox.id == row.id)
            .values(
                status="pending", not_before=when, last_error=error[:1000], result=result, claimed_by=None
            )
        )


async def stale_claims(sessions: Sessions, now: datetime, older_than: timedelta) -> list[Outbox]:
    """Rows claimed longer than ``older_than`` ago: their sender died or hangs."""
    statement = select(Outbox).where(Outbox.status == "claimed", Outbox.claimed_at < now - older_than)
    async with sessions() as session:
        return list((await session.execute(statement.order_by(Outbox.id))).scalars())


async def take_over(sessions: Sessions, row: Outbox, owner: str, now: datetime) -> bool:
    """Move a stale claim to ``owner`` (compare-and-set on the old claim, so one reconciler wins)."""
    async with sessions() as session, session.begin():
        changed = await session.execute(
            update(Outbox)
            .where(Outbox.id == row.id, Outbox.status == "claimed", Outbox.claimed_at == row.claimed_at)
            .values(claimed_by=owner, claimed_at=now)
        )
    if changed.rowcount:  # type: ignore[attr-defined]
        row.claimed_by, row.claimed_at = owner, now
        return True
    return False


async def counts(session: AsyncSession, fire_ids: Sequence[int]) -> dict[str, int]:
    """Outbox rows per status for some fires (coverage, tests, the bench)."""
    from sqlalchemy import func

    statement = (
        select(Outbox.status, func.count()).where(Outbox.fire_id.in_(fire_ids)).group_by(Outbox.status)
    )
    return {status: int(n) for status, n in (await session.execute(statement)).all()}
