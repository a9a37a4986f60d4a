"""Each typed method sends the right HTTP method, path, query and JSON body, and returns the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.wecom.client import WeComClient
from bot.wecom.errors import InvalidTarget
from tests.wecom_client.fakewecom import FakeWeCom

Call = Callable[[WeComClient], Awaitable[Any]]
A = SANDBOX_AGENT_ID
EC = "externalcontact/"
CARD = {"card_type": "text_notice", "main_title": {"title": "合成到期提醒"}}

CASES: list[tuple[str, Call, str, str, dict[str, str], Any, Any]] = [
    # (id, call, method, path, query beyond access_token, body, expected return)
    (
        "send_text",
        lambda c: c.send_text(["rm_a", "rm_b"], "今日 3 位客户到期"),
        "POST",
        "message/send",
        {},
        {"touser": "rm_a|rm_b", "msgtype": "text", "text": {"content": "今日 3 位客户到期"}, "agentid": A},
        None,
    ),
    (
        "send_markdown",
        lambda c: c.send_markdown("rm_a", "**早报**"),
        "POST",
        "message/send",
        {},
        {"touser": "rm_a", "msgtype": "markdown", "markdown": {"content": "**早报**"}, "agentid": A},
        None,
    ),
    (
        "send_textcard",
        lambda c: c.send_textcard("rm_a", "到期提醒", "<div>王女士</div>", "https://x.test/m"),
        "POST",
        "message/send",
        {},
        {
            "touser": "rm_a",
            "msgtype": "textcard",
            "agentid": A,
            "textcard": {
                "title": "到期提醒",
                "description": "<div>王女士</div>",
                "url": "https://x.test/m",
                "btntxt": "详情",
            },
        },
        None,
    ),
    (
        "send_news",
        lambda c: c.send_news("rm_a", [{"title": "投教", "url": "https://x.test/n"}]),
        "POST",
        "message/send",
        {},
        {
            "touser": "rm_a",
            "msgtype": "news",
            "agentid": A,
            "news": {"articles": [{"title": "投教", "url": "https://x.test/n"}]},
        },
        None,
    ),
    (
        "send_template_card",
        lambda c: c.send_template_card("rm_a", CARD),
        "POST",
        "message/send",
        {},
        {"touser": "rm_a", "msgtype": "template_card", "template_card": CARD, "agentid": A},
        None,
    ),
    (
        "send_message",
        lambda c: c.send_message({"touser": "rm_a", "msgtype": "text", "text": {"content": "x"}, "safe": 1}),
        "POST",
        "message/send",
        {},
        {"touser": "rm_a", "msgtype": "text", "text": {"content": "x"}, "safe": 1, "agentid": A},
        None,
    ),
    (
        "appchat_send",
        lambda c: c.appchat_send("chatSyn1", {"msgtype": "text", "text": {"content": "hi"}}),
        "POST",
        "appchat/send",
        {},
        {"chatid": "chatSyn1", "msgtype": "text", "text": {"content": "hi"}},
        None,
    ),
    (
        "get_external_contact",
        lambda c: c.get_external_contact("wmSyn1"),
        "GET",
        EC + "get",
        {"external_userid": "wmSyn1"},
        None,
        None,
    ),
    (
        "list_external_contacts",
        lambda c: c.list_external_contacts("rm_a"),
        "GET",
        EC + "list",
        {"userid": "rm_a"},
        None,
        ["wmSynthetic1", "wmSynthetic2"],
    ),
    (
        "get_follow_user_list",
        lambda c: c.get_follow_user_list(),
        "GET",
        EC + "get_follow_user_list",
        {},
        None,
        ["rm_synthetic_a", "rm_synthetic_b"],
    ),
    (
        "batch_get_external_contacts",
        lambda c: c.batch_get_external_contacts(["rm_a"], cursor="c1", limit=50),
        "POST",
        EC + "batch/get_by_user",
        {},
        {"userid_list": ["rm_a"], "cursor": "c1", "limit": 50},
        None,
    ),
    (
        "remark_external_contact",
        lambda c: c.remark_external_contact("rm_a", "wmSyn1", remark="王女士"),
        "POST",
        EC + "remark",
        {},
        {"userid": "rm_a", "external_userid": "wmSyn1", "remark": "王女士"},
        None,
    ),
    (
        "get_corp_tag_list",
        lambda c: c.get_corp_tag_list(group_ids=["etG1"]),
        "POST",
        EC + "get_corp_tag_list",
        {},
        {"group_id": ["etG1"]},
        [{"group_id": "etG1", "group_name": "风险偏好", "tag": []}],
    ),
    (
        "add_corp_tag",
        lambda c: c.add_corp_tag("兴趣", ["养老", "教育"]),
        "POST",
        EC + "add_corp_tag",
        {},
        {"group_name": "兴趣", "tag": [{"name": "养老"}, {"name": "教育"}]},
        {"group_id": "etG2", "group_name": "兴趣", "tag": []},
    ),
    (
        "mark_tag",
        lambda c: c.mark_tag("rm_a", "wmSyn1", add_tag=["et1"]),
        "POST",
        EC + "mark_tag",
        {},
        {"userid": "rm_a", "external_userid": "wmSyn1", "add_tag": ["et1"], "remove_tag": []},
        None,
    ),
    (
        "list_group_chats",
        lambda c: c.list_group_chats(["rm_a"], limit=10),
        "POST",
        EC + "groupchat/list",
        {},
        {"status_filter": 0, "cursor": "", "limit": 10, "owner_filter": {"userid_list": ["rm_a"]}},
        None,
    ),
    (
        "get_group_chat",
        lambda c: c.get_group_chat("wrSynthetic1", need_name=False),
        "POST",
        EC + "groupchat/get",
        {},
        {"chat_id": "wrSynthetic1", "need_name": 0},
        {"chat_id": "wrSynthetic1", "name": "合成测试群"},
    ),
    (
        "add_msg_template",
        lambda c: c.add_msg_template({"chat_type": "group", "sender": "rm_a", "text": {"content": "早报"}}),
        "POST",
        EC + "add_msg_template",
        {},
        {"chat_type": "group", "sender": "rm_a", "text": {"content": "早报"}},
        None,
    ),
    (
        "get_groupmsg_list_v2",
        lambda c: c.get_groupmsg_list_v2(chat_type="group", start_time=1, end_time=2),
        "POST",
        EC + "get_groupmsg_list_v2",
        {},
        {"chat_type": "group", "start_time": 1, "end_time": 2},
        None,
    ),
    (
        "get_groupmsg_task",
        lambda c: c.get_groupmsg_task("msgSyn1"),
        "POST",
        EC + "get_groupmsg_task",
        {},
        {"msgid": "msgSyn1", "cursor": "", "limit": 500},
        None,
    ),
    (
        "get_groupmsg_send_result",
        lambda c: c.get_groupmsg_send_result("msgSyn1", "rm_a", limit=100),
        "POST",
        EC + "get_groupmsg_send_result",
        {},
        {"msgid": "msgSyn1", "userid": "rm_a", "cursor": "", "limit": 100},
        None,
    ),
    (
        "remind_groupmsg_send",
        lambda c: c.remind_groupmsg_send("msgSyn1"),
        "POST",
        EC + "remind_groupmsg_send",
        {},
        {"msgid": "msgSyn1"},
        None,
    ),
    (
        "cancel_groupmsg_send",
        lambda c: c.cancel_groupmsg_send("msgSyn1"),
        "POST",
        EC + "cancel_groupmsg_send",
        {},
        {"msgid": "msgSyn1"},
        None,
    ),
    (
        "send_welcome_msg",
        lambda c: c.send_welcome_msg(
            "WCsyn",
            text="欢迎",
            attachments=[{"msgtype": "link", "link": {"title": "t", "url": "https://x.test"}}],
        ),
        "POST",
        EC + "send_welcome_msg",
        {},
        {
            "welcome_code": "WCsyn",
            "text": {"content": "欢迎"},
            "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://x.test"}}],
        },
        None,
    ),
    (
        "add_group_welcome_template",
        lambda c: c.add_group_welcome_template({"text": {"content": "%NICKNAME%"}}),
        "POST",
        EC + "group_welcome_template/add",
        {},
        {"text": {"content": "%NICKNAME%"}},
        "tplSynthetic1",
    ),
    (
        "edit_group_welcome_template",
        lambda c: c.edit_group_welcome_template("tpl1", {"text": {"content": "x"}}),
        "POST",
        EC + "group_welcome_template/edit",
        {},
        {"template_id": "tpl1", "text": {"content": "x"}},
        None,
    ),
    (
        "get_group_welcome_template",
        lambda c: c.get_group_welcome_template("tpl1"),
        "POST",
        EC + "group_welcome_template/get",
        {},
        {"template_id": "tpl1"},
        None,
    ),
    (
        "del_group_welcome_template",
        lambda c: c.del_group_welcome_template("tpl1"),
        "POST",
        EC + "group_welcome_template/del",
        {},
        {"template_id": "tpl1"},
        None,
    ),
    (
        "kf_sync_msg",
        lambda c: c.kf_sync_msg("wkSyn", cursor="c2", token="T1"),
        "POST",
        "kf/sync_msg",
        {},
        {"open_kfid": "wkSyn", "limit": 1000, "cursor": "c2", "token": "T1"},
        None,
    ),
    (
        "kf_send_msg",
        lambda c: c.kf_send_msg("wmSyn1", "wkSyn", "text", {"content": "您好"}, msgid="m1-r1"),
        "POST",
        "kf/send_msg",
        {},
        {
            "touser": "wmSyn1",
            "open_kfid": "wkSyn",
            "msgtype": "text",
            "text": {"content": "您好"},
            "msgid": "m1-r1",
        },
        None,
    ),
    (
        "kf_send_msg_on_event",
        lambda c: c.kf_send_msg_on_event("WC", "text", {"content": "欢迎"}),
        "POST",
        "kf/send_msg_on_event",
        {},
        {"code": "WC", "msgtype": "text", "text": {"content": "欢迎"}},
        None,
    ),
    (
        "kf_service_state_get",
        lambda c: c.kf_service_state_get("wkSyn", "wmSyn1"),
        "POST",
        "kf/service_state/get",
        {},
        {"open_kfid": "wkSyn", "external_userid": "wmSyn1"},
        None,
    ),
    (
        "kf_service_state_trans",
        lambda c: c.kf_service_state_trans("wkSyn", "wmSyn1", 3, "rm_a"),
        "POST",
        "kf/service_state/trans",
        {},
        {"open_kfid": "wkSyn", "external_userid": "wmSyn1", "service_state": 3, "servicer_userid": "rm_a"},
        None,
    ),
    (
        "kf_customer_batchget",
        lambda c: c.kf_customer_batchget(["wmSyn1"], True),
        "POST",
        "kf/customer/batchget",
        {},
        {"external_userid_list": ["wmSyn1"], "need_enter_session_context": 1},
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_method_sends_the_documented_request(
    client: WeComClient,
    fake: tuple[FakeWeCom, str],
    call: Call,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    expected: Any,
) -> None:
    wecom, _ = fake
    result = await call(client)
    api = [r for r in wecom.requests if r.path != "gettoken"]
    assert len(api) == 1, [r.path for r in api]
    sent = api[0]
    assert (sent.method, sent.path) == (method, path)
    assert sent.query.pop("access_token") in wecom.tokens
    assert sent.query == query
    assert sent.body == body
    if expected is not None:
        assert result == expected
    elif isinstance(result, dict):
        assert result["errcode"] == 0


async def test_webhook_send_uses_the_key_and_no_token(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    payload = {"msgtype": "text", "text": {"content": "【运营】今日新增客户 38 人"}}
    await client.webhook_send("synthetic-robot-key", payload)
    assert [(r.path, r.query, r.body) for r in wecom.requests] == [
        ("webhook/send", {"key": "synthetic-robot-key"}, payload)
    ]


async def test_upload_media_sends_multipart_and_returns_media_id(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    media_id = await client.upload_media("image", "synthetic.png", b"\x89PNG-synthetic-bytes")
    assert media_id == "synthetic-media-1"
    (sent,) = wecom.calls("media/upload")
    assert sent.query["type"] == "image"
    assert sent.body == {"filename": "synthetic.png", "size": 20}


async def test_json_is_sent_as_raw_utf8(client: WeComClient, fake: tuple[FakeWeCom, str]) -> None:
    """WeCom counts bytes and rejects \\uxxxx escapes (40033): Chinese must go out as UTF-8."""
    wecom, _ = fake
    await client.send_text("rm_a", "市场有风险，投资需谨慎")
    (sent,) = wecom.calls("message/send")
    assert sent.body["text"]["content"] == "市场有风险，投资需谨慎"


async def test_member_without_customers_lists_empty(client: WeComClient, fake: tuple[FakeWeCom, str]) -> None:
    wecom, _ = fake
    wecom.queue(EC + "list", {"errcode": 84061, "errmsg": "not external contact"})
    assert await client.list_external_contacts("rm_new") == []


async def test_errcode_becomes_typed_error_with_path(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    wecom.queue("message/send", {"errcode": 81013, "errmsg": "user & party & tag all invalid"})
    with pytest.raises(InvalidTarget) as info:
        await client.send_text("rm_gone", "x")
    assert (info.value.errcode, info.value.path) == (81013, "message/send")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send_text([], "x"),
        lambda c: c.send_text("rm_a", ""),
        lambda c: c.send_text("rm_a", "长" * 700),  # 2100 bytes
        lambda c: c.send_textcard("rm_a", "t", "d", "ftp://x", "详情"),
        lambda c: c.send_textcard("rm_a", "t", "d", "https://x.test", "查看详情按钮"),
        lambda c: c.send_news("rm_a", []),
        lambda c: c.upload_media("pdf", "a.pdf", b"123456"),
        lambda c: c.upload_media("image", "a.png", b"123"),
        lambda c: c.mark_tag("rm_a", "wm1"),
        lambda c: c.add_msg_template({"chat_type": "group", "text": {"content": "x"}}),
        lambda c: c.send_welcome_msg("WC"),
        lambda c: c.kf_send_msg("wm1", "wk1", "text", {"content": "x"}, msgid="bad id!"),
        lambda c: c.kf_send_msg("wm1", "wk1", "business_card", {"userid": "x"}),
        lambda c: c.kf_service_state_trans("wk1", "wm1", 3),
        lambda c: c.kf_customer_batchget([]),
        lambda c: c.batch_get_external_contacts(["rm_a"], limit=101),
    ],
)
async def test_bad_arguments_fail_before_any_call(
    client: WeComClient, fake: tuple[FakeWeCom, str], call: Call
) -> None:
    wecom, _ = fake
    with pytest.raises(ValueError):
        await call(client)
    assert wecom.requests == []
