"""The two audit logs as CSV files, for a compliance reviewer's spreadsheet or a regulator's request.

The export streams page by page under a ceiling taken when it starts (the largest id then), so messages
arriving meanwhile neither shift the pages nor appear twice. Times are Shanghai time. The file starts
with a UTF-8 byte-order mark, which Excel needs to read Chinese, and a cell that a spreadsheet would take
for a formula (``=``, ``+``, ``-``, ``@``) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.access.middleware import API_HEADERS
from bot.db.models import AuditEntry, ChangeEntry
from bot.queries.audit_log import newest_id, search_changes, search_messages
from bot.queries.paging import MAX_LIMIT, SHANGHAI

log = logging.getLogger("wecombot.api.export")
MAX_ROWS = 100_000
Search = Callable[..., Awaitable[dict[str, Any]]]
MESSAGE_COLUMNS = (
    "id",
    "sent_at",
    "channel",
    "target",
    "sender",
    "template_key",
    "template_version",
    "approved_by",
    "wecom_msgid",
    "rendered_text",
)
CHANGE_COLUMNS = ("id", "at", "actor", "actor_role", "action", "object_type", "object_id", "detail")
LOGS: dict[str, tuple[Search, tuple[str, ...], Any]] = {
    "messages": (search_messages, MESSAGE_COLUMNS, AuditEntry),
    "changes": (search_changes, CHANGE_COLUMNS, ChangeEntry),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("sent_at", "at") and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(SHANGHAI).isoformat()
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _lines(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    return _csv([[_cell(c, row.get(c)) for c in columns] for row in rows])


async def export(request: web.Request, db: Any, kind: str, filters: dict[str, Any]) -> web.StreamResponse:
    """Stream the ``kind`` log ("messages" or "changes") matching ``filters`` as CSV."""
    search, columns, log_table = LOGS[kind]
    ceiling = await newest_id(db, log_table)
    first = await search(db, **filters, limit=MAX_LIMIT, offset=0, ceiling=ceiling)  # QueryError -> 400
    total = int(first["total"])
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(
        headers={
            **API_HEADERS,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="wecombot-audit-{kind}-{stamp}.csv"',
            "X-Total-Count": str(total),
            "X-Truncated": "true" if total > MAX_ROWS else "false",
        }
    )
    await response.prepare(request)
    await response.write("\ufeff".encode() + _csv([list(columns)]))
    page, written = first, 0
    try:
        while page[kind] and written < MAX_ROWS:
            rows = page[kind][: MAX_ROWS - written]
            await response.write(_lines(rows, columns))
            written += len(rows)
            if page["next_offset"] is None:
                break
            page = await search(db, **filters, limit=MAX_LIMIT, offset=page["next_offset"], ceiling=ceiling)
    except Exception:
        # The status line has gone out: cut the connection, so the file is seen as incomplete
        # (no final chunk) rather than taken for the whole log.
        log.exception("audit export of %s stopped after %d rows", kind, written)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response
