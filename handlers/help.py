"""``帮助`` / ``help``: what the bot can do, for staff in the app and for customers through kf.

Each capability adds its lines as a template under ``content_templates/help/lines/`` (``staff_*.j2``,
``customer_*.j2``), so the help grows with the handlers without any wording in Python.
"""

from __future__ import annotations

from bot.content import Renderer
from bot.routing import Router
from bot.wecom.events import Event
from bot.wecom.replies import TextReply

router = Router(name=__name__)


def _lines(render: Renderer, audience: str) -> list[str]:
    return [render.static(kind) for kind in render.list("help/lines", f"{audience}_")]


@router.command("帮助", "help", "?", "？", "菜单")
async def show_help(event: Event, render: Renderer, directory: object) -> TextReply:
    if event.channel == "kf":
        return TextReply(render.text("help/customer", extra=_lines(render, "customer"), channel="kf_text"))
    name = await directory.display_name(event.sender) if directory is not None else None  # type: ignore[attr-defined]
    return TextReply(render.text("help/staff", name=name, extra=_lines(render, "staff"), channel="app_text"))
