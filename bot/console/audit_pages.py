"""The audit log page ``/console/audit``: two tabs, 消息审计 (every message that left) and 操作记录 (every
change made through the API, the console or the CLI), each with its own search form and paging.

The searches are :mod:`bot.queries.audit_log`, the same as ``/api/v1/audit/...``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.access.roles import ROLE_LABELS
from bot.console.listing import CHANNEL_LABELS, pager, paging, text_arg
from bot.console.render import needs, page
from bot.queries.audit_log import search_changes, search_messages
from bot.queries.paging import QueryError

routes = web.RouteTableDef()
TABS = {"messages": "消息审计", "changes": "操作记录"}
MESSAGE_FILTERS = ("q", "channel", "target", "since", "until")
CHANGE_FILTERS = ("q", "actor", "action", "object_type", "since", "until")


@routes.get("/console/audit")
@needs("read.audit")
async def audit(request: web.Request) -> web.Response:
    tab = request.query.get("tab", "messages")
    tab = tab if tab in TABS else "messages"
    names = MESSAGE_FILTERS if tab == "messages" else CHANGE_FILTERS
    filters = {name: text_arg(request, name) for name in names}
    limit, offset = paging(request)
    search = search_messages if tab == "messages" else search_changes
    error = ""
    try:
        result: dict[str, Any] = await search(
            request.app[keys.DB], **{k: v or None for k, v in filters.items()}, limit=limit, offset=offset
        )
    except QueryError as exc:
        error = _explain(exc)
        result = {tab: [], "total": 0, "limit": limit, "offset": 0, "next_offset": None}
    return page(
        request,
        "audit.html",
        tab=tab,
        tabs=TABS,
        filters=filters,
        result=result,
        rows=result[tab],
        pager=pager(request, result),
        error=error,
        channel_labels=CHANNEL_LABELS,
        role_labels=ROLE_LABELS,
        export_url=_export_url(tab, filters),
    )


def _export_url(tab: str, filters: dict[str, str]) -> str:
    """The CSV of what the page shows (all of it, not one page): the API's export, with the cookie."""
    query = urlencode({name: value for name, value in filters.items() if value})
    return f"/api/v1/audit/{tab}.csv" + ("?" + query if query else "")


def _explain(exc: QueryError) -> str:
    if "after" in str(exc):
        return "结束日期须晚于开始日期。"
    label = {"since": "开始日期", "until": "结束日期"}.get(exc.field, exc.field)
    return f"{label}格式不正确，请填写如 2026-11-30 的日期。"
