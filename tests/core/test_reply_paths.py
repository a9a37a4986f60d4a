"""End to end against the simulator: a slow handler's reply goes out through message/send, once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import ClientSession

from bot import keys
from bot.embedded import embedded_stack
from bot.routing import Router
from bot.wecom.events import TextMessage
from bot.wecom.replies import MarkdownReply, TextReply


def slow_router() -> Router:
    router = Router(name="slow")

    @router.text()
    async def answer(event: TextMessage) -> TextReply | MarkdownReply:
        if event.content == "慢":
            await asyncio.sleep(0.6)  # beyond the 400 ms passive budget
            return TextReply("久等了")
        return MarkdownReply("**markdown** 只能走接口")

    return router


async def _sandbox(url: str, method: str, path: str, body: dict | None = None) -> object:
    async with ClientSession() as session:
        async with session.request(method, url + path, json=body) as resp:
            return await resp.json()


async def test_slow_and_markdown_replies_go_through_message_send(tmp_path: Path) -> None:
    overrides = {"router": slow_router(), "db": None}
    async with embedded_stack(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3", overrides=overrides
    ) as stack:
        slow = await _sandbox(
            stack.sandbox_url,
            "POST",
            "/_sandbox/actions/member_message",
            {"userid": "rm_zhangwei", "text": "慢"},
        )
        assert slow["callback"]["status"] == 200 and slow["callback"]["reply"] is None
        md = await _sandbox(
            stack.sandbox_url,
            "POST",
            "/_sandbox/actions/member_message",
            {"userid": "rm_zhangwei", "text": "格式"},
        )
        assert md["callback"]["reply"] is None
        await stack.service[keys.TASKS].join()
        sent = await _sandbox(stack.sandbox_url, "GET", "/_sandbox/requests?path=/cgi-bin/message/send")
        by_type = {entry["body"]["msgtype"]: entry["body"] for entry in sent}
        assert len(sent) == 2 and set(by_type) == {"text", "markdown"}  # each reply once
        assert by_type["text"]["touser"] == "rm_zhangwei" and by_type["text"]["text"]["content"] == "久等了"
        assert all(entry["response"]["errcode"] == 0 for entry in sent)
