"""A readable transcript of who saw what during the tour."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import ClientSession

from bot import keys
from bot.embedded import EmbeddedStack
from bot.wecom.xmlparse import parse_xml

# What each WeCom path means to a reader of the transcript.
_PATH_LABELS = {
    "/cgi-bin/message/send": "app message",
    "/cgi-bin/externalcontact/send_welcome_msg": "welcome message",
    "/cgi-bin/externalcontact/add_msg_template": "mass-message task",
    "/cgi-bin/externalcontact/mark_tag": "tag",
    "/cgi-bin/kf/send_msg": "kf reply",
    "/cgi-bin/kf/send_msg_on_event": "kf notice",
    "/cgi-bin/kf/service_state/trans": "kf hand-over",
    "/cgi-bin/webhook/send": "group robot",
}


class Transcript:
    def __init__(self, stack: EmbeddedStack, out: Any = print) -> None:
        self.stack = stack
        self.out = out
        self._seen = 0

    def title(self, text: str) -> None:
        self.out(f"\n=== {text} ===")

    def say(self, who: str, text: str) -> None:
        lines = str(text).splitlines() or [""]
        self.out(f"[{who}] {lines[0]}")
        for line in lines[1:]:
            self.out(f"{' ' * (len(who) + 3)}{line}")

    async def action(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Do something in WeCom (through the simulator) and wait for the service to finish with it."""
        async with ClientSession() as session:
            async with session.post(f"{self.stack.sandbox_url}/_sandbox/actions/{name}", json=body) as resp:
                result = await resp.json()
                if resp.status != 200:
                    raise RuntimeError(f"sandbox action {name} failed: {result}")
        await self.settle()
        return result

    async def member_asks(self, userid: str, text: str, label: str = "bot", seconds: float = 15.0) -> str:
        """A member writes to the app; print and return the answer, passive or sent later by the API."""
        before = len(await self.requests())
        result = await self.action("member_message", {"userid": userid, "text": text})
        reply = result["callback"]["reply"]
        if reply:
            content = str(parse_xml(reply).get("Content", ""))
            self.say(f"{label} (passive reply)", content)
            return content
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            for entry in (await self.requests())[before:]:
                body = entry.get("body") or {}
                if entry["path"] == "/cgi-bin/message/send" and body.get("touser") == userid:
                    content = _content(body)
                    self.say(f"{label} (app message)", content)
                    return content
            await asyncio.sleep(0.05)
        raise AssertionError(f"no answer to {text!r} for {userid}")

    async def settle(self) -> None:
        await self.stack.service[keys.TASKS].join()

    async def requests(self) -> list[dict[str, Any]]:
        async with ClientSession() as session:
            async with session.get(f"{self.stack.sandbox_url}/_sandbox/requests") as resp:
                return await resp.json()

    async def skip_past(self) -> None:
        """Start the next scene's view of the traffic log from here."""
        self._seen = len(await self.requests())

    async def show_outbound(self) -> list[dict[str, Any]]:
        """Print what the service sent to WeCom since the last call; return those requests."""
        log = await self.requests()
        new, self._seen = log[self._seen :], len(log)
        shown = []
        for entry in new:
            label = _PATH_LABELS.get(entry["path"])
            if label is None:
                continue
            shown.append(entry)
            body = entry.get("body") or {}
            self.say(f"service→WeCom {label}", _summary(body))
        return shown


def _content(body: dict[str, Any]) -> str:
    """The readable part of a message body (text, markdown or a template card)."""
    for key in ("text", "markdown"):
        if isinstance(body.get(key), dict) and "content" in body[key]:
            return str(body[key]["content"])
    card = body.get("template_card")
    if isinstance(card, dict):
        title = card.get("main_title", {}).get("title", "")
        desc = card.get("sub_title_text") or card.get("main_title", {}).get("desc", "")
        buttons = " ".join(f"[{b.get('text', '')}]" for b in card.get("button_list", []))
        return f"〔卡片〕{title}：{desc} {buttons}".strip()
    return json.dumps(body, ensure_ascii=False)[:300]


def _summary(body: dict[str, Any]) -> str:
    target = body.get("touser") or body.get("sender") or body.get("welcome_code") or body.get("code", "")
    if any(k in body for k in ("text", "markdown", "template_card")):
        return f"to {target}: {_content(body)}"
    return json.dumps(body, ensure_ascii=False)[:300]
