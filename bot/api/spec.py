"""Declare an API route once: its method, path, permission, query and body schemas, and answers.

The same declaration does three jobs, so they cannot drift apart: it checks the caller's permission,
validates the query and the JSON body (JSON Schema, via ``jsonschema``) before the handler runs, and
it is what ``/api/v1/openapi.json`` is built from. Handlers read ``request[keys.PRINCIPAL]``,
``request[keys.BODY]`` and ``request[keys.PARAMS]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator

from bot import keys
from bot.access.roles import PERMISSIONS, Principal, allowed

ApiHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PATH_PARAM = re.compile(r"{(\w+)}")
# aiohttp's "{name:regex}" (e.g. a template name with slashes, "{name:.+}") is documented as "{name}".
PATH_PATTERN = re.compile(r"{(\w+):[^{}]+}")


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    422: web.HTTPUnprocessableEntity,
    503: web.HTTPServiceUnavailable,
}


def ApiError(status: int, message: str, field: str | None = None, **details: Any) -> web.HTTPException:
    """A JSON error answer to raise: ``{"error": message, "field"?: name, ...details}``."""
    body: dict[str, Any] = {"error": message, **details}
    if field:
        body["field"] = field
    return _ERRORS[status](text=json.dumps(body, ensure_ascii=False), content_type="application/json")


FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): ")


def FieldError(status: int, message: str) -> web.HTTPException:
    """An ApiError naming the field a domain message starts with (``data.amount: must be positive``)."""
    found = FIELD_PREFIX.match(message)
    return ApiError(status, message, found.group(1) if found else None)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str)
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    permission: str
    tag: str
    body: Mapping[str, Any] | None = None
    query: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    responses: Mapping[int, str] = field(default_factory=dict)
    returns: Mapping[str, Any] | None = None
    produces: str = "application/json"

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path.removeprefix("/api/v1/")).replace("/", "_").replace(".", "_")
        return f"{self.method.lower()}_{words}"


def principal(request: web.Request) -> Principal:
    return request[keys.PRINCIPAL]  # type: ignore[no-any-return]


def _field(error: Any) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        if missing:
            return f"{path}.{missing.group(1)}" if path else missing.group(1)
    if error.validator == "additionalProperties":
        extra = re.search(r"\('([^']+)'", error.message)
        if extra:
            return f"{path}.{extra.group(1)}" if path else extra.group(1)
    return path


def validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A checked, ready validator, built once when a route is declared (a bad schema fails at import)."""
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(checker: Draft202012Validator, value: Any, where: str, field: str | None = None) -> None:
    """Raise a 400 naming the first wrong field (``field`` names a scalar such as a query parameter)."""
    errors = sorted(checker.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        name = _field(first)
        raise ApiError(400, f"{name or where}: {first.message}", name or field)


def _convert(name: str, raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError
            return raw == "true"
    except ValueError:
        raise ApiError(400, f"query {name}: expected {kind}, got {raw!r}", name) from None
    return raw


def parse_query(
    request: web.Request,
    spec: Mapping[str, Mapping[str, Any]],
    checkers: Mapping[str, Draft202012Validator],
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, schema in spec.items():
        if name in request.query:
            value = _convert(name, request.query[name], schema)
            validate(checkers[name], value, f"query {name}", name)
            params[name] = value
        elif "default" in schema:
            params[name] = schema["default"]
    unknown = sorted(set(request.query) - set(spec))
    if unknown:
        raise ApiError(
            400, f"query {unknown[0]}: unknown parameter; known: {', '.join(spec) or 'none'}", unknown[0]
        )
    return params


class ApiRoutes:
    """A ``RouteTableDef`` whose routes are declared with :meth:`route` and listed in ``endpoints``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.table = web.RouteTableDef()
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        permission: str,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, Mapping[str, Any]] | None = None,
        responses: Mapping[int, str] | None = None,
        returns: Mapping[str, Any] | None = None,
        produces: str = "application/json",
    ) -> Callable[[ApiHandler], ApiHandler]:
        if permission not in PERMISSIONS and permission != "public":
            raise KeyError(f"{method} {path}: unknown permission {permission!r}")
        documented = PATH_PATTERN.sub(r"{\1}", path)
        endpoint = Endpoint(
            method,
            documented,
            summary,
            permission,
            self.tag,
            body,
            query or {},
            responses or {},
            returns,
            produces,
        )

        query_checkers = {name: validator(schema) for name, schema in endpoint.query.items()}
        body_checker = validator(body) if body is not None else None

        def register(handler: ApiHandler) -> ApiHandler:
            async def checked(request: web.Request) -> web.StreamResponse:
                if permission != "public" and not allowed(principal(request), permission):
                    raise ApiError(
                        403, f"your role ({principal(request).role}) may not do this ({permission})"
                    )
                request[keys.PARAMS] = parse_query(request, endpoint.query, query_checkers)
                if body_checker is not None:
                    request[keys.BODY] = await read_body(request, body_checker)
                return await handler(request)

            checked.__doc__ = handler.__doc__
            self.table.route(method, path)(checked)
            self.endpoints.append(endpoint)
            return handler

        return register


class NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259): stored, they would make every later answer unreadable."""
    raise NotJson(f"{name} is not a JSON number")


async def read_body(request: web.Request, checker: Draft202012Validator) -> Any:
    if not request.can_read_body:
        value: Any = {}
    else:
        try:
            value = json.loads(await request.text(), parse_constant=_no_constant)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "body must be JSON") from None
        except NotJson as exc:
            raise ApiError(400, f"body: {exc}") from None
        except RecursionError:
            raise ApiError(400, "body: nested too deeply") from None
        try:  # "\ud800" is valid JSON but no text: it cannot be stored, rendered or sent to WeCom
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "body: a string holds an unpaired surrogate (\\ud800-\\udfff)") from None
    validate(checker, value, "body")
    return value


def path_parameters(path: str) -> list[str]:
    return PATH_PARAM.findall(path)
