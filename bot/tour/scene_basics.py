"""The foundation scene: a manager writes to the app and gets a passive reply."""

from __future__ import annotations

from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript


async def manager_asks_for_help(stack: EmbeddedStack, t: Transcript) -> None:
    rm = stack.corp.rms()[0]
    t.say(f"理财经理 {rm.name}", "帮助")
    answer = await t.member_asks(rm.userid, "帮助")
    if "帮助" not in answer:
        raise AssertionError(f"unexpected answer to 帮助: {answer!r}")
    await t.show_outbound()
