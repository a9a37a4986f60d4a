"""App messages to members, app group chats, group robots and media upload (protocol sheet §4.2-4.7).

Every app message takes a slot per member in ``touser`` (30/min and 1000/h) before it is sent,
because WeCom silently drops the excess; see :mod:`bot.wecom.ratelimit` for the wait-or-raise policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from bot.wecom.client_base import ClientCore, Json
from bot.wecom.errors import BAD_RESPONSE, WeComError

MAX_TEXT_BYTES = 2048
MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}


def _userids(touser: str | Sequence[str]) -> list[str]:
    """``"a|b"`` or ``["a", "b"]`` -> ``["a", "b"]``; at most 1000, no empty ids."""
    ids = touser.split("|") if isinstance(touser, str) else [str(u) for u in touser]
    ids = [u.strip() for u in ids if u and u.strip()]
    if len(ids) > 1000:
        raise ValueError(f"touser: at most 1000 userids per message, got {len(ids)}")
    return ids


def _check_bytes(name: str, value: str, limit: int, *, required: bool = True) -> None:
    if required and not value:
        raise ValueError(f"{name}: must not be empty")
    size = len(value.encode())
    if size > limit:
        raise ValueError(f"{name}: {size} bytes, WeCom accepts at most {limit} (UTF-8)")


class MessagesMixin(ClientCore):
    async def send_message(self, payload: Mapping[str, Any]) -> Json:
        """``message/send`` with any payload; ``agentid`` defaults to ours, ``touser`` may be a list."""
        body = dict(payload)
        if not body.get("msgtype"):
            raise ValueError("send_message: payload needs a msgtype")
        body.setdefault("agentid", self.settings.agent_id)
        touser = body.get("touser", "")
        ids = _userids(touser) if touser else []
        if not ids and not body.get("toparty") and not body.get("totag"):
            raise ValueError("send_message: touser, toparty and totag are all empty")
        if ids:
            body["touser"] = "|".join(ids)
            # toparty/totag recipients are unknown here; only touser members are limited.
            await self.limiter.app_message(self.settings.corp_id, self.settings.agent_id, ids)
        return await self._post("message/send", body)

    async def send_text(self, touser: str | Sequence[str], content: str) -> Json:
        _check_bytes("text.content", content, MAX_TEXT_BYTES)
        return await self.send_message({"touser": touser, "msgtype": "text", "text": {"content": content}})

    async def send_markdown(self, touser: str | Sequence[str], content: str) -> Json:
        _check_bytes("markdown.content", content, MAX_TEXT_BYTES)
        return await self.send_message(
            {"touser": touser, "msgtype": "markdown", "markdown": {"content": content}}
        )

    async def send_textcard(
        self,
        touser: str | Sequence[str],
        title: str,
        description: str,
        url: str,
        btntxt: str = "详情",
    ) -> Json:
        _check_bytes("textcard.title", title, 128)
        _check_bytes("textcard.description", description, 512)
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"textcard.url: must start with http:// or https://, got {url!r}")
        if len(btntxt) > 4:
            raise ValueError(f"textcard.btntxt: at most 4 characters, got {btntxt!r}")
        card = {"title": title, "description": description, "url": url, "btntxt": btntxt}
        return await self.send_message({"touser": touser, "msgtype": "textcard", "textcard": card})

    async def send_news(self, touser: str | Sequence[str], articles: Sequence[Mapping[str, Any]]) -> Json:
        if not 1 <= len(articles) <= 8:
            raise ValueError(f"news.articles: 1 to 8 articles, got {len(articles)}")
        for i, article in enumerate(articles):
            if not article.get("title"):
                raise ValueError(f"news.articles[{i}]: title is required")
        news = {"articles": [dict(a) for a in articles]}
        return await self.send_message({"touser": touser, "msgtype": "news", "news": news})

    async def send_template_card(self, touser: str | Sequence[str], card: Mapping[str, Any]) -> Json:
        if not card.get("card_type"):
            raise ValueError("template_card: card_type is required")
        return await self.send_message(
            {"touser": touser, "msgtype": "template_card", "template_card": dict(card)}
        )

    async def appchat_send(self, chatid: str, payload: Mapping[str, Any]) -> Json:
        """Send to an app-created internal group chat (86008 if another app created it)."""
        if not chatid:
            raise ValueError("appchat_send: chatid is required")
        if not payload.get("msgtype"):
            raise ValueError("appchat_send: payload needs a msgtype")
        return await self._post("appchat/send", {**payload, "chatid": chatid})

    async def webhook_send(self, key: str, payload: Mapping[str, Any]) -> Json:
        """Group robot (internal groups only), 20/min per key; the key is a credential, never logged."""
        if not key:
            raise ValueError("webhook_send: key is required")
        if not payload.get("msgtype"):
            raise ValueError("webhook_send: payload needs a msgtype")
        await self.limiter.robot(key)
        return await self._call("POST", "webhook/send", params={"key": key}, body=payload, use_token=False)

    async def upload_media(self, media_type: str, filename: str, content: bytes) -> str:
        """Temporary media (valid 3 days); returns the ``media_id``."""
        limit = MEDIA_LIMITS.get(media_type)
        if limit is None:
            raise ValueError(
                f"upload_media: media_type must be one of {sorted(MEDIA_LIMITS)}, got {media_type!r}"
            )
        if not filename:
            raise ValueError("upload_media: filename is required (it is shown to users)")
        if not 5 < len(content) <= limit:
            raise ValueError(
                f"upload_media: {media_type} must be 6 bytes to {limit} bytes, got {len(content)}"
            )

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("media", content, filename=filename, content_type="application/octet-stream")
            return data

        data = await self._call("POST", "media/upload", params={"type": media_type}, form=form)
        media_id = data.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeComError(BAD_RESPONSE, "answer without a media_id", "media/upload")
        return media_id
