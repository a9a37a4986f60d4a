"""The JSON API ``/api/v1/...`` for bank systems (API keys) and the console (session cookie).

Each module declares its routes with :class:`bot.api.spec.ApiRoutes`; ``setup_api`` mounts them all and
serves the OpenAPI document built from the same declarations at ``/api/v1/openapi.json``. Errors are
JSON: ``{"error": "...", "field"?: ...}`` with 400 (bad input), 401 (no or wrong credentials), 403 (role
or CSRF), 404, 409 (life cycle refused), 422 (compliance gate), 503 (no database).
"""

from __future__ import annotations

from aiohttp import web

from bot.access.middleware import setup_access
from bot.api import (
    accounts,
    audit,
    campaigns,
    content,
    deliveries,
    event_log,
    events,
    journeys,
    keywords,
    openapi,
    people,
    publishing,
)
from bot.api.spec import ApiRoutes, Endpoint

# Every module of routes; a new one is added here (and is then in the OpenAPI document by itself).
MODULES: tuple[ApiRoutes, ...] = (
    openapi.api,
    campaigns.api,
    publishing.api,
    events.api,
    event_log.api,
    people.api,
    audit.api,
    accounts.api,
    content.api,
    deliveries.api,
    journeys.api,
    keywords.api,
)


def endpoints() -> list[Endpoint]:
    return [endpoint for module in MODULES for endpoint in module.endpoints]


def setup_api(app: web.Application) -> None:
    setup_access(app)
    for module in MODULES:
        app.router.add_routes(module.table)


__all__ = ["endpoints", "setup_api"]
