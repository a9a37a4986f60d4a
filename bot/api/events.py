"""``POST /api/v1/events``: the bank tells the journey engine what happened (purchase, redemption, drawdown,
market move, maturity, birthday, idle balance, new fund, customer added).

Request (bearer token ``settings.api_token``, checked in constant time by :mod:`bot.api.auth`)::

    POST /api/v1/events
    Authorization: Bearer <token>
    {"event_id": "bank-20261130-0001", "type": "purchase", "external_userid": "wm...",
     "occurred_at": "2026-11-30T10:00:00+08:00", "data": {"fund_code": "000001", "amount": 50000}}

Fields per type are in :data:`bot.journeys.triggers.EVENT_FIELDS`. Answers (JSON):

- 202 ``{"status": "applied", "event_id", "entered": [...], "exited": n}``: recorded and applied.
- 200 ``{"status": "duplicate", ...}``: the same event id and payload was applied before; nothing done again.
- 400 ``{"error": "<reason>"}``: bad JSON, a missing or malformed field, an unknown customer.
- 409 ``{"error": ...}``: the event id was used before with a different payload.
- 401 / 403: wrong token / API disabled (no token configured); 503: no journey service (no database).

Event commentary (事件点评) by operations staff has its own path, ``POST /api/v1/commentary``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot import keys
from bot.journeys.triggers import EventError, parse_event

routes = web.RouteTableDef()


def is_journey_event(body: Any) -> bool:
    return isinstance(body, dict) and "event_id" in body and "type" in body and "by" not in body


def _reply(data: dict[str, Any], status: int) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str)
    )


async def handle_journey_event(request: web.Request, body: Any) -> web.Response:
    """Validate, then apply once; usable from a shared ``/api/v1/events`` handler with the parsed body."""
    resources = request.app[keys.DISPATCHER].resources
    service = resources.services.get("journeys")
    if service is None:
        return _reply({"error": "journey service not running (no database)"}, 503)
    try:
        event = parse_event(body, resources.clock())
        outcome = await service.ingest(event, source="api")
    except EventError as exc:
        return _reply({"error": str(exc)}, 400)
    if outcome.status == "conflict":
        return _reply(
            {"error": f"event_id {event.event_id!r} was already used with a different payload"}, 409
        )
    status = 202 if outcome.status == "applied" else 200
    return _reply({"status": outcome.status, "event_id": event.event_id, **outcome.result}, status)


@routes.post("/api/v1/events")
async def post_journey_event(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _reply({"error": "body must be JSON"}, 400)
    return await handle_journey_event(request, body)


def setup(app: web.Application) -> None:
    """Mount the route alone (``setup_api`` mounts it with the rest of the API)."""
    app.router.add_routes(routes)
