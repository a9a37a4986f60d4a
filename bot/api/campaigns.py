"""``/api/v1/campaigns``: plan, edit, preview, submit, review and cancel campaigns (as ``wecombot campaign``).

The author and the reviewer are the signed-in person. A bank system calling with an API key may name
the member it acts for (``author`` on create, ``by`` on an action); the change log still names the key.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import keys
from bot.api.spec import ApiError, ApiRoutes, FieldError, json_response, principal
from bot.delivery.planner import Planner
from bot.delivery.policy import policy_from_mapping
from bot.delivery.receipts import coverage
from scheduler.campaign_fires import FirePipeline
from scheduler.campaign_lifecycle import CampaignError, NotFound
from scheduler.campaigns import (
    CHANNELS,
    CONTENT_KINDS,
    CampaignBook,
    ContentError,
    NameTaken,
    NotEditable,
)
from scheduler.service import reload_scheduler
from scheduler.slots import load_slots

api = ApiRoutes("campaigns")
ACTIONS = ("submit", "approve", "reject", "cancel")
ACTION_PERMISSION = {
    "submit": "campaigns.edit",
    "cancel": "campaigns.edit",
    "approve": "campaigns.review",
    "reject": "campaigns.review",
}

SCHEDULE = {
    "type": "object",
    "description": 'once: {"kind":"once","at":ISO}; cron: {"kind":"cron","cron":"0 10 * * mon-fri"}; '
    'slot: {"kind":"slot","slot":NAME}',
    "properties": {
        "kind": {"enum": ["once", "cron", "slot"]},
        "at": {"type": "string"},
        "cron": {"type": "string"},
        "slot": {"type": "string"},
    },
    "required": ["kind"],
    "additionalProperties": False,
}
AUDIENCE = {
    "type": "object",
    "description": "Filters combine with AND; an empty list means no filter on that field.",
    "properties": {
        name: {"type": "array", "items": {"type": "string", "minLength": 1}}
        for name in ("segments", "tiers", "aum_bands", "tags", "groups", "managers", "staff", "robots")
    }
    | {
        "holders_of": {"type": ["string", "null"]},
        "chat_type": {"enum": ["single", "group", "both", "none"]},
    },
    "additionalProperties": False,
}
CAMPAIGN_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 128},
    "template": {
        "type": "string",
        "minLength": 1,
        "description": "a kind under content_templates/campaigns/",
    },
    "audience": AUDIENCE,
    "channel": {"enum": list(CHANNELS)},
    "content_kind": {"enum": list(CONTENT_KINDS)},
    "variables": {"type": "object", "description": "values the template reads (title, body, ...)"},
    "product_code": {"type": ["string", "null"], "maxLength": 32},
    "schedule": SCHEDULE,
    "expires_at": {"type": ["string", "null"], "description": "ISO time with offset"},
}
CREATE = {
    "type": "object",
    "properties": CAMPAIGN_FIELDS | {"author": {"type": "string", "description": "API keys only"}},
    "required": ["name", "template"],
    "additionalProperties": False,
}
UPDATE = {"type": "object", "properties": CAMPAIGN_FIELDS, "minProperties": 1, "additionalProperties": False}
ACTION = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "maxLength": 2000},
        "by": {"type": "string", "description": "API keys only: the member acting"},
    },
    "additionalProperties": False,
}
STATUSES = ["draft", "submitted", "approved", "rejected", "scheduled", "running", "done", "cancelled"]


def pipeline(request: web.Request) -> FirePipeline:
    service = request.app.get(keys.SCHEDULER)
    if service is not None:
        return service.pipeline  # type: ignore[no-any-return]
    resources = request.app[keys.DISPATCHER].resources
    if resources.db is None:
        raise ApiError(503, "no database")
    policy = policy_from_mapping(request.app[keys.SETTINGS].section("delivery"))
    return FirePipeline(resources.db, Planner(resources.render, resources.compliance, policy), load_slots())


def refused(exc: CampaignError) -> web.HTTPException:
    """400 naming the field the message starts with (``schedule.at: ...``); 409 for a taken name."""
    return FieldError(409 if isinstance(exc, NameTaken) else 400, str(exc))


def visible(request: web.Request, data: Any) -> Any:
    """What the caller may see: a manager gets the counts of a plan, not the ids of other managers'
    customers it skipped (``skipped_examples``)."""
    if principal(request).manager_scope is None:
        return data
    if isinstance(data, dict):
        return {k: visible(request, v) for k, v in data.items() if k != "skipped_examples"}
    if isinstance(data, list):
        return [visible(request, v) for v in data]
    return data


def book(request: web.Request) -> CampaignBook:
    return pipeline(request).book


@api.route(
    "GET",
    "/api/v1/campaigns",
    summary="List campaigns, optionally by status",
    permission="read",
    query={"status": {"enum": STATUSES}},
)
async def list_campaigns(request: web.Request) -> web.Response:
    campaigns = await book(request).list(request[keys.PARAMS].get("status"))
    return json_response(visible(request, {"campaigns": campaigns}))


@api.route(
    "POST",
    "/api/v1/campaigns",
    summary="Create a draft campaign",
    permission="campaigns.edit",
    body=CREATE,
    responses={201: "created", 400: "a field is wrong"},
)
async def create_campaign(request: web.Request) -> web.Response:
    body = dict(request[keys.BODY])
    who = principal(request)
    body["author"] = who.who(body.get("author"))
    try:
        return json_response(await book(request).create(body, actor=who), status=201)
    except CampaignError as exc:
        raise refused(exc) from None


@api.route("GET", "/api/v1/campaigns/{ref}", summary="One campaign, by id or name", permission="read")
async def show_campaign(request: web.Request) -> web.Response:
    try:
        return json_response(visible(request, await book(request).show(request.match_info["ref"])))
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None


@api.route(
    "PATCH",
    "/api/v1/campaigns/{ref}",
    summary="Edit a draft or rejected campaign (a rejected one goes back to draft)",
    permission="campaigns.edit",
    body=UPDATE,
    responses={409: "the campaign is past review"},
)
async def update_campaign(request: web.Request) -> web.Response:
    try:
        result = await book(request).update(
            request.match_info["ref"], request[keys.BODY], actor=principal(request)
        )
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None
    except NotEditable as exc:
        raise ApiError(409, str(exc)) from None
    except CampaignError as exc:
        raise refused(exc) from None
    return json_response(result)


@api.route(
    "GET",
    "/api/v1/campaigns/{ref}/preview",
    summary="Render per segment, run the compliance gate and count the audience; nothing is sent",
    permission="read",
)
async def preview_campaign(request: web.Request) -> web.Response:
    try:
        return json_response(visible(request, await book(request).preview(request.match_info["ref"])))
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None
    except CampaignError as exc:
        raise refused(exc) from None


@api.route(
    "GET",
    "/api/v1/campaigns/{ref}/coverage",
    summary="Delivery coverage of a campaign: planned, sent, confirmed, failed",
    permission="read",
)
async def campaign_coverage(request: web.Request) -> web.Response:
    campaigns = book(request)
    try:
        campaign = await campaigns.show(request.match_info["ref"])
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return json_response(await coverage(campaigns.sessions, campaign_id=campaign["id"]))


def _action_route(action: str) -> None:
    @api.route(
        "POST",
        f"/api/v1/campaigns/{{ref}}/{action}",
        summary={
            "submit": "Submit for review; the compliance gate may reject it at once with its findings",
            "approve": "Approve (a reviewer who is not the author); it is then scheduled",
            "reject": "Reject with a reason",
            "cancel": "Cancel; pending messages are withdrawn",
        }[action],
        permission=ACTION_PERMISSION[action],
        body=ACTION | ({"required": ["reason"]} if action == "reject" else {}),
        responses={409: "the life cycle does not allow it (or the reviewer is the author)"},
    )
    async def act(request: web.Request) -> web.Response:
        body, who = request[keys.BODY], principal(request)
        try:
            result = await book(request).act(
                request.match_info["ref"],
                action,
                who=who.who(body.get("by")),
                reason=str(body.get("reason", "")),
                actor=who,
            )
        except NotFound as exc:
            raise ApiError(404, str(exc)) from None
        except ContentError as exc:
            raise refused(exc) from None
        except CampaignError as exc:
            raise ApiError(409, str(exc)) from None
        await reload_scheduler(request.app)
        return json_response(result)


for _action in ACTIONS:
    _action_route(_action)
