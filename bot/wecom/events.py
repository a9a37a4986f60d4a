"""Typed WeCom callback events (protocol sheet §3) and the kf customer message pulled by sync_msg.

wechatpy parses only classic messages, so every event the service relies on is typed here; an event
this module does not know becomes :class:`UnknownEvent` with the raw fields kept, so nothing is lost.
Each event knows its ``dedupe_key`` (MsgId for messages; a composite for events, because customer
events all come from ``sys`` without a MsgId) and its ``kind`` (a metrics label and routing key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _str(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Event:
    """Common header; ``raw`` keeps every field as received."""

    raw: dict[str, Any] = field(repr=False)
    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    agent_id: int | None

    channel: ClassVar[str] = "app"

    @property
    def kind(self) -> str:
        return self.msg_type

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.from_user}:{self.create_time}"

    @property
    def sender(self) -> str:
        """Who wrote or triggered it: a member UserID (or ``sys`` for system events)."""
        return self.from_user


@dataclass(frozen=True)
class Message(Event):
    msg_id: str

    @property
    def dedupe_key(self) -> str:
        return f"msg:{self.msg_id}" if self.msg_id else super().dedupe_key


@dataclass(frozen=True)
class TextMessage(Message):
    content: str


@dataclass(frozen=True)
class ImageMessage(Message):
    pic_url: str
    media_id: str


@dataclass(frozen=True)
class VoiceMessage(Message):
    media_id: str
    format: str


@dataclass(frozen=True)
class VideoMessage(Message):
    media_id: str
    thumb_media_id: str


@dataclass(frozen=True)
class LocationMessage(Message):
    latitude: str
    longitude: str
    scale: str
    label: str


@dataclass(frozen=True)
class LinkMessage(Message):
    title: str
    description: str
    url: str
    pic_url: str


@dataclass(frozen=True)
class AppEvent(Event):
    event: str

    @property
    def kind(self) -> str:
        return f"event.{self.event}"


@dataclass(frozen=True)
class EnterAgentEvent(AppEvent):
    pass


@dataclass(frozen=True)
class MenuClickEvent(AppEvent):
    event_key: str


@dataclass(frozen=True)
class MenuViewEvent(AppEvent):
    url: str


@dataclass(frozen=True)
class ChangeEvent(AppEvent):
    """An event with a ChangeType; the kind includes it (``event.change_external_contact.add_...``)."""

    change_type: str

    @property
    def kind(self) -> str:
        return f"event.{self.event}.{self.change_type}"


@dataclass(frozen=True)
class ContactChangeEvent(ChangeEvent):
    user_id: str
    new_user_id: str
    party_id: str
    tag_id: str

    @property
    def dedupe_key(self) -> str:
        ids = self.user_id or self.party_id or self.tag_id
        return f"{self.kind}:{ids}:{self.create_time}"


@dataclass(frozen=True)
class ExternalContactEvent(ChangeEvent):
    user_id: str
    external_user_id: str
    state: str
    welcome_code: str
    source: str
    fail_reason: str

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.user_id}:{self.external_user_id}:{self.create_time}"


@dataclass(frozen=True)
class ExternalChatEvent(ChangeEvent):
    chat_id: str
    update_detail: str
    join_scene: int | None
    quit_scene: int | None
    mem_change_cnt: int
    mem_change_list: tuple[str, ...]
    last_mem_ver: str
    cur_mem_ver: str

    @property
    def kind(self) -> str:
        base = super().kind
        return f"{base}.{self.update_detail}" if self.update_detail else base

    @property
    def dedupe_key(self) -> str:
        version = self.cur_mem_ver or ",".join(self.mem_change_list)
        return f"{self.kind}:{self.chat_id}:{version}:{self.create_time}"


@dataclass(frozen=True)
class ExternalTagEvent(ChangeEvent):
    id: str
    tag_type: str
    strategy_id: str

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.id}:{self.tag_type}:{self.create_time}"


@dataclass(frozen=True)
class TemplateCardEvent(AppEvent):
    event_key: str
    task_id: str
    card_type: str
    response_code: str
    selected_items: tuple[dict[str, Any], ...]

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.from_user}:{self.task_id}:{self.event_key}:{self.create_time}"


@dataclass(frozen=True)
class KfMsgOrEvent(AppEvent):
    """The kf doorbell: no content, only the token and account to pull from (wecom-kf.md §2)."""

    token: str
    open_kfid: str

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.open_kfid}:{self.token}:{self.create_time}"


@dataclass(frozen=True)
class UnknownEvent(Event):
    """Anything not typed above; logged and counted by the callback, never dropped silently."""

    event: str

    @property
    def kind(self) -> str:
        return f"unknown.{self.event or self.msg_type}"


@dataclass(frozen=True)
class KfCustomerMessage(Event):
    """A customer's text pulled through kf/sync_msg (origin 3); routed like an app message."""

    msg_id: str
    open_kfid: str
    external_user_id: str
    content: str
    origin: int = 3

    channel: ClassVar[str] = "kf"

    @property
    def kind(self) -> str:
        return "kf.text"

    @property
    def dedupe_key(self) -> str:
        return f"kf:{self.msg_id}"

    @property
    def sender(self) -> str:
        return self.external_user_id


def _selected_items(raw: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    items = raw.get("SelectedItems")
    if isinstance(items, dict):
        items = items.get("SelectedItem", [])
    if isinstance(items, dict):
        items = [items]
    return tuple(item for item in items or () if isinstance(item, dict))


def _member_list(value: Any) -> tuple[str, ...]:
    """MemChangeList comes as ``<Item>`` elements (new) or a comma-separated CDATA string (old)."""
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return ()


def parse_event(raw: dict[str, Any]) -> Event:
    """Turn the decrypted, parsed callback XML into a typed event."""
    agent = raw.get("AgentID")
    header = dict(
        raw=raw,
        to_user=_str(raw, "ToUserName"),
        from_user=_str(raw, "FromUserName"),
        create_time=_int(raw.get("CreateTime")),
        msg_type=_str(raw, "MsgType"),
        agent_id=_int(agent) if agent not in (None, "") else None,
    )
    msg_type = header["msg_type"]
    msg_id = _str(raw, "MsgId")
    if msg_type == "text":
        return TextMessage(**header, msg_id=msg_id, content=_str(raw, "Content"))
    if msg_type == "image":
        return ImageMessage(
            **header, msg_id=msg_id, pic_url=_str(raw, "PicUrl"), media_id=_str(raw, "MediaId")
        )
    if msg_type == "voice":
        return VoiceMessage(
            **header, msg_id=msg_id, media_id=_str(raw, "MediaId"), format=_str(raw, "Format")
        )
    if msg_type == "video":
        return VideoMessage(
            **header, msg_id=msg_id, media_id=_str(raw, "MediaId"), thumb_media_id=_str(raw, "ThumbMediaId")
        )
    if msg_type == "location":
        return LocationMessage(
            **header,
            msg_id=msg_id,
            latitude=_str(raw, "Location_X"),
            longitude=_str(raw, "Location_Y"),
            scale=_str(raw, "Scale"),
            label=_str(raw, "Label"),
        )
    if msg_type == "link":
        return LinkMessage(
            **header,
            msg_id=msg_id,
            title=_str(raw, "Title"),
            description=_str(raw, "Description"),
            url=_str(raw, "Url"),
            pic_url=_str(raw, "PicUrl"),
        )
    if msg_type == "event":
        return _parse_app_event(raw, header)
    return UnknownEvent(**header, event="")


def _parse_app_event(raw: dict[str, Any], header: dict[str, Any]) -> Event:
    event = _str(raw, "Event")
    change = _str(raw, "ChangeType")
    if event == "enter_agent":
        return EnterAgentEvent(**header, event=event)
    if event == "click":
        return MenuClickEvent(**header, event=event, event_key=_str(raw, "EventKey"))
    if event == "view":
        return MenuViewEvent(**header, event=event, url=_str(raw, "EventKey"))
    if event == "change_contact":
        return ContactChangeEvent(
            **header,
            event=event,
            change_type=change,
            user_id=_str(raw, "UserID"),
            new_user_id=_str(raw, "NewUserID"),
            party_id=_str(raw, "Id"),
            tag_id=_str(raw, "TagId"),
        )
    if event == "change_external_contact":
        return ExternalContactEvent(
            **header,
            event=event,
            change_type=change,
            user_id=_str(raw, "UserID"),
            external_user_id=_str(raw, "ExternalUserID"),
            state=_str(raw, "State"),
            welcome_code=_str(raw, "WelcomeCode"),
            source=_str(raw, "Source"),
            fail_reason=_str(raw, "FailReason"),
        )
    if event == "change_external_chat":
        join, quit_ = raw.get("JoinScene"), raw.get("QuitScene")
        return ExternalChatEvent(
            **header,
            event=event,
            change_type=change,
            chat_id=_str(raw, "ChatId"),
            update_detail=_str(raw, "UpdateDetail"),
            join_scene=_int(join) if join not in (None, "") else None,
            quit_scene=_int(quit_) if quit_ not in (None, "") else None,
            mem_change_cnt=_int(raw.get("MemChangeCnt")),
            mem_change_list=_member_list(raw.get("MemChangeList")),
            last_mem_ver=_str(raw, "LastMemVer"),
            cur_mem_ver=_str(raw, "CurMemVer"),
        )
    if event == "change_external_tag":
        return ExternalTagEvent(
            **header,
            event=event,
            change_type=change,
            id=_str(raw, "Id"),
            tag_type=_str(raw, "TagType"),
            strategy_id=_str(raw, "StrategyId"),
        )
    if event == "template_card_event":
        return TemplateCardEvent(
            **header,
            event=event,
            event_key=_str(raw, "EventKey"),
            task_id=_str(raw, "TaskId"),
            card_type=_str(raw, "CardType"),
            response_code=_str(raw, "ResponseCode"),
            selected_items=_selected_items(raw),
        )
    if event == "kf_msg_or_event":
        return KfMsgOrEvent(**header, event=event, token=_str(raw, "Token"), open_kfid=_str(raw, "OpenKfId"))
    return UnknownEvent(**header, event=event)
