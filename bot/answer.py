"""Send a handler's reply through the API when it could not go back in the HTTP response.

App events: ``message/send`` to the member (text, markdown, news, template card). kf customers:
``kf/send_msg`` as text (kf has no markdown or cards). System events (``sys``) have nobody to answer.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.wecom.events import Event, KfCustomerMessage
from bot.wecom.replies import MarkdownReply, NewsReply, Reply, TemplateCardReply, TextReply, reply_text

log = logging.getLogger("wecombot.answer")


async def send_reply_via_api(wecom: Any, event: Event, reply: Reply) -> None:
    if isinstance(event, KfCustomerMessage):
        await wecom.kf_send_msg(
            event.external_user_id,
            event.open_kfid,
            "text",
            {"content": reply_text(reply)},
            msgid=f"r{event.msg_id}"[:32].replace(".", "_"),
        )
        return
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
