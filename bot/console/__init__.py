"""The operations console ``/console/``: server-rendered pages (aiohttp-jinja2) for operations staff,
compliance reviewers, relationship managers and admins.

Pages call the same functions as the JSON API (:mod:`bot.queries`, :class:`scheduler.campaigns.CampaignBook`),
so the two cannot show different things. Sign-in and sessions are :mod:`bot.access`; each page declares
the permission it needs with :func:`bot.console.render.needs`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import keys
from bot.console import (
    account_pages,
    audit_pages,
    campaign_pages,
    content_pages,
    dashboard,
    delivery_pages,
    journey_pages,
    keyword_pages,
    people_pages,
    publish_pages,
    sandbox_pages,
    signin,
)
from bot.console.render import filters, page

HERE = Path(__file__).parent


def setup_console(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(filters())
    app.router.add_static("/console/static/", HERE / "static", name="console_static")
    for module in PAGES:
        app.router.add_routes(module.routes)
    app.router.add_get("/console", _to_dashboard)
    app.on_response_prepare.append(_security_headers)
    app.middlewares.append(_not_found_page)  # inside the access middleware: the person is known


@web.middleware
async def _not_found_page(request: web.Request, handler: Any) -> web.StreamResponse:
    """A console address that names nothing gets a page in Chinese with the navigation, not "404: Not
    Found" in plain text."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        signed_in = keys.CONSOLE_SESSION in request and keys.PRINCIPAL in request
        if not request.path.startswith("/console/") or request.method != "GET" or not signed_in:
            raise
        return page(request, "record_missing.html", status=404, what="该页面或记录", back_to="/console/")


# Pages show customers' names and holdings: never framed, never cached, no scripts from anywhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/console") and not request.path.startswith("/console/static/"):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/console/")


# Every page module has a ``routes`` table; add new pages here.
PAGES = (
    signin,
    dashboard,
    campaign_pages,
    sandbox_pages,
    people_pages,
    audit_pages,
    account_pages,
    content_pages,
    journey_pages,
    publish_pages,
    delivery_pages,
    keyword_pages,
)
