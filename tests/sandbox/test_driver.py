"""The callback driver signs and encrypts exactly like WeCom, and the actions use it."""

from __future__ import annotations

import aiohttp
import pytest
from defusedxml import ElementTree
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.sandbox import events
from bot.sandbox.corp import build_corp
from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_TOKEN
from bot.sandbox.driver import CallbackDriver, ReplyError, signature
from tests.sandbox.conftest import Api, FakeService

CORP = build_corp()


def _fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ElementTree.fromstring(xml)}


def test_signature_matches_tencents_published_vector() -> None:
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    assert (
        signature("QDG6eK", "1409659589", "263014780", echostr) == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )
    assert signature("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "1476416373", "47744683", "x") != ""


def test_tencent_vector_decrypts_with_the_driver() -> None:
    driver = CallbackDriver(
        "http://127.0.0.1/",
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
        session=None,
    )  # type: ignore[arg-type]
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    assert driver.decrypt(echostr) == "1616140317555161061"


async def test_round_trip_driver_encrypts_wechatpy_decrypts() -> None:
    async with aiohttp.ClientSession() as session:
        driver = CallbackDriver("http://127.0.0.1/", SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, session)
        xml = events.text_message("rm_zhangwei", "查询客户 王女士 的持仓", 42, create_time=1764480123)
        query, body = driver.envelope(xml, agent_id=1000002)
    crypto = WeChatCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID)
    assert _fields(body)["ToUserName"] == SANDBOX_CORP_ID and _fields(body)["AgentID"] == "1000002"
    plain = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert plain == xml
    fields = _fields(plain)
    assert (
        fields["Content"] == "查询客户 王女士 的持仓"
        and fields["MsgId"] == "42"
        and fields["FromUserName"] == "rm_zhangwei"
    )


def test_decrypt_reply_checks_the_signature() -> None:
    crypto = WeChatCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID)
    driver = CallbackDriver("http://127.0.0.1/", SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, None)  # type: ignore[arg-type]
    reply = crypto.encrypt_message("<xml><Content>好的</Content></xml>", "999", "1764480000")
    assert driver.decrypt_reply(reply) == "<xml><Content>好的</Content></xml>"
    with pytest.raises(ReplyError, match="MsgSignature"):
        driver.decrypt_reply(reply.replace("<Nonce><![CDATA[999]]>", "<Nonce><![CDATA[998]]>"))
    with pytest.raises(ReplyError, match="not XML"):
        driver.decrypt_reply("success")
    with pytest.raises(ValueError, match="43"):
        CallbackDriver("http://x/", "t", "short", SANDBOX_CORP_ID, None)  # type: ignore[arg-type]


async def test_verify_url_against_a_service(service: tuple[FakeService, str]) -> None:
    _, url = service
    async with aiohttp.ClientSession() as session:
        driver = CallbackDriver(url, SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, session)
        assert await driver.verify_url("1616140317555161061") == "1616140317555161061"


def test_event_builders_emit_wecom_fields() -> None:
    add = _fields(
        events.external_contact_event(
            "add_external_contact", "rm_lina", "wmX", state="branch_sh01", welcome_code="WC1", create_time=1
        )
    )
    assert (
        add["FromUserName"] == "sys"
        and add["ChangeType"] == "add_external_contact"
        and add["WelcomeCode"] == "WC1"
    )
    assert "Source" not in add
    chat = ElementTree.fromstring(
        events.external_chat_event(
            "update", "wrA", update_detail="add_member", join_scene=3, members=["wm1", "wm2"]
        )
    )
    assert [i.text for i in chat.find("MemChangeList")] == ["wm1", "wm2"] and chat.find(
        "MemChangeCnt"
    ).text == "2"
    kf = _fields(events.kf_event("TOKEN", "wkA"))
    assert kf["Token"] == "TOKEN" and kf["OpenKfId"] == "wkA" and "FromUserName" not in kf
    card = _fields(events.template_card_event("rm_lina", "task-1", "RC", "send"))
    assert card["Event"] == "template_card_event" and card["TaskId"] == "task-1"
    assert _fields(events.external_tag_event("create", "et1"))["TagType"] == "tag"
    assert _fields(events.app_event("rm_lina", "enter_agent"))["EventKey"] == ""
    assert "]]]]><![CDATA[>" in events.text_message("u", "a]]>b", 1)
    assert _fields(events.text_message("u", "a]]>b", 1))["Content"] == "a]]>b"
    with pytest.raises(ValueError, match="ChangeType"):
        events.external_contact_event("bogus", "u", "e")


async def test_member_message_action_returns_decrypted_passive_reply(
    make_api, service: tuple[FakeService, str]
) -> None:
    fake, url = service
    fake.reply = "<xml><MsgType>text</MsgType><Content>您好，张伟</Content></xml>"
    api: Api = await make_api(callback_url=url)
    status, answer = await api.action("member_message", {"userid": "rm_zhangwei", "text": "今日到期"})
    assert status == 200 and answer["callback"]["reply"] == fake.reply
    sent = _fields(fake.received[-1])
    assert sent["Content"] == "今日到期" and sent["MsgId"] == str(answer["msg_id"])


async def test_contact_and_group_actions_change_state_and_call_back(
    make_api, service: tuple[FakeService, str]
) -> None:
    fake, url = service
    api: Api = await make_api(callback_url=url)
    customer = CORP.customers_of("rm_lina")[0].external_userid
    status, _ = await api.action("customer_leaves", {"userid": "rm_lina", "external_userid": customer})
    assert status == 200 and _fields(fake.received[-1])["ChangeType"] == "del_follow_user"
    assert customer not in (await api.get("externalcontact/list", userid="rm_lina"))["external_userid"]
    group = CORP.groups[0]
    status, _ = await api.action("join_group", {"chat_id": group.chat_id, "external_userid": customer})
    assert status == 200 and _fields(fake.received[-1])["UpdateDetail"] == "add_member"
    info = await api.post("externalcontact/groupchat/get", {"chat_id": group.chat_id})
    assert customer in [m["userid"] for m in info["group_chat"]["member_list"]]
    status, _ = await api.action("leave_group", {"chat_id": group.chat_id, "external_userid": customer})
    assert status == 200 and _fields(fake.received[-1])["QuitScene"] == "0"
    assert (await api.action("leave_group", {"chat_id": group.chat_id, "external_userid": customer}))[
        0
    ] == 404
    assert len(await api.inspect("callbacks")) == 3


async def test_actions_need_a_callback_url(api: Api) -> None:
    status, answer = await api.action("member_message", {"userid": "rm_zhangwei", "text": "hi"})
    assert status == 409 and "callback_url" in answer["error"]
    status, _ = await api.action("add_contact", {"userid": "ghost", "state": ""})
    assert status == 404
    status, _ = await api.action("add_contact", {"state": ""})
    assert status == 400
