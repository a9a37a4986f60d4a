"""Builders of the decrypted callback XML WeCom sends (protocol sheet §3, kf.md §2).

Each returns the plaintext ``<xml>...</xml>`` that ``CallbackDriver.send`` encrypts. Text goes in
CDATA and numbers as bare text, as in WeCom's own samples. ``create_time`` defaults to now.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from bot.sandbox.credentials import SANDBOX_AGENT_ID, SANDBOX_CORP_ID

Fields = Mapping[str, str | int | list[str] | None]


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, value: str | int | list[str]) -> str:
    if isinstance(value, list):
        items = "".join(f"<Item>{_cdata(v)}</Item>" for v in value)
        return f"<{name}>{items}</{name}>"
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    return f"<{name}>{_cdata(value)}</{name}>"


def build_xml(fields: Fields) -> str:
    """``<xml>`` with one element per field, in order; ``None`` values are left out."""
    body = "".join(_element(k, v) for k, v in fields.items() if v is not None)
    return f"<xml>{body}</xml>"


def _header(from_user: str, msg_type: str, create_time: int | None, corp_id: str) -> dict[str, str | int]:
    return {
        "ToUserName": corp_id,
        "FromUserName": from_user,
        "CreateTime": int(time.time()) if create_time is None else create_time,
        "MsgType": msg_type,
    }


def text_message(
    userid: str,
    content: str,
    msg_id: int,
    *,
    agent_id: int = SANDBOX_AGENT_ID,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
) -> str:
    """A member writes text to the app."""
    fields = {
        **_header(userid, "text", create_time, corp_id),
        "Content": content,
        "MsgId": msg_id,
        "AgentID": agent_id,
    }
    return build_xml(fields)


def app_event(
    userid: str,
    event: str,
    event_key: str = "",
    *,
    agent_id: int = SANDBOX_AGENT_ID,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
    extra: Fields | None = None,
) -> str:
    """``enter_agent``, ``click``, ``view`` and other app events of a member."""
    fields: dict[str, str | int | list[str] | None] = {
        **_header(userid, "event", create_time, corp_id),
        "Event": event,
        "EventKey": event_key,
        "AgentID": agent_id,
    }
    fields.update(extra or {})
    return build_xml(fields)


def template_card_event(
    userid: str,
    task_id: str,
    response_code: str,
    event_key: str,
    *,
    card_type: str = "button_interaction",
    agent_id: int = SANDBOX_AGENT_ID,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
) -> str:
    """A member taps a button of an interactive template card."""
    return app_event(
        userid,
        "template_card_event",
        event_key,
        agent_id=agent_id,
        create_time=create_time,
        corp_id=corp_id,
        extra={"TaskId": task_id, "CardType": card_type, "ResponseCode": response_code},
    )


EXTERNAL_CONTACT_CHANGES = (
    "add_external_contact",
    "edit_external_contact",
    "add_half_external_contact",
    "del_external_contact",
    "del_follow_user",
    "transfer_fail",
)


def external_contact_event(
    change_type: str,
    userid: str,
    external_userid: str,
    *,
    state: str | None = None,
    welcome_code: str | None = None,
    source: str | None = None,
    fail_reason: str | None = None,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
) -> str:
    """``change_external_contact``: a customer relation was added, edited or removed."""
    if change_type not in EXTERNAL_CONTACT_CHANGES:
        raise ValueError(f"unknown change_external_contact ChangeType {change_type!r}")
    fields = {
        **_header("sys", "event", create_time, corp_id),
        "Event": "change_external_contact",
        "ChangeType": change_type,
        "UserID": userid,
        "ExternalUserID": external_userid,
        "State": state,
        "WelcomeCode": welcome_code,
        "Source": source,
        "FailReason": fail_reason,
    }
    return build_xml(fields)


def external_chat_event(
    change_type: str,
    chat_id: str,
    *,
    update_detail: str | None = None,
    join_scene: int | None = None,
    quit_scene: int | None = None,
    members: Iterable[str] = (),
    last_mem_ver: str | None = None,
    cur_mem_ver: str | None = None,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
) -> str:
    """``change_external_chat``: a customer group was created, changed or dismissed."""
    if change_type not in ("create", "update", "dismiss"):
        raise ValueError(f"unknown change_external_chat ChangeType {change_type!r}")
    changed = list(members)
    fields = {
        **_header("sys", "event", create_time, corp_id),
        "Event": "change_external_chat",
        "ChatId": chat_id,
        "ChangeType": change_type,
        "UpdateDetail": update_detail,
        "JoinScene": join_scene,
        "QuitScene": quit_scene,
        "MemChangeCnt": len(changed) if changed else None,
        "MemChangeList": changed or None,
        "LastMemVer": last_mem_ver,
        "CurMemVer": cur_mem_ver,
    }
    return build_xml(fields)


def external_tag_event(
    change_type: str,
    tag_id: str,
    *,
    tag_type: str = "tag",
    strategy_id: str | None = None,
    create_time: int | None = None,
    corp_id: str = SANDBOX_CORP_ID,
) -> str:
    """``change_external_tag``: a corp tag or tag group was created, updated, deleted or shuffled."""
    if change_type not in ("create", "update", "delete", "shuffle"):
        raise ValueError(f"unknown change_external_tag ChangeType {change_type!r}")
    fields = {
        **_header("sys", "event", create_time, corp_id),
        "Event": "change_external_tag",
        "Id": tag_id,
        "TagType": tag_type,
        "ChangeType": change_type,
        "StrategyId": strategy_id,
    }
    return build_xml(fields)


def kf_event(
    token: str, open_kfid: str, *, create_time: int | None = None, corp_id: str = SANDBOX_CORP_ID
) -> str:
    """``kf_msg_or_event``: the doorbell telling the service to call ``kf/sync_msg``."""
    # WeCom's doorbell has no FromUserName.
    header = _header("sys", "event", create_time, corp_id)
    del header["FromUserName"]
    fields = {**header, "Event": "kf_msg_or_event", "Token": token, "OpenKfId": open_kfid}
    return build_xml(fields)
