"""``/api/v1/deliveries`` and ``/api/v1/coverage``: the outbox (what left or waits to leave), per-day counts
for the dashboard chart, and each fire's coverage on a day. Managers see only their own rows.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.content import DAY, bad_query, database, parse_day, slots_and_calendar
from bot.api.spec import ApiRoutes, json_response, principal
from bot.db.models.delivery import CHANNELS, MASS_TASK_STATUSES, OUTBOX_STATUSES
from bot.queries.deliveries import daily_counts, day_coverage, list_deliveries
from bot.queries.paging import SHANGHAI, QueryError

api = ApiRoutes("deliveries")
WHEN = {"type": "string", "maxLength": 40, "description": "ISO date (a Shanghai day) or time"}


@api.route(
    "GET",
    "/api/v1/deliveries",
    summary="Outbox rows, newest first; managers see only rows to them or to their customers",
    permission="read",
    query={
        "status": {"enum": list(OUTBOX_STATUSES)},
        "channel": {"enum": list(CHANNELS)},
        "task": {
            "enum": list(MASS_TASK_STATUSES),
            "description": "mass tasks in this state (created: not confirmed yet)",
        },
        "campaign": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "campaign id"},
        "since": WHEN,
        "until": WHEN | {"description": "ISO date (inclusive) or time (exclusive)"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
        "offset": {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
    },
)
async def get_deliveries(request: web.Request) -> web.Response:
    try:
        result = await list_deliveries(
            database(request), scope=principal(request).manager_scope, **request[keys.PARAMS]
        )
    except QueryError as exc:
        raise bad_query(exc) from None
    return json_response(result)


@api.route(
    "GET",
    "/api/v1/deliveries/daily",
    summary="Outbox rows per day (Shanghai, by queueing time) and status, oldest day first",
    permission="read",
    query={"days": {"type": "integer", "minimum": 1, "maximum": 90, "default": 14}},
)
async def get_daily(request: web.Request) -> web.Response:
    today = request.app[keys.DISPATCHER].resources.clock().astimezone(SHANGHAI).date()
    result = await daily_counts(
        database(request),
        today=today,
        days=request[keys.PARAMS]["days"],
        scope=principal(request).manager_scope,
    )
    return json_response(result)


@api.route(
    "GET",
    "/api/v1/coverage",
    summary="Each fire of a day (slots, campaigns, events): planned, sent, confirmed, failed, rates",
    permission="read",
    query={"day": DAY},
)
async def get_coverage(request: web.Request) -> web.Response:
    now = request.app[keys.DISPATCHER].resources.clock()
    day = parse_day(request[keys.PARAMS].get("day"), now)
    slots, _ = slots_and_calendar(request)
    labels = {name: slot.label or name for name, slot in slots.items()}
    return json_response(await day_coverage(database(request), day, labels))
