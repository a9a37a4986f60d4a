"""Fault injection: make the next N calls of one endpoint fail the way a real outage would.

``POST /_sandbox/faults`` takes one rule: ``{"path": "message/send", "count": 2}`` plus one or more of
``errcode`` (answer that WeCom error), ``delay_ms`` (answer late), ``http_status`` (a non-200 from a
proxy) or ``drop`` (close the connection without an answer). ``DELETE /_sandbox/faults`` clears them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.sandbox.store import SandboxState
from bot.sandbox.wire import ERRMSG, error_body, json_response

_KINDS = ("errcode", "delay_ms", "http_status", "drop")


def normalize_path(path: str) -> str:
    """``/cgi-bin/message/send``, ``cgi-bin/message/send`` and ``message/send`` name one endpoint."""
    path = path.strip().lstrip("/")
    return path.removeprefix("cgi-bin/")


def parse_rule(raw: Any) -> dict[str, Any]:
    """Validate a fault rule; raises ``ValueError`` naming what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("a fault rule must be a JSON object")
    path = raw.get("path")
    if not isinstance(path, str) or not path.strip("/ "):
        raise ValueError("fault rule needs a 'path' such as 'message/send'")
    if not any(k in raw for k in _KINDS):
        raise ValueError(f"fault rule needs one of {', '.join(_KINDS)}")
    unknown = set(raw) - {"path", "count", *_KINDS}
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError("'count' must be a positive integer")
    rule: dict[str, Any] = {"path": normalize_path(path), "count": count}
    for key in ("errcode", "delay_ms", "http_status"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"'{key}' must be an integer")
            rule[key] = value
    if "http_status" in rule and not 100 <= rule["http_status"] <= 599:
        raise ValueError("'http_status' must be an HTTP status code")
    if "delay_ms" in rule and not 0 <= rule["delay_ms"] <= 60_000:
        raise ValueError("'delay_ms' must be between 0 and 60000")
    if "drop" in raw:
        if not isinstance(raw["drop"], bool):
            raise ValueError("'drop' must be true or false")
        rule["drop"] = raw["drop"]
    return rule


def take_fault(state: SandboxState, path: str) -> dict[str, Any] | None:
    """The first pending rule for ``path`` (one use of it is consumed)."""
    name = normalize_path(path)
    for rule in state.faults:
        if rule["path"] == name:
            rule["count"] -= 1
            if rule["count"] <= 0:
                state.faults.remove(rule)
            return rule
    return None


async def apply_fault(request: web.Request, rule: dict[str, Any]) -> web.StreamResponse | None:
    """Carry out a rule; ``None`` means "now serve the request normally" (a pure delay)."""
    if rule.get("delay_ms"):
        await asyncio.sleep(rule["delay_ms"] / 1000)
    if rule.get("drop"):
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # aiohttp ends the handler quietly once the peer is gone
    if "http_status" in rule:
        return web.Response(status=rule["http_status"], text="sandbox injected fault")
    if "errcode" in rule:
        code = rule["errcode"]
        return json_response(error_body(code, ERRMSG.get(code, "sandbox injected fault")))
    return None
