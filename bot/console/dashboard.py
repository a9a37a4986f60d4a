"""The dashboard ``/console/``: today's slots and their coverage, campaigns running or scheduled, the
mass-task confirmation rate, deliveries over the last 14 days (an SVG chart drawn on the server) and the
latest deliveries. A relationship manager's numbers are their own (the queries' manager scope).
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot import keys
from bot.api.content import slots_and_calendar
from bot.console.charts import stacked_bars
from bot.console.listing import CHANNEL_LABELS
from bot.console.ops_labels import (
    CAMPAIGN_STATES,
    OUTBOX_COLORS,
    OUTBOX_LABELS,
    OUTBOX_ORDER,
    SLOT_STATES,
)
from bot.console.render import back, needs, page, principal
from bot.queries.deliveries import confirmation_rate, daily_counts, list_deliveries
from bot.queries.paging import SHANGHAI
from bot.queries.schedules import day_schedule
from scheduler.pauses import UnknownSchedule, set_enabled
from scheduler.service import reload_scheduler
from scheduler.slots import slot_label

routes = web.RouteTableDef()
CHART_DAYS = 14
RATE_DAYS = 7


@routes.get("/console/")
@needs("read")
async def dashboard(request: web.Request) -> web.Response:
    db = request.app[keys.DB]
    if db is None:
        return page(request, "dashboard.html", ready=False)
    now = request.app[keys.DISPATCHER].resources.clock()
    today = now.astimezone(SHANGHAI).date()
    scope = principal(request).manager_scope
    slots, calendar = slots_and_calendar(request)
    schedule = await day_schedule(db, today, now, slots, calendar)
    daily = await daily_counts(db, today=today, days=CHART_DAYS, scope=scope)
    chart = stacked_bars(daily["days"], OUTBOX_ORDER, OUTBOX_COLORS, OUTBOX_LABELS)
    rate = await confirmation_rate(db, now - timedelta(days=RATE_DAYS), scope=scope)
    recent = await list_deliveries(db, scope=scope, limit=10)
    running = [c for c in schedule["campaigns"] if c["status"] == "running"]
    return page(
        request,
        "dashboard.html",
        ready=True,
        today=today,
        schedule=schedule,
        running=running,
        scheduled=[c for c in schedule["campaigns"] if c["status"] != "running"],
        daily=daily,
        chart=chart,
        rate=rate,
        rate_days=RATE_DAYS,
        recent=recent["deliveries"],
        own_only=scope is not None,
        slot_states=SLOT_STATES,
        campaign_states=CAMPAIGN_STATES,
        outbox_labels=OUTBOX_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


@routes.post("/console/schedules/{name}")
@needs("content.publish")
async def switch_slot(request: web.Request) -> web.Response:
    """暂停 / 恢复 a content slot from the dashboard."""
    form = await request.post()
    enabled = form.get("enabled") == "true"
    name = request.match_info["name"]
    try:
        await set_enabled(request.app[keys.DB], name, enabled, principal(request))
    except UnknownSchedule:
        raise back("/console/", err=f"没有栏目 {name}") from None
    await reload_scheduler(request.app)
    raise back("/console/", msg=f"栏目「{slot_label(name)}」已{'恢复' if enabled else '暂停'}。")
