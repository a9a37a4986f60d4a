"""Relations ending or changing: del_follow_user alerts the manager; del/edit keep the relation current.

``del_follow_user`` means the customer deleted the manager: the manager gets an app message saying who
left and their tier (a chance to reach out through a colleague). ``del_external_contact`` (the member
removed the customer, or a transfer) and ``edit_external_contact`` only update the local records.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.content import Renderer
from bot.db.models import Customer, CustomerManager
from bot.routing import Router
from bot.wecom.errors import WeComError
from bot.wecom.events import ExternalContactEvent

log = logging.getLogger("wecombot.community.members")
router = Router(name=__name__)


@router.event("change_external_contact", "del_follow_user")
async def on_customer_left(
    event: ExternalContactEvent, wecom: Any, db: Any, render: Renderer, clock: Any
) -> None:
    customer_name, tier, remark, since = "", None, "", None
    if db is not None:
        from sqlalchemy import select

        from bot.db import sync

        async with db() as session, session.begin():
            query = select(CustomerManager).where(
                CustomerManager.external_userid == event.external_user_id,
                CustomerManager.userid == event.user_id,
            )
            relation = (await session.execute(query)).scalar_one_or_none()
            if relation is not None:
                remark, since = relation.remark, relation.added_at
            customer = await session.get(Customer, event.external_user_id)
            if customer is not None:
                customer_name, tier = customer.name, customer.tier
            await sync.on_follow_user_deleted(session, event.user_id, event.external_user_id)
    text = render.text(
        "community/alerts/customer_left",
        channel="app_text",
        name=remark or customer_name,
        external_userid=event.external_user_id,
        tier=tier,
        since=since.astimezone(clock().tzinfo).date().isoformat() if since else "",
    )
    try:
        await wecom.send_text(event.user_id, text)
    except WeComError as exc:
        log.error("leave alert to %s not sent: %s", event.user_id, exc)
    return None


@router.event("change_external_contact", "del_external_contact")
async def on_contact_deleted(event: ExternalContactEvent, db: Any) -> None:
    if db is None:
        return None
    from bot.db import sync

    async with db() as session, session.begin():
        await sync.on_contact_deleted(session, event.user_id, event.external_user_id, event.source)
    return None


@router.event("change_external_contact", "edit_external_contact")
async def on_contact_edited(event: ExternalContactEvent, wecom: Any, db: Any) -> None:
    if db is None:
        return None
    from bot.db import sync

    try:
        async with db() as session, session.begin():
            await sync.on_contact_edited(session, event.user_id, event.external_user_id, wecom)
    except WeComError as exc:
        log.warning("contact %s not re-fetched: %s", event.external_user_id, exc)
    return None
