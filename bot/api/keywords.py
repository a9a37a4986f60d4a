"""``/api/v1/keyword_rules``: the keyword auto-replies operations staff maintain.

Config rules are listed read-only; database rules are created and changed here (a change takes effect
on the next message of this instance, and within the book's 30-second cache on the others). A reply the
compliance gate blocks is refused with 422 and the findings, since it would never be sent.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.reading import database
from bot.api.spec import ApiError, ApiRoutes, json_response, principal
from handlers.community_config import CHANNELS, MATCHES
from handlers.community_keyword_rules import RuleBlocked, RuleDesk, RuleError, RuleExists
from handlers.community_service import community_of

api = ApiRoutes("keyword rules")

_FIELDS = {
    "match": {"enum": list(MATCHES), "description": "exact (whole text), contains, or regex (searched)"},
    "pattern": {"type": "string", "minLength": 1, "maxLength": 256},
    "channels": {
        "type": "array",
        "items": {"enum": list(CHANNELS)},
        "description": "app (staff) and/or kf (customers); empty: both",
    },
    "roles": {
        "type": "array",
        "items": {"type": "string", "maxLength": 16},
        "description": "staff roles (rm, ops, compliance) the rule answers; empty: everyone",
    },
    "priority": {"type": "integer", "minimum": -1000, "maximum": 1000},
    "template": {
        "type": "string",
        "maxLength": 128,
        "description": "a reply template under community/keywords",
    },
    "reply_text": {"type": "string", "maxLength": 1000, "description": "or the reply, written out"},
    "enabled": {"type": "boolean"},
}
NEW_RULE = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 64}, **_FIELDS},
    "required": ["name", "pattern"],
    "additionalProperties": False,
}
RULE_CHANGE = {"type": "object", "properties": _FIELDS, "minProperties": 1, "additionalProperties": False}


def desk(request: web.Request) -> RuleDesk:
    resources = request.app[keys.DISPATCHER].resources
    book = community_of(resources.services, request.app[keys.SETTINGS]).keywords
    return RuleDesk(database(request), book, resources.render, resources.compliance)


def _refused(exc: RuleError | RuleBlocked) -> web.HTTPException:
    if isinstance(exc, RuleBlocked):
        return ApiError(422, "the reply fails the compliance gate", "reply_text", findings=exc.findings)
    return ApiError(409 if isinstance(exc, RuleExists) else 400, str(exc), exc.field)


@api.route(
    "GET", "/api/v1/keyword_rules", summary="Keyword auto-replies, config and database", permission="read"
)
async def list_rules(request: web.Request) -> web.Response:
    desk_ = desk(request)
    return json_response({"rules": await desk_.list(), "templates": desk_.templates()})


@api.route(
    "POST",
    "/api/v1/keyword_rules",
    summary="A new keyword auto-reply (checked by the compliance gate before it is saved)",
    permission="content.publish",
    body=NEW_RULE,
    responses={201: "created", 409: "the name is taken", 422: "the reply fails the compliance gate"},
)
async def create_rule(request: web.Request) -> web.Response:
    try:
        rule = await desk(request).create(request[keys.BODY], principal(request))
    except (RuleError, RuleBlocked) as exc:
        raise _refused(exc) from None
    return json_response(rule, status=201)


@api.route("GET", "/api/v1/keyword_rules/{name}", summary="One keyword auto-reply", permission="read")
async def get_rule(request: web.Request) -> web.Response:
    rule = await desk(request).get(request.match_info["name"])
    if rule is None:
        raise ApiError(404, "no such keyword rule")
    return json_response(rule)


@api.route(
    "PATCH",
    "/api/v1/keyword_rules/{name}",
    summary="Change a database keyword rule, or switch it off and on (enabled)",
    permission="content.publish",
    body=RULE_CHANGE,
    responses={200: "changed", 409: "a config rule (change it in git)", 422: "the reply fails the gate"},
)
async def change_rule(request: web.Request) -> web.Response:
    name, desk_ = request.match_info["name"], desk(request)
    try:
        rule = await desk_.update(name, request[keys.BODY], principal(request))
    except (RuleError, RuleBlocked) as exc:
        raise _refused(exc) from None
    if rule is None:
        if await desk_.get(name) is not None:
            raise ApiError(409, "a config rule: change it in config/community.toml")
        raise ApiError(404, "no such keyword rule")
    return json_response(rule)
