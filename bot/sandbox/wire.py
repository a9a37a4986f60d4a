"""WeCom's response conventions: ``errcode``/``errmsg`` always, HTTP 200 even on errors.

Handlers raise ``ApiError`` and return ``ok(...)``; the middleware in ``app.py`` turns both into the
JSON WeCom would answer. The helpers here read and check request fields the way WeCom does.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

Json = dict[str, Any]

# The parsed JSON body (or the ApiError it raised), stored by the recording middleware.
BODY: web.RequestKey[Any] = web.RequestKey("sandbox_body")
BODY_ERROR: web.RequestKey[Exception] = web.RequestKey("sandbox_body_error")

ERRMSG = {
    0: "ok",
    -1: "system busy",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid userid",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    40050: "chatid not found",
    40058: "invalid parameter",
    40068: "invalid tagid",
    40071: "tag name already exists",
    40096: "invalid external userid",
    41001: "access_token missing",
    41008: "missing oauth code",
    41048: "no customer to send",
    41049: "welcome_code missing",
    41050: "invalid welcome_code",
    41063: "the group msg is being sent, please try later",
    41064: "too many attachments",
    42001: "access_token expired",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    60111: "userid not found",
    81013: "user & party & tag all invalid",
    82001: "All touser & toparty & totag invalid",
    84061: "not exist contact",
    86001: "invalid chatid",
    93000: "invalid webhook url",
    95000: "invalid open_kfid",
    95001: "send msg count limit",
    95002: "send msg time limit",
    95007: "invalid msg token",
    95008: "msgmenu too many items",
    95013: "conversation has been closed",
    95014: "user is not servicer",
    95016: "invalid servicer state transition",
    95018: "send msg session status invalid",
    95031: "customer has not consulted within 48 hours",
    301002: "agentid mismatch with access_token",
}


class ApiError(Exception):
    """A WeCom error answer: ``{"errcode": code, "errmsg": ...}`` with HTTP 200."""

    def __init__(self, errcode: int, detail: str = "") -> None:
        self.errcode = errcode
        base = ERRMSG.get(errcode, "error")
        self.errmsg = f"{base}, {detail}" if detail else base
        super().__init__(f"{errcode}: {self.errmsg}")


def ok(**fields: Any) -> Json:
    return {"errcode": 0, "errmsg": "ok", **fields}


def error_body(errcode: int, errmsg: str) -> Json:
    return {"errcode": errcode, "errmsg": errmsg}


def json_response(payload: Json, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(payload, ensure_ascii=False),
        content_type="application/json",
        charset="utf-8",
    )


def parse_json(raw: bytes) -> Any:
    """The JSON body, or ``None`` when empty; anything unparseable is WeCom's 40058."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(40058, f"body is not valid JSON: {exc}") from exc


def body_of(request: web.Request) -> Json:
    """The parsed JSON object that the middleware stored for this request (``{}`` if none)."""
    body = request.get(BODY)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(40058, "body must be a JSON object")
    return body


def text_field(obj: Json, name: str, *, required: bool = True) -> str:
    value = obj.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(40058, f"{name} must be a string")
    if required and not value:
        raise ApiError(40058, f"{name} is required")
    return value


def int_field(obj: Json, name: str, default: int) -> int:
    value = obj.get(name, default)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(40058, f"{name} must be an integer")
    return value


def list_field(obj: Json, name: str) -> list[Any]:
    value = obj.get(name) or []
    if not isinstance(value, list):
        raise ApiError(40058, f"{name} must be a list")
    return value


def check_bytes(content: str, limit: int, what: str) -> None:
    """WeCom counts UTF-8 bytes (a CJK character is 3)."""
    size = len(content.encode("utf-8"))
    if size > limit:
        raise ApiError(45002, f"{what} is {size} bytes, limit {limit}")


def page(items: list[Any], cursor: str, limit: int) -> tuple[list[Any], str]:
    """One page of ``items`` from an opaque numeric cursor; ``""`` as next cursor at the end."""
    if cursor and not cursor.isdigit():
        raise ApiError(40058, "invalid cursor")
    start = int(cursor) if cursor else 0
    chunk = items[start : start + limit]
    end = start + len(chunk)
    return chunk, (str(end) if end < len(items) else "")
