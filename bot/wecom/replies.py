"""What a handler returns, and how a reply becomes a passive XML body (protocol sheet §4.3).

Only text and news can be answered passively inside the HTTP response; markdown and template cards
always go out through ``message/send``. The callback decides which path a reply takes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True)
class Reply:
    passive_ok: bool = field(default=False, init=False)


@dataclass(frozen=True)
class TextReply(Reply):
    content: str
    passive_ok: bool = field(default=True, init=False)


@dataclass(frozen=True)
class MarkdownReply(Reply):
    content: str


@dataclass(frozen=True)
class NewsReply(Reply):
    articles: tuple[dict[str, str], ...]
    passive_ok: bool = field(default=True, init=False)


@dataclass(frozen=True)
class TemplateCardReply(Reply):
    card: dict[str, Any]
    # Plain-text fallback for channels without cards (kf, the chat CLI).
    fallback_text: str = ""


def as_reply(value: object) -> Reply | None:
    """Handlers may return a Reply, a plain string (text) or None."""
    if value is None or isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return TextReply(value) if value else None
    raise TypeError(f"handler returned {type(value).__name__}; return a Reply, str or None")


def reply_text(reply: Reply) -> str:
    """A readable text form of any reply (kf replies, the chat CLI, audit)."""
    if isinstance(reply, TextReply | MarkdownReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return "\n".join(f"{a.get('title', '')} {a.get('url', '')}".strip() for a in reply.articles)
    if isinstance(reply, TemplateCardReply):
        return reply.fallback_text or str(reply.card.get("main_title", {}).get("title", ""))
    return ""


def render_passive_xml(reply: Reply, to_user: str, from_corp: str, now: int | None = None) -> str:
    """The plaintext XML of a passive reply; the caller encrypts it."""
    created = now or int(time.time())
    head = (
        f"<ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_corp)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
    )
    if isinstance(reply, TextReply):
        return (
            f"<xml>{head}<MsgType>{_cdata('text')}</MsgType><Content>{_cdata(reply.content)}</Content></xml>"
        )
    if isinstance(reply, NewsReply):
        items = "".join(
            "<item>"
            f"<Title>{_cdata(a.get('title', ''))}</Title>"
            f"<Description>{_cdata(a.get('description', ''))}</Description>"
            f"<PicUrl>{_cdata(a.get('picurl', ''))}</PicUrl><Url>{_cdata(a.get('url', ''))}</Url>"
            "</item>"
            for a in reply.articles[:8]
        )
        count = min(len(reply.articles), 8)
        return (
            f"<xml>{head}<MsgType>{_cdata('news')}</MsgType><ArticleCount>{count}</ArticleCount>"
            f"<Articles>{items}</Articles></xml>"
        )
    raise ValueError(f"{type(reply).__name__} cannot be a passive reply: {escape(str(reply))[:60]}")
