"""List pages' shared parts: reading filters from the query string, and previous/next links that keep them.

A console URL is typed and edited by people, so a wrong number falls back to the default rather than
failing; wrong dates come back from the query as :class:`~bot.queries.paging.QueryError` and are shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.queries.paging import MAX_LIMIT

PAGE_SIZE = 50

SEGMENT_LABELS = {"long_tail": "长尾", "affluent": "富裕", "hnw": "高净值"}
FUND_TYPE_LABELS = {
    "money_market": "货币",
    "bond": "债券",
    "mixed": "混合",
    "equity": "股票",
    "index": "指数",
    "qdii": "QDII",
}
CHANNEL_LABELS = {
    "app_message": "应用消息",
    "mass_task": "群发任务",
    "welcome": "欢迎语",
    "group_welcome": "入群欢迎语",
    "kf": "微信客服",
    "kf_reply": "微信客服",
    "group_robot": "群机器人",
    "appchat": "应用群聊",
}


def text_arg(request: web.Request, name: str) -> str:
    return request.query.get(name, "").strip()[:200]


def int_arg(request: web.Request, name: str, default: int, lowest: int = 0, highest: int = 10**9) -> int:
    try:
        return max(lowest, min(int(request.query.get(name, default)), highest))
    except ValueError:
        return default


def paging(request: web.Request) -> tuple[int, int]:
    """``(limit, offset)`` from ``?limit=&offset=``."""
    return int_arg(request, "limit", PAGE_SIZE, 1, MAX_LIMIT), int_arg(request, "offset", 0)


def pager(request: web.Request, result: dict[str, Any]) -> dict[str, Any]:
    """What the pager shows: "第 51-100 条，共 230 条" and links to the pages around, filters kept."""
    limit, offset, total = result["limit"], result["offset"], result["total"]

    def link(to: int) -> str:
        query = {k: v for k, v in request.query.items() if k not in ("offset", "msg", "err") and v}
        if to:
            query["offset"] = str(to)
        return request.path + ("?" + urlencode(query) if query else "")

    shown = sum(len(v) for v in result.values() if isinstance(v, list))
    return {
        "first": offset + 1 if shown else 0,
        "last": offset + shown,
        "total": total,
        "prev": link(max(0, offset - limit)) if offset > 0 else None,
        "next": link(result["next_offset"]) if result.get("next_offset") is not None else None,
    }
