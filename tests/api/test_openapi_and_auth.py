"""The OpenAPI document matches what is served, and every endpoint refuses the wrong caller.

Both tests walk the app's own router and the document, so a new endpoint is checked without a new test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import ClientSession
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import text

from bot import keys
from bot.access.middleware import ACCESS
from bot.access.roles import PERMISSIONS
from bot.api import endpoints
from tests.api.conftest import ApiCaller

METHODS = {"get", "post", "put", "patch", "delete"}


def _served(api: ApiCaller) -> set[tuple[str, str]]:
    served = set()
    for route in api.stack.service.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") and route.method.lower() in METHODS:
            served.add((route.method.lower(), path))
    return served


def _filled(path: str) -> str:
    return re.sub(r"{\w+}", "1", path)


async def test_the_document_lists_exactly_the_served_routes(api: ApiCaller) -> None:
    status, doc = await api.call("GET", "/api/v1/openapi.json", role=None)
    assert status == 200  # public: a bank's integrators read it before they have a key
    assert doc["openapi"].startswith("3.1")
    validate_openapi(doc)  # a valid OpenAPI 3.1 document, as client generators will read it
    documented = {(m, p) for p, item in doc["paths"].items() for m in item if m in METHODS}
    assert documented == _served(api)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert operation["responses"], (method, path)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body:
                Draft202012Validator.check_schema(body["schema"])
            if path != "/api/v1/openapi.json":
                assert "401" in operation["responses"] and "403" in operation["responses"]
            assert "400" in operation["responses"], (method, path)  # an unknown query parameter
            if names:
                assert "404" in operation["responses"], (method, path)
            if body:
                assert "413" in operation["responses"], (method, path)


async def test_every_endpoint_wants_credentials(api: ApiCaller) -> None:
    for endpoint in endpoints():
        if endpoint.permission == "public":
            continue
        path = _filled(endpoint.path)
        status, body = await api.call(endpoint.method, path, role=None, json={})
        assert status == 401, (endpoint.method, path, body)
        status, body = await api.call(
            endpoint.method, path, role=None, json={}, headers={"Authorization": "Bearer wcb_forged"}
        )
        assert status == 401, (endpoint.method, path, body)


async def test_every_endpoint_refuses_a_role_without_its_permission(api: ApiCaller) -> None:
    checked = 0
    for endpoint in endpoints():
        if endpoint.permission == "public":
            continue
        for role in {"admin", "operations", "reviewer", "manager"} - PERMISSIONS[endpoint.permission]:
            status, body = await api.call(endpoint.method, _filled(endpoint.path), role=role, json={})
            assert status == 403, (endpoint.method, endpoint.path, role, body)
            assert endpoint.permission in body["error"]
            checked += 1
    assert checked > 0


async def test_a_signed_in_change_needs_the_csrf_token(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    campaign = {"name": "CSRF 测试", "template": "notice", "variables": {"title": "t", "body": "b"}}
    status, body = await ops.call("POST", "/api/v1/campaigns", campaign, csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    status, body = await ops.call("POST", "/api/v1/campaigns", campaign)
    assert status == 201, body
    assert body["author"] == "ops_liuyan"  # the signed-in member, not a name from the body


async def test_a_revoked_key_stops_working_at_once(api: ApiCaller) -> None:
    assert (await api.call("GET", "/api/v1/campaigns", role="operations"))[0] == 200
    await api.stack.service[ACCESS].accounts.revoke_key("test-operations")
    status, body = await api.call("GET", "/api/v1/campaigns", role="operations")
    assert status == 401 and "revoked" in body["error"]


async def _raw(api: ApiCaller, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any, Any]:
    async with ClientSession() as http:
        async with http.request(method, api.stack.service_url + path, headers=headers) as resp:
            return resp.status, resp.headers, await resp.json()


async def test_every_api_answer_is_json_uncached_and_says_how_to_authenticate(api: ApiCaller) -> None:
    key = {"Authorization": f"Bearer {api.keys['operations']}"}
    status, headers, body = await _raw(api, "GET", "/api/v1/campaigns", key)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"

    status, headers, body = await _raw(api, "GET", "/api/v1/campaigns", {})
    assert status == 401 and headers["WWW-Authenticate"] == 'Bearer realm="wecombot"'
    status, headers, body = await _raw(api, "GET", "/api/v1/campaigns", {"Authorization": "Bearer nope"})
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    assert (await _raw(api, "GET", "/api/v1/campaigns", {"Authorization": "Basic Zm9vOmJhcg=="}))[0] == 401

    # RFC 7235: the scheme is case-insensitive
    lower = {"Authorization": f"bearer {api.keys['operations']}"}
    assert (await _raw(api, "GET", "/api/v1/campaigns", lower))[0] == 200

    # the router's own errors come back in the API's JSON shape too
    status, headers, body = await _raw(api, "GET", "/api/v1/no_such_thing", key)
    assert status == 404 and body == {"error": "Not Found"}
    status, headers, body = await _raw(api, "DELETE", "/api/v1/campaigns", key)
    assert status == 405 and body == {"error": "Method Not Allowed"}
    assert set(headers["Allow"].split(",")) >= {"GET", "POST"}
    status, headers, body = await _raw(api, "GET", "/api/v1/campaigns/999999", key)
    assert status == 404 and "error" in body and headers["Cache-Control"] == "no-store"


async def test_a_failing_endpoint_answers_500_in_json_and_the_service_keeps_serving(
    api: ApiCaller, caplog: Any
) -> None:
    async with api.stack.service[keys.DB]() as session, session.begin():
        await session.execute(text("DROP TABLE change_log"))  # a database gone wrong under the API
    key = {"Authorization": f"Bearer {api.keys['reviewer']}"}
    status, headers, body = await _raw(api, "GET", "/api/v1/audit/changes", key)
    assert headers["Cache-Control"] == "no-store"
    assert status == 500 and body == {"error": "internal error; the service logged it"}
    assert "change_log" not in str(body)  # the details are in the log, not in the answer
    assert any("GET /api/v1/audit/changes failed" in r.getMessage() for r in caplog.records)
    assert (await _raw(api, "GET", "/api/v1/campaigns", key))[0] == 200


async def test_a_query_at_its_documented_limits_reaches_the_api(api: ApiCaller) -> None:
    """Four 200-character search fields of 4-byte characters (𠮷, a name outside the BMP),
    percent-encoded, make a request line over aiohttp's default 8 KiB."""
    key = {"Authorization": f"Bearer {api.keys['reviewer']}"}
    longest = quote("𠮷" * 200)
    query = "&".join(f"{name}={longest}" for name in ("q", "actor", "action", "object_type"))
    assert len(query) > 8 * 1024
    status, _, body = await _raw(api, "GET", "/api/v1/audit/changes?" + query, key)
    assert status == 200 and body["changes"] == []
    status, _, body = await _raw(api, "GET", "/api/v1/audit/changes?" + query + "x", key)  # 201 characters
    assert status == 400 and body["field"] == "object_type"


def test_the_readme_lists_every_endpoint_with_its_roles() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z]+ /api/v1/[^`]+)` \| .+ \| ([^|]+) \|$", readme, re.MULTILINE))
    for endpoint in endpoints():
        row = rows.get(f"{endpoint.method} {endpoint.path}")
        assert row is not None, f"README has no row for {endpoint.method} {endpoint.path}"
        if endpoint.permission != "public":
            roles = {r.strip() for r in row.split(",")}
            expected = PERMISSIONS[endpoint.permission]
            assert roles == expected or (roles == {"all roles"} and expected == PERMISSIONS["read"]), (
                endpoint.path,
                row,
            )
    assert len(rows) == len(endpoints())
