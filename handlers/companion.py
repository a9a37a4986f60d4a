"""Companion messaging for managers: the buttons of reminder cards, ``今日提醒`` and ``提醒汇总 开/关``.

The journeys themselves run in :mod:`bot.journeys` (a service ticking on the clock); this router only
handles what managers do with their reminders. Customers are entered into journeys by the bank's events
(``POST /api/v1/events``) and the service's scans, not by a handler here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.content import Renderer
from bot.db.models import Customer
from bot.journeys.reminders import TASK_PREFIX
from bot.routing import Router
from bot.wecom.events import Event, TemplateCardEvent
from bot.wecom.replies import TextReply

router = Router(name=__name__)


def _reminder_card(event: Event) -> bool:
    return isinstance(event, TemplateCardEvent) and event.task_id.startswith(TASK_PREFIX)


def _journeys(services: dict[str, Any]) -> Any:
    service = services.get("journeys")
    if service is None:
        raise RuntimeError("the journey service is not running (no database configured?)")
    return service


@router.event("template_card_event", None, _reminder_card)
async def reminder_button(
    event: TemplateCardEvent, services: dict[str, Any], render: Renderer, clock: Callable[[], datetime]
) -> TextReply:
    """done / later / irrelevant on a 营销机会提醒 card: only the card's own manager, once."""
    service = _journeys(services)
    async with service.engine.sessions() as session, session.begin():
        outcome = await service.reminders.respond(
            session, event.from_user, event.task_id, event.event_key, clock()
        )
        name = ""
        if outcome.reminder is not None:
            customer = await session.get(Customer, outcome.reminder.external_userid)
            name = (customer.name if customer else "") or outcome.reminder.external_userid
    hours = service.settings.reminders.later.total_seconds() / 3600
    text = render.text(
        f"reminders/answer/{outcome.action}", customer=name, hours=f"{hours:g}", channel="app_text"
    )
    return TextReply(text)


@router.command("今日提醒")
async def today(
    event: Event, services: dict[str, Any], render: Renderer, clock: Callable[[], datetime]
) -> TextReply | None:
    if event.channel != "app":
        return None
    service = _journeys(services)
    async with service.engine.sessions() as session:
        entries = await service.reminders.today(session, event.sender, clock())
    return TextReply(render.text("reminders/today", entries=entries, channel="app_text"))


@router.command("提醒汇总")
async def digest(event: Event, args: str, services: dict[str, Any], render: Renderer) -> TextReply | None:
    if event.channel != "app":
        return None
    service = _journeys(services)
    choice = {"开": True, "开启": True, "on": True, "关": False, "关闭": False, "off": False}.get(
        args.strip().lower()
    )
    if choice is None:
        return TextReply(render.text("reminders/digest_usage", channel="app_text"))
    async with service.engine.sessions() as session, session.begin():
        await service.reminders.set_digest(session, event.sender, choice)
    at = service.settings.reminders.digest_at.strftime("%H:%M")
    return TextReply(
        render.text("reminders/digest_on" if choice else "reminders/digest_off", at=at, channel="app_text")
    )
