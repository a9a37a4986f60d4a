"""Customer contact (``externalcontact/...``): customers, tags, customer groups, mass-message tasks,
welcome messages and group welcome templates (protocol sheet §4.6).

The app must be listed in 「客户联系 → 可调用接口的应用」, else every call here raises ConfigError (48002).
Calls made here emit no change callback (sheet §0.4): callers keep their own state in sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.wecom.client_base import ClientCore, Json
from bot.wecom.errors import BAD_RESPONSE, InvalidTarget, WeComError

_EC = "externalcontact/"


def _page(name: str, limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise ValueError(f"{name}: limit must be 1..{maximum}, got {limit}")


def _required(**values: str) -> None:
    for name, value in values.items():
        if not value:
            raise ValueError(f"{name} is required")


class ExternalContactMixin(ClientCore):
    # --- customers ---------------------------------------------------------------------------
    async def get_external_contact(self, external_userid: str) -> Json:
        """The whole answer: ``external_contact``, ``follow_user`` (and ``next_cursor`` past 500)."""
        _required(external_userid=external_userid)
        return await self._get(_EC + "get", {"external_userid": external_userid})

    async def list_external_contacts(self, userid: str) -> list[str]:
        """external_userids of one member's customers (WeCom answers 84061 for none: we return [])."""
        _required(userid=userid)
        try:
            data = await self._get(_EC + "list", {"userid": userid})
        except InvalidTarget as exc:
            if exc.errcode == 84061:
                return []
            raise
        return list(data.get("external_userid", []))

    async def get_follow_user_list(self) -> list[str]:
        """Members with customer-contact enabled."""
        data = await self._get(_EC + "get_follow_user_list")
        return list(data.get("follow_user", []))

    async def batch_get_external_contacts(
        self, userid_list: Sequence[str], cursor: str = "", limit: int = 100
    ) -> Json:
        """One page: ``external_contact_list`` and ``next_cursor`` (empty on the last page)."""
        if not 1 <= len(userid_list) <= 100:
            raise ValueError(f"userid_list: 1..100 userids, got {len(userid_list)}")
        _page("batch_get_external_contacts", limit, 100)
        body = {"userid_list": list(userid_list), "cursor": cursor, "limit": limit}
        return await self._post(_EC + "batch/get_by_user", body)

    async def remark_external_contact(
        self,
        userid: str,
        external_userid: str,
        remark: str | None = None,
        description: str | None = None,
    ) -> Json:
        _required(userid=userid, external_userid=external_userid)
        if remark is None and description is None:
            raise ValueError("remark_external_contact: give a remark or a description")
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        if remark is not None:
            body["remark"] = remark
        if description is not None:
            body["description"] = description
        return await self._post(_EC + "remark", body)

    # --- corp tags ---------------------------------------------------------------------------
    async def get_corp_tag_list(
        self, tag_ids: Iterable[str] | None = None, group_ids: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """``tag_group`` list (all groups when both filters are None)."""
        body: dict[str, Any] = {}
        if tag_ids is not None:
            body["tag_id"] = list(tag_ids)
        if group_ids is not None:
            body["group_id"] = list(group_ids)
        data = await self._post(_EC + "get_corp_tag_list", body)
        return list(data.get("tag_group", []))

    async def add_corp_tag(self, group_name: str, tags: list[str]) -> Json:
        """Create tags in a group (created if new); returns the ``tag_group`` object."""
        _required(group_name=group_name)
        if not tags or any(not t for t in tags):
            raise ValueError("add_corp_tag: tags must be a non-empty list of non-empty names")
        data = await self._post(
            _EC + "add_corp_tag", {"group_name": group_name, "tag": [{"name": t} for t in tags]}
        )
        return dict(data.get("tag_group", {}))

    async def mark_tag(
        self,
        userid: str,
        external_userid: str,
        add_tag: Sequence[str] = (),
        remove_tag: Sequence[str] = (),
    ) -> Json:
        """Corp tags on one customer as seen by one member (no callback follows)."""
        _required(userid=userid, external_userid=external_userid)
        if not add_tag and not remove_tag:
            raise ValueError("mark_tag: add_tag and remove_tag are both empty")
        body = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": list(add_tag),
            "remove_tag": list(remove_tag),
        }
        return await self._post(_EC + "mark_tag", body)

    # --- customer groups ---------------------------------------------------------------------
    async def list_group_chats(
        self,
        owner_userids: Sequence[str] | None = None,
        cursor: str = "",
        limit: int = 100,
        status_filter: int = 0,
    ) -> Json:
        """One page: ``group_chat_list`` and ``next_cursor``."""
        _page("list_group_chats", limit, 1000)
        if status_filter not in (0, 1, 2, 3):
            raise ValueError(f"status_filter: 0..3, got {status_filter}")
        body: dict[str, Any] = {"status_filter": status_filter, "cursor": cursor, "limit": limit}
        if owner_userids:
            if len(owner_userids) > 100:
                raise ValueError(f"owner_userids: at most 100, got {len(owner_userids)}")
            body["owner_filter"] = {"userid_list": list(owner_userids)}
        return await self._post(_EC + "groupchat/list", body)

    async def get_group_chat(self, chat_id: str, need_name: bool = True) -> Json:
        """The ``group_chat`` object (members, admins, owner, notice)."""
        _required(chat_id=chat_id)
        data = await self._post(_EC + "groupchat/get", {"chat_id": chat_id, "need_name": int(need_name)})
        return dict(data.get("group_chat", {}))

    # --- mass-message tasks ------------------------------------------------------------------
    async def add_msg_template(self, payload: Mapping[str, Any]) -> Json:
        """Create a task the member confirms in the client; returns ``msgid`` and ``fail_list``."""
        body = dict(payload)
        chat_type = body.get("chat_type", "single")
        if chat_type not in ("single", "group"):
            raise ValueError(f"add_msg_template: chat_type must be single or group, got {chat_type!r}")
        if chat_type == "group" and not body.get("sender"):
            raise ValueError("add_msg_template: sender is required for chat_type=group")
        if chat_type == "single" and not body.get("sender") and not body.get("external_userid"):
            raise ValueError("add_msg_template: give a sender or external_userid")
        if len(body.get("attachments", ())) > 9:
            raise ValueError("add_msg_template: at most 9 attachments")
        if not body.get("text", {}).get("content") and not body.get("attachments"):
            raise ValueError("add_msg_template: text.content or attachments required")
        return await self._post(_EC + "add_msg_template", body)

    async def get_groupmsg_list_v2(self, **query: Any) -> Json:
        """One page of mass messages: ``group_msg_list``, ``next_cursor`` (span of at most a month)."""
        for name in ("chat_type", "start_time", "end_time"):
            if name not in query:
                raise ValueError(f"get_groupmsg_list_v2: {name} is required")
        if int(query["end_time"]) < int(query["start_time"]):
            raise ValueError("get_groupmsg_list_v2: end_time is before start_time")
        return await self._post(_EC + "get_groupmsg_list_v2", query)

    async def get_groupmsg_task(self, msgid: str, cursor: str = "", limit: int = 500) -> Json:
        """Which members have sent the task: ``task_list``, ``next_cursor``."""
        _required(msgid=msgid)
        _page("get_groupmsg_task", limit, 1000)
        return await self._post(_EC + "get_groupmsg_task", {"msgid": msgid, "cursor": cursor, "limit": limit})

    async def get_groupmsg_send_result(
        self, msgid: str, userid: str, cursor: str = "", limit: int = 500
    ) -> Json:
        """Per-recipient results of one member: ``send_list``, ``next_cursor``."""
        _required(msgid=msgid, userid=userid)
        _page("get_groupmsg_send_result", limit, 1000)
        body = {"msgid": msgid, "userid": userid, "cursor": cursor, "limit": limit}
        return await self._post(_EC + "get_groupmsg_send_result", body)

    async def remind_groupmsg_send(self, msgid: str) -> Json:
        """Remind members to confirm (at most 3 times per 24 h per task: 41094 beyond)."""
        _required(msgid=msgid)
        return await self._post(_EC + "remind_groupmsg_send", {"msgid": msgid})

    async def cancel_groupmsg_send(self, msgid: str) -> Json:
        _required(msgid=msgid)
        return await self._post(_EC + "cancel_groupmsg_send", {"msgid": msgid})

    # --- welcome messages --------------------------------------------------------------------
    async def send_welcome_msg(
        self, welcome_code: str, text: str | None = None, attachments: Sequence[Mapping[str, Any]] = ()
    ) -> Json:
        """One use per code, within 20 s of the add event (WelcomeCodeInvalid otherwise)."""
        _required(welcome_code=welcome_code)
        if not text and not attachments:
            raise ValueError("send_welcome_msg: text or attachments required")
        if len(attachments) > 9:
            raise ValueError("send_welcome_msg: at most 9 attachments")
        body: dict[str, Any] = {"welcome_code": welcome_code}
        if text:
            body["text"] = {"content": text}
        if attachments:
            body["attachments"] = [dict(a) for a in attachments]
        return await self._post(_EC + "send_welcome_msg", body)

    async def add_group_welcome_template(self, payload: Mapping[str, Any]) -> str:
        """Create a group welcome template; returns its ``template_id``."""
        if not payload:
            raise ValueError("add_group_welcome_template: empty payload")
        data = await self._post(_EC + "group_welcome_template/add", payload)
        template_id = data.get("template_id")
        if not isinstance(template_id, str) or not template_id:
            raise WeComError(BAD_RESPONSE, "answer without a template_id", _EC + "group_welcome_template/add")
        return template_id

    async def edit_group_welcome_template(self, template_id: str, payload: Mapping[str, Any]) -> Json:
        _required(template_id=template_id)
        return await self._post(_EC + "group_welcome_template/edit", {**payload, "template_id": template_id})

    async def get_group_welcome_template(self, template_id: str) -> Json:
        _required(template_id=template_id)
        return await self._post(_EC + "group_welcome_template/get", {"template_id": template_id})

    async def del_group_welcome_template(self, template_id: str) -> Json:
        _required(template_id=template_id)
        return await self._post(_EC + "group_welcome_template/del", {"template_id": template_id})
