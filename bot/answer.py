"""Send a handler's reply through the API when it could not go back in the HTTP response.

App events: ``message/send`` to the member (text, markdown, news, template card). System events
(``sys``) have nobody to answer. kf customers are never answered from here: their messages arrive
through the kf puller (``bot/kf``), which sends the reply itself after checking the session state and
the 5-in-48-hours budget.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.wecom.events import Event, KfCustomerMessage
from bot.wecom.replies import MarkdownReply, NewsReply, Reply, TemplateCardReply, TextReply

log = logging.getLogger("wecombot.answer")


async def send_reply_via_api(wecom: Any, event: Event, reply: Reply) -> None:
    if isinstance(event, KfCustomerMessage):
        raise TypeError("kf replies go through the kf puller's session checks, not message/send")
    to = event.sender
    if not to or to == "sys":
        log.info("reply to %s dropped: a system event has no recipient", event.kind)
        return
    if isinstance(reply, TextReply):
        await wecom.send_text(to, reply.content)
    elif isinstance(reply, MarkdownReply):
        await wecom.send_markdown(to, reply.content)
    elif isinstance(reply, NewsReply):
        await wecom.send_news(to, list(reply.articles))
    elif isinstance(reply, TemplateCardReply):
        await wecom.send_template_card(to, reply.card)
    else:
        raise TypeError(f"cannot send {type(reply).__name__}")
