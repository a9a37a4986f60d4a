"""``gettoken``: the corp id and app secret from ``credentials.py`` buy a 7200-second token."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_SECRET
from bot.sandbox.store import sandbox_state
from bot.sandbox.wire import ApiError, json_response, ok

routes = web.RouteTableDef()


@routes.get("/cgi-bin/gettoken")
async def gettoken(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    corpid = request.query.get("corpid", "")
    secret = request.query.get("corpsecret", "")
    if corpid != state.corp.corp_id or corpid != SANDBOX_CORP_ID:
        raise ApiError(40013)
    if secret != SANDBOX_SECRET:
        raise ApiError(40001)
    token = "sbx_" + secrets.token_urlsafe(48)
    ttl = state.limits.token_ttl
    state.tokens[token] = state.clock() + ttl
    return json_response(ok(access_token=token, expires_in=ttl))
