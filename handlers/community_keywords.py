"""Keyword auto-replies, included before every domain router so operations can answer any text.

Rules come from ``[[keywords]]`` in the configuration and from ``community_keyword_rules`` (see
:mod:`handlers.community_keywords_book`). A reply is the rule's template, or the text operations wrote
in the database row; replies to customers (kf) pass the compliance gate first, and a blocked reply
falls through to the other handlers instead of going out.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.content import Renderer
from bot.matchers import text_of
from bot.routing import Router
from bot.wecom.events import Event
from bot.wecom.replies import TextReply
from handlers.community_keywords_book import CompiledRule, first_match
from handlers.community_service import community_of

log = logging.getLogger("wecombot.community.keywords")
router = Router(name=__name__)


def reply_for(rule: CompiledRule, render: Renderer, channel: str) -> tuple[str, str]:
    """The reply text and the template it came from (``db:NAME`` for text written in the database)."""
    limit = "kf_text" if channel == "kf" else "app_text"
    if rule.spec.template:
        rendered = render.render(rule.spec.template, channel=limit)
        return rendered.text, rendered.template
    return render.text(
        "community/keywords/db_reply", channel=limit, text=rule.spec.reply_text
    ), f"db:{rule.spec.name}"


class KeywordMatch:
    """Matches when a keyword rule applies and its reply may be sent; hands over ``keyword_reply``."""

    provides = frozenset({"keyword_reply"})

    async def __call__(self, event: Event, resources: Any) -> dict[str, Any] | None:
        text = text_of(event)
        if not text:
            return None
        book = community_of(resources.services, resources.settings).keywords
        rules = await book.rules(resources.db)

        async def lookup_role() -> str | None:
            if resources.directory is None:
                return None
            return await resources.directory.role_of(event.sender)

        rule = await first_match(rules, text, event.channel, lookup_role)
        if rule is None:
            return None
        reply, template = reply_for(rule, resources.render, event.channel)
        if event.channel == "kf" and resources.compliance is not None:
            result = resources.compliance.check(reply, kind="service", template=template)
            if not result.passed:
                log.error("keyword reply %s blocked: %s", rule.spec.name, result.blocking)
                return None
        return {"keyword_reply": reply}


@router.text(KeywordMatch())
async def keyword_reply(keyword_reply: str) -> TextReply:
    return TextReply(keyword_reply)
