"""Journey pages: every companion journey with the customers at each step and the reminders each step
created, and one journey with its definition and the customers who moved in it last.

Both call :mod:`bot.queries.journeys`, as ``/api/v1/journeys`` does, with the same manager scope.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.journeys import definitions
from bot.console.ops_labels import (
    ACTIONS,
    JOURNEY_STATES,
    REMINDER_STATES,
    SEGMENT_STYLES,
    STEP_CHANNELS,
    TRIGGERS,
)
from bot.console.render import needs, page, principal
from bot.queries.journeys import journey_detail, list_journeys

routes = web.RouteTableDef()
LABELS = {
    "trigger_labels": TRIGGERS,
    "action_labels": ACTIONS,
    "channel_labels": STEP_CHANNELS,
    "reminder_labels": REMINDER_STATES,
    "state_labels": JOURNEY_STATES,
    "style_labels": SEGMENT_STYLES,
}


@routes.get("/console/journeys")
@needs("read")
async def journeys(request: web.Request) -> web.Response:
    db = request.app[keys.DB]
    scope = principal(request).manager_scope
    result = await list_journeys(db, definitions(request), scope) if db is not None else {"journeys": []}
    return page(request, "journeys.html", journeys=result["journeys"], own_only=scope is not None, **LABELS)


@routes.get("/console/journeys/{name}")
@needs("read")
async def journey(request: web.Request) -> web.Response:
    db, name = request.app[keys.DB], request.match_info["name"]
    scope = principal(request).manager_scope
    detail = await journey_detail(db, definitions(request), name, scope) if db is not None else None
    if detail is None:
        return page(
            request, "record_missing.html", status=404, what=f"旅程 {name} ", back_to="/console/journeys"
        )
    return page(request, "journey.html", journey=detail, own_only=scope is not None, **LABELS)
