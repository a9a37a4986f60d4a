"""The journey events the bank sent us (``POST /api/v1/events``) and what each one did, newest first.

``scope`` is a manager's userid: they see only events about customers they follow now.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, JourneyEvent
from bot.queries.paging import clamp, iso, one_page, paged
from bot.queries.people import followed_by

Sessions = async_sessionmaker[AsyncSession]


async def list_events(
    db: Sessions,
    *,
    scope: str | None = None,
    event_type: str | None = None,
    external_userid: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of events, newest first, with the customer's name when we know them."""
    limit, offset = clamp(limit, offset)
    conditions: list[ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(JourneyEvent.external_userid.in_(followed_by(scope)))
    if event_type:
        conditions.append(JourneyEvent.type == event_type)
    if external_userid:
        conditions.append(JourneyEvent.external_userid == external_userid)
    newest_first = (
        select(JourneyEvent, Customer.name)
        .outerjoin(Customer, Customer.external_userid == JourneyEvent.external_userid)
        .order_by(JourneyEvent.received_at.desc(), JourneyEvent.event_id.desc())
    )
    async with db() as session:
        total, page = await one_page(session, JourneyEvent, conditions, newest_first, limit, offset)
        rows = [
            {
                "event_id": event.event_id,
                "type": event.type,
                "external_userid": event.external_userid,
                "customer_name": name,
                "source": event.source,
                "received_at": iso(event.received_at),
                "payload": event.payload or {},
                "result": event.result or {},
            }
            for event, name in page.all()
        ]
    return paged("events", rows, total, limit, offset)
