"""Rendering a console page: the signed-in person, their CSRF token and navigation in every page."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.access.roles import ROLE_LABELS, Principal, allowed
from bot.access.sessions import flash_signature
from bot.console.ops_labels import SKIP_REASONS

Page = Callable[[web.Request], Awaitable[web.StreamResponse]]

# (path, label, permission) in the order of the navigation bar
NAV: tuple[tuple[str, str, str], ...] = (
    ("/console/", "总览", "read"),
    ("/console/campaigns", "营销活动", "read"),
    ("/console/review", "审核队列", "campaigns.review"),
    ("/console/publish", "内容发布", "content.publish"),
    ("/console/templates", "内容模板", "read"),
    ("/console/keywords", "关键词回复", "read"),
    ("/console/deliveries", "发送记录", "read"),
    ("/console/journeys", "客户旅程", "read"),
    ("/console/customers", "客户", "read"),
    ("/console/groups", "客户群", "read"),
    ("/console/audit", "审计日志", "read.audit"),
    ("/console/accounts", "账号与密钥", "accounts.manage"),
    ("/console/sandbox", "模拟器", "sandbox.control"),
)


def principal(request: web.Request) -> Principal:
    return request[keys.PRINCIPAL]


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """Render ``template`` with the base context; ``status`` is the HTTP status (name data otherwise)."""
    who = principal(request)
    sandbox = request.app.get(SANDBOX_URL)
    nav = [
        (path, label)
        for path, label, permission in NAV
        if allowed(who, permission) and (path != "/console/sandbox" or sandbox)
    ]
    base = {
        "me": who,
        "role_label": ROLE_LABELS.get(who.role, who.role),
        "csrf": request[keys.CONSOLE_SESSION].csrf,
        "nav": nav,
        "here": request.path,
        "can": lambda permission: allowed(who, permission),
        **flash(request),
        "skip_reasons": SKIP_REASONS,
    }
    return aiohttp_jinja2.render_template(template, request, base | context, status=status)


def needs(permission: str) -> Callable[[Page], Page]:
    """Refuse the page (403, in Chinese) unless the signed-in person's role holds ``permission``."""

    def decorate(handler: Page) -> Page:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            if not allowed(principal(request), permission):
                return page(request, "forbidden.html", status=403, permission=permission)
            return await handler(request)

        return checked

    return decorate


def flash(request: web.Request) -> dict[str, str]:
    """The notice of the last action, only if this console wrote it: a link someone sends with
    ``?err=请致电…`` must not show as a system alert (the signature is keyed by the session)."""
    msg, err = request.query.get("msg", ""), request.query.get("err", "")
    if not (msg or err):
        return {"flash": "", "flash_error": ""}
    expected = flash_signature(request[keys.CONSOLE_SESSION].csrf, msg, err)
    if not hmac.compare_digest(expected, request.query.get("sig", "")):
        return {"flash": "", "flash_error": ""}
    return {"flash": msg, "flash_error": err}


def back(location: str, msg: str = "", err: str = "") -> web.HTTPFound:
    """Redirect after a form (POST/redirect/GET), with a one-line notice shown on the next page."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v})
    return web.HTTPFound(location + ("?" + query if query else ""))


def _when(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    from zoneinfo import ZoneInfo

    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo("Asia/Shanghai"))
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def _json_text(value: Any) -> str:
    """JSON as people read it: Chinese as written (Jinja's ``tojson`` escapes it to \\uXXXX)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def filters() -> dict[str, Callable[..., Any]]:
    return {"when": _when, "json_text": _json_text}


# The simulator's address, set by the demo only: the console then shows its controls.
SANDBOX_URL: web.AppKey[str] = web.AppKey("console_sandbox_url", str)
