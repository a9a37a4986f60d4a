"""``/api/v1/journeys``: the companion journeys with, per step, the customers at it now and the reminders
it created by status (a manager's counts cover their own customers only)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot import keys
from bot.api.content import database
from bot.api.spec import ApiError, ApiRoutes, json_response, principal
from bot.journeys.definitions import Journey, load_journeys
from bot.queries.journeys import journey_detail, list_journeys

api = ApiRoutes("journeys")


def definitions(request: web.Request) -> Mapping[str, Journey]:
    """The running journey engine's definitions, or the configured ones when it is not running."""
    resources = request.app[keys.DISPATCHER].resources
    service = resources.services.get("journeys")
    if service is not None:
        return service.engine.journeys  # type: ignore[no-any-return]
    return load_journeys(templates=resources.render.directory)


@api.route(
    "GET",
    "/api/v1/journeys",
    summary="Journey definitions with customers per step and reminders per step and status",
    permission="read",
)
async def get_journeys(request: web.Request) -> web.Response:
    scope = principal(request).manager_scope
    return json_response(await list_journeys(database(request), definitions(request), scope))


@api.route(
    "GET",
    "/api/v1/journeys/{name}",
    summary="One journey: its steps with counts, and the customers who moved in it last",
    permission="read",
    responses={404: "no such journey"},
)
async def get_journey(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    detail = await journey_detail(
        database(request), definitions(request), name, principal(request).manager_scope
    )
    if detail is None:
        raise ApiError(404, f"no journey {name!r}")
    return json_response(detail)
