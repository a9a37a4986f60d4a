"""The foundation scene: a manager writes to the app and gets a passive reply."""

from __future__ import annotations

from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript
from bot.wecom.xmlparse import parse_xml


async def manager_asks_for_help(stack: EmbeddedStack, t: Transcript) -> None:
    rm = stack.corp.rms()[0]
    t.say(f"理财经理 {rm.name}", "帮助")
    result = await t.action("member_message", {"userid": rm.userid, "text": "帮助"})
    reply = result["callback"]["reply"]
    if not reply:
        raise AssertionError("no passive reply to 帮助")
    t.say("bot (passive reply)", parse_xml(reply)["Content"])
    await t.show_outbound()
