"""``/api/v1/templates``, ``/api/v1/previews``, ``/api/v1/audiences/preview`` and ``/api/v1/schedules``:
what the content is, how it reads per segment, whom it would reach, and when it goes out.

Nothing here sends or saves anything; the answers come from :mod:`bot.queries` (shared with the console).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot import keys
from bot.api.campaigns import AUDIENCE, pipeline
from bot.api.reading import database
from bot.api.spec import ApiError, ApiRoutes, json_response, principal
from bot.delivery.audience import Audience, AudienceError
from bot.queries.paging import SHANGHAI, YEARS, QueryError
from bot.queries.previews import PREVIEW_SEGMENTS, audience_preview, render_preview, risk_of
from bot.queries.schedules import day_schedule
from bot.queries.templates import list_templates, template_detail
from scheduler.calendar import load_calendar
from scheduler.campaigns import CONTENT_KINDS
from scheduler.pauses import UnknownSchedule, set_enabled
from scheduler.service import reload_scheduler
from scheduler.slots import load_slots

api = ApiRoutes("content")

DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "YYYY-MM-DD (Shanghai)"}
PREVIEW = {
    "type": "object",
    "properties": {
        "template": {
            "type": "string",
            "minLength": 1,
            "description": "a campaign template kind (notice) or a template name (campaigns/notice)",
        },
        "variables": {"type": "object", "description": "values the template reads (title, body, ...)"},
        "product_code": {"type": ["string", "null"], "maxLength": 32},
        "segments": {
            "type": "array",
            "items": {"enum": list(PREVIEW_SEGMENTS)},
            "minItems": 1,
            "uniqueItems": True,
        },
        "content_kind": {"enum": list(CONTENT_KINDS), "description": "the compliance kind; default market"},
    },
    "required": ["template"],
    "additionalProperties": False,
}
AUDIENCE_PREVIEW = {
    "type": "object",
    "properties": {
        "audience": AUDIENCE,
        "product_code": {
            "type": ["string", "null"],
            "maxLength": 32,
            "description": "product content: customers whose risk tolerance is too low are skipped",
        },
    },
    "required": ["audience"],
    "additionalProperties": False,
}


def bad_query(exc: QueryError) -> web.HTTPException:
    return ApiError(400, str(exc), exc.field)


def parse_day(value: str | None, now: datetime) -> date:
    if not value:
        return now.astimezone(SHANGHAI).date()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"day: not a date: {value!r}", "day") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ApiError(400, f"day: a date from {YEARS[0]} to {YEARS[1]}, not {value!r}", "day")
    return day


def slots_and_calendar(request: web.Request) -> tuple[Any, Any]:
    """The running scheduler's slots and calendar, or the configured ones when it is off."""
    service = request.app.get(keys.SCHEDULER)
    if service is not None:
        return service.slots, service.calendar
    return load_slots(), load_calendar()


@api.route(
    "GET",
    "/api/v1/templates",
    summary="Message templates: kinds, segment variants and the version running now",
    permission="read",
    query={
        "area": {"type": "string", "maxLength": 64, "description": "top folder: slots, campaigns, ..."},
        "q": {"type": "string", "maxLength": 64, "description": "substring of the name"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
        "offset": {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
    },
)
async def get_templates(request: web.Request) -> web.Response:
    params = request[keys.PARAMS]
    directory = request.app[keys.RENDER].directory
    return json_response(await list_templates(request.app[keys.DB], directory, **params))


@api.route(
    "GET",
    "/api/v1/templates/{name:.+}",
    summary="One template (the name may hold slashes): each variant's source and version history",
    permission="read",
    responses={404: "no such template"},
)
async def get_template(request: web.Request) -> web.Response:
    name = request.match_info["name"].strip("/")
    detail = await template_detail(request.app[keys.DB], request.app[keys.RENDER].directory, name)
    if detail is None:
        raise ApiError(404, f"no template {name!r}")
    return json_response(detail)


@api.route(
    "POST",
    "/api/v1/previews",
    summary="Render a template per segment and run the compliance gate; nothing is saved or sent",
    permission="read",
    body=PREVIEW,
)
async def post_preview(request: web.Request) -> web.Response:
    body = request[keys.BODY]
    resources = request.app[keys.DISPATCHER].resources
    try:
        risk = await risk_of(database(request), body["product_code"]) if body.get("product_code") else None
        result = render_preview(
            resources.render,
            resources.compliance,
            template=body["template"],
            variables=body.get("variables") or {},
            segments=body.get("segments") or ("long_tail", "affluent", "hnw"),
            content_kind=body.get("content_kind", "market"),
            product_risk=risk,
        )
    except QueryError as exc:
        raise bad_query(exc) from None
    return json_response(result)


@api.route(
    "POST",
    "/api/v1/audiences/preview",
    summary="Whom an audience spec reaches now, per segment, and who is skipped and why; nothing is queued",
    permission="read",
    body=AUDIENCE_PREVIEW,
)
async def post_audience_preview(request: web.Request) -> web.Response:
    body = request[keys.BODY]
    db = database(request)
    raw = dict(body["audience"])
    scope = principal(request).manager_scope
    if scope:  # a manager can only ever reach their own customers: preview only those
        raw["managers"] = [scope]
    try:
        audience = Audience.from_mapping(raw)
        risk = await risk_of(db, body.get("product_code"))
    except AudienceError as exc:
        field = str(exc).split(":", 1)[0]
        raise ApiError(400, str(exc), field) from None
    except QueryError as exc:
        raise bad_query(exc) from None
    now = request.app[keys.DISPATCHER].resources.clock()
    planner = pipeline(request).planner
    return json_response(await audience_preview(db, planner, audience, now, product_risk=risk))


@api.route(
    "GET",
    "/api/v1/schedules",
    summary="A day's content slots (time, trading day, fired, coverage) and the campaigns waiting to run",
    permission="read",
    query={"day": DAY},
)
async def get_schedules(request: web.Request) -> web.Response:
    now = request.app[keys.DISPATCHER].resources.clock()
    day = parse_day(request[keys.PARAMS].get("day"), now)
    slots, calendar = slots_and_calendar(request)
    return json_response(await day_schedule(database(request), day, now, slots, calendar))


@api.route(
    "PATCH",
    "/api/v1/schedules/{name}",
    summary="Pause or resume a content slot (the scheduler is rebuilt at once)",
    permission="content.publish",
    body={
        "type": "object",
        "properties": {"enabled": {"type": "boolean"}},
        "required": ["enabled"],
        "additionalProperties": False,
    },
    responses={404: "no such slot"},
)
async def patch_schedule(request: web.Request) -> web.Response:
    try:
        result = await set_enabled(
            database(request), request.match_info["name"], request[keys.BODY]["enabled"], principal(request)
        )
    except UnknownSchedule as exc:
        raise ApiError(404, str(exc)) from None
    await reload_scheduler(request.app)
    return json_response(result)
