"""Content operations staff publish: the market figures a slot's report reads, and event commentary."""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from bot import keys
from bot.access import changes
from bot.api.campaigns import AUDIENCE, pipeline
from bot.api.content import slots_and_calendar
from bot.api.spec import ApiError, ApiRoutes, FieldError, json_response, principal
from bot.delivery.audience import Audience, AudienceError
from scheduler.content import MarketInputError, save_inputs

api = ApiRoutes("content")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

MARKET_INPUTS = {
    "type": "object",
    "properties": {
        "day": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
        "slot": {"type": "string", "minLength": 1},
        "inputs": {
            "type": "object",
            "description": "index moves, headlines, ... (see market_inputs.example.toml)",
        },
        "by": {"type": "string", "description": "API keys only: the member posting"},
    },
    "required": ["day", "slot", "inputs"],
    "additionalProperties": False,
}
COMMENTARY = {
    "type": "object",
    "properties": {
        "event": {
            "type": "object",
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "comment": {"type": "string", "minLength": 1},
            },
            "required": ["title", "comment"],
        },
        "audience": AUDIENCE,
        "by": {"type": "string", "description": "API keys only: the member posting"},
    },
    "required": ["event"],
    "additionalProperties": False,
}


@api.route(
    "POST",
    "/api/v1/market_inputs",
    summary="Store the market figures a slot's report reads (replaces that day's and slot's)",
    permission="content.publish",
    body=MARKET_INPUTS,
    responses={201: "stored"},
)
async def post_market_inputs(request: web.Request) -> web.Response:
    body, who = request[keys.BODY], principal(request)
    try:
        if not DATE.fullmatch(body["day"]):
            raise ValueError(body["day"])
        day = date.fromisoformat(body["day"])
    except ValueError:
        raise ApiError(400, "day: YYYY-MM-DD", "day") from None
    slots, _ = slots_and_calendar(request)
    if body["slot"] not in slots:  # a typo would leave the real slot without its figures
        raise ApiError(400, f"slot: unknown; known: {', '.join(slots)}", "slot")
    sessions = pipeline(request).sessions
    try:
        async with sessions() as session, session.begin():
            await save_inputs(session, day, body["slot"], body["inputs"], who.who(body.get("by")))
            changes.record(session, who, "market_inputs.save", "market_inputs", f"{day}/{body['slot']}")
    except MarketInputError as exc:
        raise FieldError(400, str(exc)) from None
    return json_response({"day": day.isoformat(), "slot": body["slot"], "stored": True}, status=201)


@api.route(
    "POST",
    "/api/v1/commentary",
    summary="Event commentary (事件点评): rendered, checked and queued at once",
    permission="content.publish",
    body=COMMENTARY,
    responses={201: "queued", 422: "the compliance gate blocked it (findings in plan)"},
)
async def post_commentary(request: web.Request) -> web.Response:
    body, who = request[keys.BODY], principal(request)
    try:
        audience = Audience.from_mapping(body.get("audience") or {"chat_type": "group"})
        fire_id, result = await pipeline(request).post_event(
            body["event"], audience, who.who(body.get("by")), actor=who
        )
    except (AudienceError, MarketInputError) as exc:
        raise FieldError(400, str(exc)) from None
    return json_response({"fire_id": fire_id, "plan": result.summary()}, status=201 if result.passed else 422)
