"""Searching the two append-only logs: messages that left (``audit_log``) and changes people and systems
made (``change_log``). Newest first; a compliance reviewer finds an entry by a word of its text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AuditEntry, ChangeEntry
from bot.queries.paging import between, clamp, iso, one_page, paged, search, window
from bot.queries.people import message_view

Sessions = async_sessionmaker[AsyncSession]


async def search_messages(
    db: Sessions,
    *,
    q: str | None = None,
    channel: str | None = None,
    target: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 50,
    offset: int = 0,
    ceiling: int | None = None,
) -> dict[str, Any]:
    """Messages whose text, target or template contains ``q``; dates are Shanghai days.

    ``ceiling`` leaves out entries with a larger id, so an export that pages through keeps the set it
    started with while new messages keep arriving.
    """
    limit, offset = clamp(limit, offset)
    start, stop = window(since, until)
    conditions: list[ColumnElement[bool]] = []
    text = search(q, AuditEntry.rendered_text, AuditEntry.target, AuditEntry.template_key)
    if text is not None:
        conditions.append(text)
    if channel:
        conditions.append(AuditEntry.channel == channel)
    if target:
        conditions.append(AuditEntry.target == target)
    if ceiling is not None:
        conditions.append(AuditEntry.id <= ceiling)
    conditions += between(AuditEntry.sent_at, start, stop)
    newest_first = select(AuditEntry).order_by(AuditEntry.sent_at.desc(), AuditEntry.id.desc())
    async with db() as session:
        total, page = await one_page(session, AuditEntry, conditions, newest_first, limit, offset)
        rows = [message_view(entry) for entry in page.scalars()]
    return paged("messages", rows, total, limit, offset)


async def search_changes(
    db: Sessions,
    *,
    q: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 50,
    offset: int = 0,
    ceiling: int | None = None,
) -> dict[str, Any]:
    """Changes whose actor, action, object id or detail contains ``q``.

    ``actor`` matches the whole name (``local:admin``) or, without a kind, the name after it (``admin``).
    """
    limit, offset = clamp(limit, offset)
    start, stop = window(since, until)
    conditions: list[ColumnElement[bool]] = []
    text = search(
        q, ChangeEntry.actor, ChangeEntry.action, ChangeEntry.object_id, cast(ChangeEntry.detail, String)
    )
    if text is not None:
        conditions.append(text)
    if actor:
        conditions.append(
            ChangeEntry.actor == actor
            if ":" in actor
            else ChangeEntry.actor.endswith(":" + actor, autoescape=True)
        )
    if action:
        conditions.append(ChangeEntry.action == action)
    if object_type:
        conditions.append(ChangeEntry.object_type == object_type)
    if ceiling is not None:
        conditions.append(ChangeEntry.id <= ceiling)
    conditions += between(ChangeEntry.at, start, stop)
    newest_first = select(ChangeEntry).order_by(ChangeEntry.at.desc(), ChangeEntry.id.desc())
    async with db() as session:
        total, page = await one_page(session, ChangeEntry, conditions, newest_first, limit, offset)
        rows = [_change_view(entry) for entry in page.scalars()]
    return paged("changes", rows, total, limit, offset)


def _change_view(entry: ChangeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail or {},
    }


async def newest_id(db: Sessions, log: type[AuditEntry] | type[ChangeEntry]) -> int:
    """The largest id in ``log`` now (0 when it is empty): the ceiling of an export."""
    async with db() as session:
        return int((await session.execute(select(func.max(log.id)))).scalar_one() or 0)
