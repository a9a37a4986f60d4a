"""``/api/v1`` routes: campaigns (as ``wecombot campaign``), market inputs, event commentary."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from bot import keys
from bot.delivery.audience import Audience, AudienceError
from bot.delivery.planner import Planner
from bot.delivery.policy import policy_from_mapping
from bot.delivery.receipts import coverage
from scheduler.campaign_fires import FirePipeline
from scheduler.campaign_lifecycle import CampaignError, NotFound
from scheduler.campaigns import CampaignBook
from scheduler.content import MarketInputError, save_inputs
from scheduler.slots import load_slots

routes = web.RouteTableDef()
ACTIONS = ("submit", "approve", "reject", "cancel")


def _pipeline(request: web.Request) -> FirePipeline:
    service = request.app.get(keys.SCHEDULER)
    if service is not None:
        return service.pipeline  # type: ignore[no-any-return]
    resources = request.app[keys.DISPATCHER].resources
    if resources.db is None:
        raise web.HTTPServiceUnavailable(text='{"error": "no database"}', content_type="application/json")
    policy = policy_from_mapping(request.app[keys.SETTINGS].section("delivery"))
    return FirePipeline(resources.db, Planner(resources.render, resources.compliance, policy), load_slots())


def _book(request: web.Request) -> CampaignBook:
    return _pipeline(request).book


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _error(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise _error(400, "body must be a JSON object")
    return body


def _error(status: int, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 409: web.HTTPConflict}[status]
    return cls(text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str)
    )


async def _reload(request: web.Request) -> None:
    service = request.app.get(keys.SCHEDULER)
    if service is not None:
        await service.reload()


@routes.get("/api/v1/campaigns")
async def list_campaigns(request: web.Request) -> web.Response:
    return _json({"campaigns": await _book(request).list(request.query.get("status"))})


@routes.post("/api/v1/campaigns")
async def create_campaign(request: web.Request) -> web.Response:
    try:
        return _json(await _book(request).create(await _body(request)), status=201)
    except CampaignError as exc:
        raise _error(400, str(exc)) from None


@routes.get("/api/v1/campaigns/{ref}")
async def show_campaign(request: web.Request) -> web.Response:
    try:
        return _json(await _book(request).show(request.match_info["ref"]))
    except NotFound as exc:
        raise _error(404, str(exc)) from None


@routes.get("/api/v1/campaigns/{ref}/preview")
async def preview_campaign(request: web.Request) -> web.Response:
    try:
        return _json(await _book(request).preview(request.match_info["ref"]))
    except NotFound as exc:
        raise _error(404, str(exc)) from None
    except CampaignError as exc:
        raise _error(400, str(exc)) from None


@routes.get("/api/v1/campaigns/{ref}/coverage")
async def campaign_coverage(request: web.Request) -> web.Response:
    book = _book(request)
    try:
        campaign = await book.show(request.match_info["ref"])
    except NotFound as exc:
        raise _error(404, str(exc)) from None
    return _json(await coverage(book.sessions, campaign_id=campaign["id"]))


@routes.post("/api/v1/campaigns/{ref}/{action}")
async def act_on_campaign(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise _error(404, f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    body = await _body(request) if request.can_read_body else {}
    try:
        result = await _book(request).act(
            request.match_info["ref"], action, who=str(body.get("by", "")), reason=str(body.get("reason", ""))
        )
    except NotFound as exc:
        raise _error(404, str(exc)) from None
    except CampaignError as exc:
        raise _error(409, str(exc)) from None
    await _reload(request)
    return _json(result)


@routes.post("/api/v1/market_inputs")
async def post_market_inputs(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        day = date.fromisoformat(str(body.get("day", "")))
    except ValueError:
        raise _error(400, "day: required, YYYY-MM-DD") from None
    sessions = _pipeline(request).sessions
    try:
        async with sessions() as session, session.begin():
            await save_inputs(
                session, day, str(body.get("slot", "")), body.get("inputs") or {}, str(body.get("by", "api"))
            )
    except MarketInputError as exc:
        raise _error(400, str(exc)) from None
    return _json({"day": day.isoformat(), "slot": body.get("slot", ""), "stored": True}, status=201)


@routes.post("/api/v1/commentary")
async def post_event(request: web.Request) -> web.Response:
    """Event commentary 事件点评: rendered, checked and queued at once; 422 when the gate blocks it."""
    body = await _body(request)
    by = body.get("by")
    if not isinstance(by, str) or not by:
        raise _error(400, "by: required (the operator posting the event)")
    try:
        audience = Audience.from_mapping(body.get("audience") or {"chat_type": "group"})
        fire_id, result = await _pipeline(request).post_event(body.get("event") or {}, audience, by)
    except (AudienceError, MarketInputError) as exc:
        raise _error(400, str(exc)) from None
    return _json({"fire_id": fire_id, "plan": result.summary()}, status=201 if result.passed else 422)
