"""The JSON API ``/api/v1/...`` for operations staff and a later console (bearer token auth).

``setup_api(app)`` adds the routes; with an empty ``api_token`` (``WECOMBOT_API_TOKEN``) every call is
answered 403 "API disabled", so the API is never open by accident. Errors are JSON:
``{"error": "...", "field"?: ...}`` with 400 (bad input), 401 (token), 404, 409 (life cycle refused).
"""

from __future__ import annotations

from aiohttp import web

from bot.api import events
from bot.api.auth import auth_middleware
from bot.api.routes import routes


def setup_api(app: web.Application) -> None:
    app.middlewares.append(auth_middleware)
    app.router.add_routes(routes)  # campaigns, market inputs, event commentary (/api/v1/commentary)
    app.router.add_routes(events.routes)  # the bank's journey events (/api/v1/events)


__all__ = ["setup_api"]
