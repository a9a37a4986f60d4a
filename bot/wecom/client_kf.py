"""WeChat Customer Service (微信客服, "kf"): pull, reply, session state, customers (wecom-kf.md §3-8).

The client only speaks the wire format; the puller (one per ``open_kfid``, durable cursor) and the
reply policy (5 messages / 48 h, session states) live with their callers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.wecom.client_base import ClientCore, Json

_MSGID_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
SEND_TYPES = frozenset(
    {"text", "image", "voice", "video", "file", "link", "miniprogram", "msgmenu", "location", "ca_link"}
)


def _payload(msgtype: str, content: Mapping[str, Any], msgid: str | None) -> dict[str, Any]:
    if msgtype not in SEND_TYPES:
        raise ValueError(f"kf msgtype must be one of {sorted(SEND_TYPES)}, got {msgtype!r}")
    if not content:
        raise ValueError(f"kf {msgtype}: content must not be empty")
    if msgtype == "text":
        text = str(content.get("content", ""))
        size = len(text.encode())
        if not text or size > 2048:
            raise ValueError(f"kf text.content: 1..2048 bytes (UTF-8), got {size}")
    body: dict[str, Any] = {"msgtype": msgtype, msgtype: dict(content)}
    if msgid is not None:
        if not _MSGID_RE.match(msgid):
            raise ValueError(f"kf msgid: 1..32 characters of [0-9a-zA-Z_-], got {msgid!r}")
        body["msgid"] = msgid
    return body


class KfMixin(ClientCore):
    async def kf_sync_msg(self, open_kfid: str, cursor: str = "", token: str = "", limit: int = 1000) -> Json:
        """One page: ``next_cursor``, ``has_more``, ``msg_list`` (an empty list is no stop signal)."""
        if not open_kfid:
            raise ValueError("kf_sync_msg: open_kfid is required")
        if not 1 <= limit <= 1000:
            raise ValueError(f"kf_sync_msg: limit must be 1..1000, got {limit}")
        body: dict[str, Any] = {"open_kfid": open_kfid, "limit": limit}
        if cursor:
            body["cursor"] = cursor
        if token:
            body["token"] = token  # without it WeCom rate-limits sync_msg strictly
        return await self._post("kf/sync_msg", body)

    async def kf_send_msg(
        self, touser: str, open_kfid: str, msgtype: str, content: Mapping[str, Any], msgid: str | None = None
    ) -> Json:
        """Reply in a session the bot owns (state 0/1); ``msgid`` makes a retry idempotent."""
        if not touser or not open_kfid:
            raise ValueError("kf_send_msg: touser and open_kfid are required")
        body = {"touser": touser, "open_kfid": open_kfid, **_payload(msgtype, content, msgid)}
        return await self._post("kf/send_msg", body)

    async def kf_send_msg_on_event(
        self, code: str, msgtype: str, content: Mapping[str, Any], msgid: str | None = None
    ) -> Json:
        """Welcome / state-change notice with a one-use ``welcome_code`` or ``msg_code``."""
        if not code:
            raise ValueError("kf_send_msg_on_event: code is required")
        if msgtype not in ("text", "msgmenu"):
            raise ValueError(f"kf_send_msg_on_event: msgtype must be text or msgmenu, got {msgtype!r}")
        return await self._post("kf/send_msg_on_event", {"code": code, **_payload(msgtype, content, msgid)})

    async def kf_service_state_get(self, open_kfid: str, external_userid: str) -> Json:
        """``service_state`` (0..4) and ``servicer_userid``."""
        if not open_kfid or not external_userid:
            raise ValueError("kf_service_state_get: open_kfid and external_userid are required")
        body = {"open_kfid": open_kfid, "external_userid": external_userid}
        return await self._post("kf/service_state/get", body)

    async def kf_service_state_trans(
        self, open_kfid: str, external_userid: str, service_state: int, servicer_userid: str | None = None
    ) -> Json:
        """Move the session (1 bot, 2 pool, 3 a servicer, 4 end); may return a ``msg_code``."""
        if not open_kfid or not external_userid:
            raise ValueError("kf_service_state_trans: open_kfid and external_userid are required")
        if service_state not in (0, 1, 2, 3, 4):
            raise ValueError(f"kf_service_state_trans: service_state must be 0..4, got {service_state}")
        if service_state == 3 and not servicer_userid:
            raise ValueError("kf_service_state_trans: servicer_userid is required for state 3")
        body: dict[str, Any] = {
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "service_state": service_state,
        }
        if servicer_userid:
            body["servicer_userid"] = servicer_userid
        return await self._post("kf/service_state/trans", body)

    async def kf_customer_batchget(
        self, external_userid_list: Sequence[str], need_enter_session_context: bool = False
    ) -> Json:
        """``customer_list`` and ``invalid_external_userid`` for 1..100 customers."""
        if not 1 <= len(external_userid_list) <= 100:
            raise ValueError(f"kf_customer_batchget: 1..100 ids, got {len(external_userid_list)}")
        body = {
            "external_userid_list": list(external_userid_list),
            "need_enter_session_context": int(need_enter_session_context),
        }
        return await self._post("kf/customer/batchget", body)
