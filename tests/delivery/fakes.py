"""A recording stand-in for the WeCom client (for crash and race tests that need to fail on cue)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.wecom.errors import TIMEOUT, RetryLater


class FakeWeCom:
    def __init__(self) -> None:
        self.tasks: list[dict[str, Any]] = []  # what WeCom created
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lose_answers = 0  # the next N calls act at WeCom but the answer is lost (timeout)
        self._ids = itertools.count(1)

    def _maybe_lose(self) -> None:
        if self.lose_answers:
            self.lose_answers -= 1
            raise RetryLater(TIMEOUT, "timeout", "x", retry_after=0.0)

    async def add_msg_template(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("add_msg_template", payload))
        msgid = f"msg{next(self._ids)}"
        self.tasks.append(
            {
                "msgid": msgid,
                "creator": payload["sender"],
                "create_time": str(int(time.time())),
                "text": payload["text"],
                "chat_type": payload["chat_type"],
            }
        )
        self._maybe_lose()
        return {"errcode": 0, "msgid": msgid, "fail_list": []}

    async def get_groupmsg_list_v2(self, **query: Any) -> dict[str, Any]:
        self.calls.append(("get_groupmsg_list_v2", query))
        items = [
            t
            for t in self.tasks
            if t["creator"] == query.get("creator") and t["chat_type"] == query["chat_type"]
        ]
        return {"errcode": 0, "group_msg_list": items, "next_cursor": ""}

    async def send_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("send_message", payload))
        self._maybe_lose()
        return {"errcode": 0, "msgid": f"app{next(self._ids)}"}

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)
