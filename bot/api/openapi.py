"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document, built from the route declarations themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from bot import keys
from bot.access.roles import PERMISSIONS
from bot.api.spec import ApiRoutes, Endpoint, json_response, path_parameters

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
    "required": ["error"],
}


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_parameters(endpoint.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": dict(schema)}
        for name, schema in endpoint.query.items()
    ]
    default_status = 201 if endpoint.method == "POST" and 201 in endpoint.responses else 200
    responses: dict[str, Any] = {}
    for status, text in {default_status: "ok", **endpoint.responses}.items():
        if status >= 400:
            content = _json(ERROR)
        elif endpoint.produces != "application/json":
            content = {endpoint.produces: {"schema": {"type": "string"}}}
        else:
            content = _json(endpoint.returns or {"type": "object"})
        responses[str(status)] = {"description": text, "content": content}
    # Every endpoint refuses an unknown query parameter; a path names something that may not exist.
    responses.setdefault("400", {"description": "invalid input", "content": _json(ERROR)})
    if path_parameters(endpoint.path):
        responses.setdefault("404", {"description": "no such object", "content": _json(ERROR)})
    if endpoint.body is not None:
        responses.setdefault("413", {"description": "body over the size limit", "content": _json(ERROR)})
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if endpoint.permission == "public":
        operation["security"] = []
    else:
        responses["401"] = {"description": "no credentials, or wrong ones", "content": _json(ERROR)}
        responses["403"] = {"description": "the caller's role may not do this", "content": _json(ERROR)}
        roles = sorted(PERMISSIONS[endpoint.permission])
        operation["x-permission"] = endpoint.permission
        operation["description"] = f"Roles: {', '.join(roles)}."
    if endpoint.body is not None:
        # A body with no required field may be left out (an action without "by" or "reason").
        required = bool(endpoint.body.get("required"))
        operation["requestBody"] = {"required": required, "content": _json(dict(endpoint.body))}
    return operation


def document(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wecombot API",
            "version": "1",
            "description": "Campaigns, content, journeys, customers, deliveries and the audit log of "
            "wecombot. Bank systems use an API key (Authorization: Bearer); console users their "
            "session cookie, with X-CSRF-Token on every change.",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "wecombot_session"},
            }
        },
        "paths": dict(sorted(paths.items())),
    }


api = ApiRoutes("meta")
_cached: dict[str, Any] = {}


@api.route(
    "GET",
    "/api/v1/openapi.json",
    summary="This document (no credentials needed)",
    permission="public",
)
async def openapi_document(request: web.Request) -> web.Response:
    if not _cached:
        from bot.api import endpoints

        _cached.update(document(endpoints()))
    return json_response(_cached)


@api.route("GET", "/api/v1/me", summary="Who the caller is, and what their role may do", permission="read")
async def me(request: web.Request) -> web.Response:
    who = request[keys.PRINCIPAL]
    granted = sorted(name for name, roles in PERMISSIONS.items() if who.role in roles)
    answer = {
        "kind": who.kind,
        "name": who.name,
        "display_name": who.display_name,
        "role": who.role,
        "permissions": granted,
        # a manager reads only the customers of this WeCom member (for a key: the key's name)
        "manager_scope": who.manager_scope,
    }
    session = request.get(keys.CONSOLE_SESSION)
    if session is not None:  # signed in with the cookie: the token every change must carry
        answer["csrf_token"] = session.csrf
    return json_response(answer)
