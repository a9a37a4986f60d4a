"""The dashboard ``/console/``: today's slots and their coverage, running campaigns, confirmation rates,
and deliveries over time."""

from __future__ import annotations

from aiohttp import web

from bot.console.render import needs, page

routes = web.RouteTableDef()


@routes.get("/console/")
@needs("read")
async def dashboard(request: web.Request) -> web.Response:
    return page(request, "dashboard.html")
