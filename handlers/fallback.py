"""Last in line: a text nobody handled gets a short pointer to ``帮助`` instead of silence."""

from __future__ import annotations

from bot.content import Renderer
from bot.routing import Router
from bot.wecom.events import Event
from bot.wecom.replies import TextReply

router = Router(name=__name__)


@router.text()
async def not_understood(event: Event, render: Renderer) -> TextReply:
    text = getattr(event, "content", "")[:30]
    channel = "kf_text" if event.channel == "kf" else "app_text"
    return TextReply(render.text("unknown_command", text=text, channel=channel))
