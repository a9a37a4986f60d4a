"""发送记录 ``/console/deliveries``: every message queued for WeCom, newest first, with its state.

A relationship manager sees what goes to or through them (their mass tasks, with whether they have
confirmed each one, and the messages to their customers and groups); the template card that asks a
manager to confirm a task links here. The list is :func:`bot.queries.deliveries.list_deliveries`, the
same as ``GET /api/v1/deliveries``.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.console.listing import CHANNEL_LABELS, SEGMENT_LABELS, pager, paging, text_arg
from bot.console.ops_labels import FIRE_KINDS, MASS_TASK_LABELS, OUTBOX_LABELS
from bot.console.render import needs, page, principal
from bot.db.models.delivery import CHANNELS, OUTBOX_STATUSES
from bot.queries.deliveries import fire_kind, list_deliveries

routes = web.RouteTableDef()


@routes.get("/console/deliveries")
@needs("read")
async def deliveries(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    channel, status, task = (text_arg(request, name) for name in ("channel", "status", "task"))
    filters = {
        "channel": channel if channel in CHANNELS else "",
        "status": status if status in OUTBOX_STATUSES else "",
        "task": task if task in MASS_TASK_LABELS else "",
    }
    who = principal(request)
    result = await list_deliveries(
        request.app[keys.DB],
        scope=who.manager_scope,
        channel=filters["channel"] or None,
        status=filters["status"] or None,
        task=filters["task"] or None,
        limit=limit,
        offset=offset,
    )
    for row in result["deliveries"]:
        row["kind"] = FIRE_KINDS.get(fire_kind(row["fire"] or ""), "") if row["fire"] else ""
    return page(
        request,
        "deliveries.html",
        result=result,
        filters=filters,
        pager=pager(request, result),
        own_only=who.manager_scope is not None,
        channels={c: CHANNEL_LABELS.get(c, c) for c in CHANNELS},
        statuses=OUTBOX_LABELS,
        task_labels=MASS_TASK_LABELS,
        segment_labels=SEGMENT_LABELS,
    )
