"""Validation of message payloads shared by message/send, appchat/send, webhook/send and kf."""

from __future__ import annotations

from typing import Any

from bot.sandbox.wire import ApiError, Json, check_bytes, list_field, text_field

APP_MSGTYPES = ("text", "markdown", "textcard", "news", "template_card", "image", "file", "voice", "video")
INTERACTIVE_CARDS = ("button_interaction", "vote_interaction", "multiple_interaction")
CARD_TYPES = ("text_notice", "news_notice", *INTERACTIVE_CARDS)
ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")


def payload_of(body: Json, msgtype: str) -> Json:
    payload = body.get(msgtype)
    if not isinstance(payload, dict):
        raise ApiError(40058, f"missing '{msgtype}' object for msgtype {msgtype}")
    return payload


def check_text(payload: Json, limit: int, what: str = "content") -> str:
    content = payload.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(44004)
    check_bytes(content, limit, what)
    return content


def check_app_payload(body: Json, allowed: tuple[str, ...], *, markdown_limit: int = 2048) -> Json:
    """Validate an app-message payload like WeCom; returns ``{msgtype, <msgtype>: payload}``."""
    msgtype = text_field(body, "msgtype")
    if msgtype not in allowed:
        raise ApiError(40008, f"msgtype {msgtype!r} not supported here")
    payload = payload_of(body, msgtype)
    if msgtype == "text":
        check_text(payload, 2048)
    elif msgtype == "markdown":
        check_text(payload, markdown_limit, "markdown content")
    elif msgtype == "textcard":
        title = text_field(payload, "title")
        text_field(payload, "url")
        check_bytes(title, 128, "textcard title")
        check_bytes(text_field(payload, "description"), 512, "textcard description")
        check_bytes(text_field(payload, "btntxt", required=False), 12, "textcard btntxt")
    elif msgtype == "news":
        articles = list_field(payload, "articles")
        if not 1 <= len(articles) <= 8:
            raise ApiError(40058, "news needs 1 to 8 articles")
        for article in articles:
            if not isinstance(article, dict):
                raise ApiError(40058, "each article must be an object")
            check_bytes(text_field(article, "title"), 128, "article title")
    elif msgtype == "template_card":
        check_card(payload)
    else:  # image / file / voice / video
        text_field(payload, "media_id")
    return {"msgtype": msgtype, msgtype: payload}


def check_card(card: Json) -> None:
    card_type = text_field(card, "card_type")
    if card_type not in CARD_TYPES:
        raise ApiError(40058, f"invalid card_type {card_type!r}")
    if card_type in INTERACTIVE_CARDS:
        task_id = text_field(card, "task_id")
        if len(task_id) > 128:
            raise ApiError(40058, "task_id longer than 128 bytes")
    main_title = card.get("main_title")
    if card_type != "news_notice" and main_title is not None and not isinstance(main_title, dict):
        raise ApiError(40058, "main_title must be an object")


def check_attachments(attachments: Any, media: dict[str, Json]) -> list[Json]:
    """Mass-message / welcome attachments: at most 9, each of a known type (41064 / 40058)."""
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        raise ApiError(40058, "attachments must be a list")
    if len(attachments) > 9:
        raise ApiError(41064, f"{len(attachments)} attachments, at most 9")
    for item in attachments:
        if not isinstance(item, dict):
            raise ApiError(40058, "each attachment must be an object")
        msgtype = text_field(item, "msgtype")
        if msgtype not in ATTACHMENT_TYPES:
            raise ApiError(40058, f"invalid attachment msgtype {msgtype!r}")
        payload = payload_of(item, msgtype)
        if msgtype == "link":
            check_bytes(text_field(payload, "title"), 128, "link title")
            text_field(payload, "url")
            check_bytes(text_field(payload, "desc", required=False), 512, "link desc")
        elif msgtype == "miniprogram":
            check_bytes(text_field(payload, "title"), 64, "miniprogram title")
            text_field(payload, "appid")
            text_field(payload, "page")
            check_media(text_field(payload, "pic_media_id"), media)
        elif msgtype == "image" and payload.get("pic_url"):
            text_field(payload, "pic_url")
        else:
            check_media(text_field(payload, "media_id"), media)
    return attachments


def check_media(media_id: str, media: dict[str, Json]) -> None:
    if media_id not in media:
        raise ApiError(40007, f"media_id {media_id!r} was not uploaded")
