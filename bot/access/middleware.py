"""Who is calling: one middleware for ``/api/`` and ``/console/``; other paths (the callback) pass untouched.

- API: ``Authorization: Bearer <key>`` (an API key of a bank system, or the legacy ``WECOMBOT_API_TOKEN``
  which acts as an admin key), or the console's session cookie. A cookie call that changes something
  must carry the session's CSRF token in ``X-CSRF-Token``. No credentials: 401 JSON.
- Console: the session cookie; without one a page request is sent to the sign-in page. A form POST
  must carry ``csrf_token``.
Permissions are checked where the route is declared (:mod:`bot.api.spec`, :mod:`bot.console`).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot import keys
from bot.access.accounts import AccountBook
from bot.access.config import ConsoleConfig
from bot.access.roles import Principal
from bot.access.sessions import COOKIE, Session, SessionStore, csrf_ok, signed_redirect

log = logging.getLogger("wecombot.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ACCESS: web.AppKey[Access] = web.AppKey("access")
OPENAPI_PATH = "/api/v1/openapi.json"
IN_WECOM = re.compile(r"\bwxwork/", re.IGNORECASE)  # the WeCom client's user agent
CONSOLE_PUBLIC = ("/console/login", "/console/login/wecom", "/console/login/wecom/done")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LEGACY_TOKEN = Principal("token", "WECOMBOT_API_TOKEN", "admin", "API token")


@dataclass
class Access:
    """What the middleware and the sign-in pages need; ``accounts`` is None without a database."""

    accounts: AccountBook | None
    sessions: SessionStore
    config: ConsoleConfig
    api_token: str

    async def bearer(self, given: str) -> Principal | None:
        if self.api_token and hmac.compare_digest(given.encode(), self.api_token.encode()):
            return LEGACY_TOKEN
        if self.accounts is None:
            return None
        return await self.accounts.key_principal(given)

    async def from_cookie(self, request: web.Request) -> tuple[Principal, Session] | None:
        token = request.cookies.get(COOKIE, "")
        session = await self.sessions.get(token) if token else None
        if session is None or self.accounts is None:
            return None
        principal = await self.accounts.current(session.kind, session.name)
        return (principal, session) if principal is not None else None


# API answers hold customer data: never cached, never sniffed into something else.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
CHALLENGE = 'Bearer realm="wecombot"'


def _json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": message}, ensure_ascii=False),
        content_type="application/json",
        headers={**API_HEADERS, **(headers or {})},
    )


def _bearer(header: str) -> str | None:
    """The credentials of an ``Authorization: Bearer ...`` header (the scheme is case-insensitive)."""
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith("/api/"):
        return await _api(request, handler)
    if path == "/console" or path.startswith("/console/"):
        return await _console(request, handler)
    return await handler(request)


async def _api(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate, then answer in JSON whatever happens: a bank system reads every error the same way."""
    try:
        response = await _api_call(request, handler)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if error.content_type == "application/json":  # an ApiError, already in the API's shape
            error.headers.update(API_HEADERS)
            raise
        kept = {name: error.headers[name] for name in ("Allow",) if name in error.headers}
        return _json_error(error.status, error.reason, kept)
    except Exception:
        log.exception("API %s %s failed", request.method, request.path)
        return _json_error(500, "internal error; the service logged it")
    if not response.prepared:
        response.headers.update(API_HEADERS)
    return response


async def _api_call(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == OPENAPI_PATH:
        return await handler(request)
    access = request.app[ACCESS]
    header = request.headers.get("Authorization", "")
    if header:
        given = _bearer(header)
        principal = await access.bearer(given) if given else None
        if principal is None:
            challenge = CHALLENGE + ', error="invalid_token"'
            message = "wrong or revoked API key (Authorization: Bearer <key>)"
            return _json_error(401, message, {"WWW-Authenticate": challenge})
    else:
        signed_in = await access.from_cookie(request)
        if signed_in is None:
            message = "sign in, or give an API key (Authorization: Bearer <key>)"
            return _json_error(401, message, {"WWW-Authenticate": CHALLENGE})
        principal, session = signed_in
        if request.method not in SAFE_METHODS and not csrf_ok(session, request.headers.get("X-CSRF-Token")):
            return _json_error(403, "X-CSRF-Token header missing or wrong for a signed-in call")
        request[keys.CONSOLE_SESSION] = session
    request[keys.PRINCIPAL] = principal
    return await handler(request)


async def _console(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in CONSOLE_PUBLIC or request.path.startswith("/console/static/"):
        return await handler(request)
    signed_in = await request.app[ACCESS].from_cookie(request)
    if signed_in is None:
        if request.method in SAFE_METHODS:
            # Inside the WeCom client (a manager tapping a card) sign-in is WeCom's OAuth, with no page
            # to click through; in a browser, the sign-in page offers both ways.
            in_wecom = IN_WECOM.search(request.headers.get("User-Agent", ""))
            start = "/console/login/wecom" if in_wecom else "/console/login"
            raise web.HTTPFound(start + "?next=" + quote(request.path_qs, safe=""))
        raise web.HTTPUnauthorized(text="请先登录 (sign in first)")
    principal, session = signed_in
    if request.method not in SAFE_METHODS:
        form: Any = await request.post()
        given = form.get("csrf_token") or request.headers.get("X-CSRF-Token")
        if not csrf_ok(session, given):
            raise web.HTTPForbidden(text="表单已过期，请刷新页面后重试 (CSRF token missing or wrong)")
    request[keys.PRINCIPAL], request[keys.CONSOLE_SESSION] = principal, session
    try:
        return await handler(request)
    except web.HTTPFound as redirect:  # a notice for the next page is signed for this session
        redirect.headers["Location"] = signed_redirect(redirect.location, session.csrf)
        raise


def setup_access(app: web.Application) -> None:
    """Add the middleware and a cleanup context that builds :class:`Access` once the database is open."""
    app.middlewares.append(access_middleware)

    async def access_ctx(app: web.Application) -> Any:
        settings = app[keys.SETTINGS]
        config = ConsoleConfig.from_settings(settings)
        db = app[keys.DB]
        app[ACCESS] = Access(
            accounts=AccountBook(db) if db is not None else None,
            sessions=SessionStore(app[keys.STATE], config.session_hours * 3600),
            config=config,
            api_token=settings.api_token,
        )
        yield

    app.cleanup_ctx.append(access_ctx)
