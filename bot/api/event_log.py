"""``GET /api/v1/events``: the journey events received from the bank and what each did, newest first.

A relationship manager sees only events about the customers they follow. (Posting events is
:mod:`bot.api.events`.)
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.reading import PAGING, TEXT, answer, database, scope
from bot.api.spec import ApiRoutes, json_response
from bot.journeys.triggers import EVENT_FIELDS
from bot.queries.event_log import list_events

api = ApiRoutes("events")


@api.route(
    "GET",
    "/api/v1/events",
    summary="Journey events received (newest first); a manager sees those about their own customers",
    permission="read",
    query={
        "type": {"enum": sorted(EVENT_FIELDS)},
        "external_userid": TEXT,
    }
    | PAGING,
)
async def get_journey_events(request: web.Request) -> web.Response:
    params = request[keys.PARAMS]
    result = await answer(
        list_events(
            database(request),
            scope=scope(request),
            event_type=params.get("type"),
            external_userid=params.get("external_userid"),
            limit=params["limit"],
            offset=params["offset"],
        )
    )
    return json_response(result)
