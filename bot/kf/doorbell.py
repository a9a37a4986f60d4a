"""The ``kf_msg_or_event`` callback: ring the puller of that account; and the kf service's start-up.

Included first in ``build_root_router`` so no other router can take the doorbell. The callback is
answered at once either way: the pull runs in a tracked task, so a slow pull never delays the HTTP
answer WeCom waits for (5 s).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot import keys
from bot.routing import Router
from bot.wecom.events import Event, KfMsgOrEvent

log = logging.getLogger("wecombot.kf")
router = Router(name=__name__)
SERVICE = "kf"


@router.any(lambda e: isinstance(e, KfMsgOrEvent))
async def kf_doorbell(event: Event, services: dict[str, Any], tasks: Any) -> None:
    assert isinstance(event, KfMsgOrEvent)
    kf = services.get(SERVICE)
    if kf is None:
        log.warning(
            "kf_msg_or_event for %s but the kf service is not running (no database?)", event.open_kfid
        )
        return
    tasks.spawn(kf.puller.doorbell(event.open_kfid, event.token), name=f"kf pull {event.open_kfid}")


async def kf_context(app: web.Application) -> AsyncIterator[None]:
    """Start-up context: the kf service over the app's client, database and dispatcher."""
    from bot.kf.service import KfService

    resources = app[keys.DISPATCHER].resources
    if resources.db is None:
        yield
        return
    section = resources.settings.section("kf")
    resources.services[SERVICE] = KfService(
        wecom=resources.wecom,
        sessionmaker=resources.db,
        state=resources.state,
        dispatcher=app[keys.DISPATCHER],
        render=resources.render,
        compliance=resources.compliance,
        clock=resources.clock,
        corp_id=resources.settings.wecom.corp_id,
        cold_start_grace=float(section.get("cold_start_grace_seconds", 120)),
    )
    yield
    resources.services.pop(SERVICE, None)
