"""Bearer-token check for ``/api/`` paths (constant-time compare); other paths pass untouched."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import keys

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    token = request.app[keys.SETTINGS].api_token
    if not token:
        return web.json_response({"error": "API disabled: set WECOMBOT_API_TOKEN"}, status=403)
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.encode()):
        return web.json_response({"error": "missing or wrong bearer token"}, status=401)
    return await handler(request)
