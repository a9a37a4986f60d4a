"""The simulator's request pipeline: record -> inject faults -> check access_token -> handler.

Every ``/cgi-bin/`` request is appended to the request log with what was answered, so tests can
assert "exactly one message/send to rm_zhangwei". ``ApiError`` becomes WeCom's HTTP-200 error JSON.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.sandbox.faults import apply_fault, take_fault
from bot.sandbox.store import sandbox_state
from bot.sandbox.wire import BODY, BODY_ERROR, ApiError, Json, error_body, json_response, parse_json

log = logging.getLogger("wecombot.sandbox")

API_PREFIX = "/cgi-bin/"
# Endpoints that authenticate by something other than access_token.
NO_TOKEN = {"/cgi-bin/gettoken", "/cgi-bin/webhook/send", "/cgi-bin/webhook/upload_media"}


def _recorded_response(response: web.StreamResponse) -> Json | str | None:
    if isinstance(response, web.Response) and response.body is not None:
        text = response.text or ""
        if response.content_type == "application/json":
            return parse_json(text.encode())
        return text
    return None


@web.middleware
async def record_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log the request (path, query, parsed body, answer) before anything can fail it."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    state = sandbox_state(request.app)
    entry: Json = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "body": None,
        "time": state.clock(),
        "response": None,
        "status": None,
    }
    state.requests.append(entry)
    if request.content_type != "multipart/form-data":
        try:
            entry["body"] = parse_json(await request.read())
            request[BODY] = entry["body"]
        except ApiError as exc:
            request[BODY_ERROR] = exc
    try:
        response = await handler(request)
    except BaseException:
        entry["status"] = "dropped"
        raise
    entry["status"] = response.status
    entry["response"] = _recorded_response(response)
    return response


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve an injected fault for this endpoint if one is pending."""
    if request.path.startswith(API_PREFIX):
        rule = take_fault(sandbox_state(request.app), request.path)
        if rule is not None:
            log.info("sandbox fault on %s: %s", request.path, rule)
            response = await apply_fault(request, rule)
            if response is not None:
                return response
    return await handler(request)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Check access_token like WeCom (41001 / 40014 / 42001) and render ``ApiError``."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        if request.path not in NO_TOKEN:
            check_access_token(request)
        body_error = request.get(BODY_ERROR)
        if body_error is not None:
            raise body_error
        return await handler(request)
    except ApiError as exc:
        return json_response(error_body(exc.errcode, exc.errmsg))
    except web.HTTPNotFound:
        return json_response(error_body(404, f"unknown api path {request.path}"), status=404)


def check_access_token(request: web.Request) -> None:
    state = sandbox_state(request.app)
    token = request.query.get("access_token")
    if not token:
        raise ApiError(41001)
    expires_at = state.tokens.get(token)
    if expires_at is None:
        raise ApiError(40014)
    if state.clock() >= expires_at:
        raise ApiError(42001)
