"""``/api/v1/accounts`` and ``/api/v1/api_keys``: who may use the console and the API (admins only).

Everything goes through :class:`~bot.access.accounts.AccountBook` with the caller as ``by``, so the change
log names who did it. A new API key's plain text is in the creation answer once and nowhere else; lists
show its prefix. Password hashes never leave the database.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.access.accounts import AccountBook, AccountError, Conflict
from bot.access.middleware import ACCESS
from bot.api.reading import PAGING
from bot.api.spec import ApiError, ApiRoutes, FieldError, json_response, principal
from bot.db.models.access import ACCOUNT_KINDS, CONSOLE_ROLES
from bot.queries.paging import paged

api = ApiRoutes("accounts")

NAME = {"type": "string", "minLength": 2, "maxLength": 64}
NEW_ACCOUNT = {
    "type": "object",
    "properties": {
        "kind": {"enum": list(ACCOUNT_KINDS), "description": "local: username and password; wecom: a member"},
        "username": NAME | {"description": "a local username, or the member's WeCom userid"},
        "role": {"enum": list(CONSOLE_ROLES)},
        "display_name": {"type": "string", "maxLength": 64},
        "password": {
            "type": "string",
            "maxLength": 256,
            "description": "local only: 10+ chars, not all letters",
        },
    },
    "required": ["kind", "username", "role"],
    "additionalProperties": False,
}
ACCOUNT_CHANGE = {
    "type": "object",
    "properties": {"role": {"enum": list(CONSOLE_ROLES)}, "active": {"type": "boolean"}},
    "minProperties": 1,
    "additionalProperties": False,
}
NEW_KEY = {
    "type": "object",
    "properties": {
        "name": NAME | {"description": "the bank system's name"},
        "role": {"enum": list(CONSOLE_ROLES)},
    },
    "required": ["name", "role"],
    "additionalProperties": False,
}


def book(request: web.Request) -> AccountBook:
    accounts = request.app[ACCESS].accounts
    if accounts is None:
        raise ApiError(503, "no database configured")
    return accounts


def refused(exc: AccountError) -> web.HTTPException:
    """The book's messages start with the field (``password: at least 10 characters``)."""
    return FieldError(409 if isinstance(exc, Conflict) else 400, str(exc))


@api.route("GET", "/api/v1/accounts", summary="Console accounts", permission="accounts.manage", query=PAGING)
async def get_accounts(request: web.Request) -> web.Response:
    accounts, params = book(request), request[keys.PARAMS]
    rows = await accounts.list_accounts(params["limit"], params["offset"])
    return json_response(
        paged("accounts", rows, await accounts.count_accounts(), params["limit"], params["offset"])
    )


@api.route(
    "POST",
    "/api/v1/accounts",
    summary="Add a console account: local (username and password) or a WeCom member",
    permission="accounts.manage",
    body=NEW_ACCOUNT,
    responses={201: "created", 409: "the username exists"},
)
async def post_account(request: web.Request) -> web.Response:
    body = request[keys.BODY]
    if body["kind"] == "wecom" and "password" in body:
        raise ApiError(400, "password: a WeCom member signs in with WeCom, not a password", "password")
    try:
        created = await book(request).create_account(
            kind=body["kind"],
            username=body["username"],
            role=body["role"],
            display_name=body.get("display_name", ""),
            password=body.get("password"),
            by=principal(request),
        )
    except AccountError as exc:
        raise refused(exc) from None
    return json_response(created, status=201)


@api.route(
    "PATCH",
    "/api/v1/accounts/{username}",
    summary="Change an account's role, or disable / enable it",
    permission="accounts.manage",
    body=ACCOUNT_CHANGE,
    responses={404: "unknown account", 409: "an admin may not demote or disable themself"},
)
async def patch_account(request: web.Request) -> web.Response:
    body, username = request[keys.BODY], request.match_info["username"]
    try:
        changed = await book(request).update_account(
            username, role=body.get("role"), active=body.get("active"), by=principal(request)
        )
    except LookupError:
        raise ApiError(404, f"no account {username!r}") from None
    except AccountError as exc:
        raise refused(exc) from None
    return json_response(changed)


@api.route(
    "GET", "/api/v1/api_keys", summary="API keys (prefixes only)", permission="accounts.manage", query=PAGING
)
async def get_api_keys(request: web.Request) -> web.Response:
    accounts, params = book(request), request[keys.PARAMS]
    rows = await accounts.list_keys(params["limit"], params["offset"])
    return json_response(
        paged("api_keys", rows, await accounts.count_keys(), params["limit"], params["offset"])
    )


@api.route(
    "POST",
    "/api/v1/api_keys",
    summary="Create an API key for a bank system; the answer holds the plain key, shown this once",
    permission="accounts.manage",
    body=NEW_KEY,
    responses={201: "created; copy `key` now", 409: "the name exists"},
)
async def post_api_key(request: web.Request) -> web.Response:
    body = request[keys.BODY]
    try:
        created = await book(request).create_key(body["name"], body["role"], by=principal(request))
    except AccountError as exc:
        raise refused(exc) from None
    response = json_response(created, status=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route(
    "POST",
    "/api/v1/api_keys/{name}/revoke",
    summary="Revoke an API key: it is refused (401) from the next call on",
    permission="accounts.manage",
    responses={404: "unknown key"},
)
async def revoke_api_key(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    try:
        return json_response(await book(request).revoke_key(name, by=principal(request)))
    except LookupError:
        raise ApiError(404, f"no API key {name!r}") from None
