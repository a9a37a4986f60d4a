"""``/api/v1/events``: the bank tells the journey engine what happened (purchase, redemption, drawdown,
market move, maturity, birthday, idle balance, new fund, customer added), and reads what it said.

Request::

    POST /api/v1/events
    Authorization: Bearer <key>
    {"event_id": "bank-20261130-0001", "type": "purchase", "external_userid": "wm...",
     "occurred_at": "2026-11-30T10:00:00+08:00", "data": {"fund_code": "000001", "amount": 50000}}

Fields per type are in :data:`bot.journeys.triggers.EVENT_FIELDS`. Answers (JSON):

- 202 ``{"status": "applied", "event_id", "entered": [...], "exited": n}``: recorded and applied.
- 200 ``{"status": "duplicate", ...}``: the same event id and payload was applied before; nothing done again.
- 400 ``{"error": "<reason>"}``: bad JSON, a missing or malformed field, an unknown customer.
- 409 ``{"error": ...}``: the event id was used before with a different payload.
- 401 / 403: no or wrong key / a role that may not post events; 503: no journey service (no database).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import keys
from bot.api.spec import ApiError, ApiRoutes, FieldError, json_response, principal
from bot.journeys.triggers import EVENT_FIELDS, EventError, parse_event

api = ApiRoutes("events")

EVENT = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "type": {"type": "string", "description": "one of: " + ", ".join(sorted(EVENT_FIELDS))},
        "external_userid": {"type": "string"},
        "occurred_at": {"type": "string", "description": "ISO time with offset"},
        "data": {"type": "object"},
    },
    "description": "Checked field by field by the journey engine, which names the first wrong one.",
}


def journeys(request: web.Request) -> Any:
    service = request.app[keys.DISPATCHER].resources.services.get("journeys")
    if service is None:
        raise ApiError(503, "journey service not running (no database)")
    return service


@api.route(
    "POST",
    "/api/v1/events",
    summary="A bank event for the companion journeys; applied once per event_id",
    permission="events.post",
    body=EVENT,
    responses={
        202: "applied",
        200: "a duplicate of an applied event",
        409: "event_id reused with another payload",
    },
)
async def post_journey_event(request: web.Request) -> web.Response:
    service = journeys(request)
    resources = request.app[keys.DISPATCHER].resources
    try:
        event = parse_event(request[keys.BODY], resources.clock())
        outcome = await service.ingest(event, source=principal(request).actor)
    except EventError as exc:
        raise FieldError(400, str(exc)) from None
    if outcome.status == "conflict":
        raise ApiError(
            409, f"event_id {event.event_id!r} was already used with a different payload", "event_id"
        )
    status = 202 if outcome.status == "applied" else 200
    return json_response({"status": outcome.status, "event_id": event.event_id, **outcome.result}, status)
