"""WeChat Customer Service: sync_msg cursor and token, the 5-in-48h rule, session states, codes."""

from __future__ import annotations

import pytest

from bot.sandbox.corp import build_corp
from bot.sandbox.credentials import SANDBOX_KF_OPEN_KFID
from tests.sandbox.conftest import Api, Clock, FakeService

CORP = build_corp()
CUSTOMER = CORP.customers[3].external_userid
KF = SANDBOX_KF_OPEN_KFID


@pytest.fixture
async def kf(make_api, service: tuple[FakeService, str]) -> Api:
    return await make_api(callback_url=service[1])


async def _customer_writes(api: Api, text: str = "000001 这只基金风险等级？", who: str = CUSTOMER) -> dict:
    status, answer = await api.action("kf_message", {"external_userid": who, "text": text})
    assert status == 200, answer
    return answer


def _reply(text: str = "该基金风险等级为 R3。市场有风险，投资需谨慎。", touser: str = CUSTOMER) -> dict:
    return {"touser": touser, "open_kfid": KF, "msgtype": "text", "text": {"content": text}}


async def test_doorbell_then_sync_with_token_and_cursor(kf: Api, service: tuple[FakeService, str]) -> None:
    fake, _ = service
    rang = await _customer_writes(kf)
    assert "<Event><![CDATA[kf_msg_or_event]]></Event>" in fake.received[-1]
    assert f"<Token><![CDATA[{rang['token']}]]></Token>" in fake.received[-1]
    page = await kf.post("kf/sync_msg", {"token": rang["token"], "open_kfid": KF, "limit": 1000})
    assert page["errcode"] == 0 and page["has_more"] == 0
    msg = page["msg_list"][0]
    assert (
        msg["origin"] == 3
        and msg["text"]["content"].startswith("000001")
        and msg["external_userid"] == CUSTOMER
    )
    again = await kf.post("kf/sync_msg", {"cursor": page["next_cursor"], "open_kfid": KF})
    assert again["msg_list"] == []
    assert (await kf.post("kf/sync_msg", {"token": "forged", "open_kfid": KF}))["errcode"] == 95007
    assert (await kf.post("kf/sync_msg", {"open_kfid": "wkother"}))["errcode"] == 95000


async def test_has_more_paging_and_three_day_window(kf: Api, clock: Clock) -> None:
    for i in range(5):
        await _customer_writes(kf, f"第{i}条")
    first = await kf.post("kf/sync_msg", {"open_kfid": KF, "limit": 2})
    assert first["has_more"] == 1 and len(first["msg_list"]) == 2
    rest = await kf.post("kf/sync_msg", {"open_kfid": KF, "cursor": first["next_cursor"], "limit": 1000})
    assert [m["text"]["content"] for m in rest["msg_list"]] == ["第2条", "第3条", "第4条"]
    clock.advance(3 * 86400 + 1)
    await kf.get_token()
    assert (await kf.post("kf/sync_msg", {"open_kfid": KF}))["msg_list"] == []


async def test_callback_token_expires_after_10_minutes(kf: Api, clock: Clock) -> None:
    rang = await _customer_writes(kf)
    clock.advance(601)
    assert (await kf.post("kf/sync_msg", {"token": rang["token"], "open_kfid": KF}))["errcode"] == 95007


async def test_five_replies_per_customer_message(kf: Api) -> None:
    assert (await kf.post("kf/send_msg", _reply()))["errcode"] == 95031  # never wrote
    await _customer_writes(kf)
    codes = [(await kf.post("kf/send_msg", _reply()))["errcode"] for _ in range(6)]
    assert codes == [0, 0, 0, 0, 0, 95001]
    await _customer_writes(kf, "还有一个问题")
    assert (await kf.post("kf/send_msg", _reply()))["errcode"] == 0
    assert len(await kf.inspect("kf/sent")) == 6


async def test_no_reply_after_48_hours(kf: Api, clock: Clock) -> None:
    await _customer_writes(kf)
    clock.advance(48 * 3600 + 1)
    await kf.get_token()
    assert (await kf.post("kf/send_msg", _reply()))["errcode"] == 95002


async def test_reply_validation(kf: Api) -> None:
    await _customer_writes(kf)
    assert (await kf.post("kf/send_msg", _reply("字" * 683)))["errcode"] == 45002
    assert (await kf.post("kf/send_msg", _reply("")))["errcode"] == 44004
    menu = {
        "touser": CUSTOMER,
        "open_kfid": KF,
        "msgtype": "msgmenu",
        "msgmenu": {
            "head_content": "请选择",
            "list": [{"type": "click", "click": {"id": str(i), "content": "x"}} for i in range(11)],
        },
    }
    assert (await kf.post("kf/send_msg", menu))["errcode"] == 95008
    assert (await kf.post("kf/send_msg", {**_reply(), "open_kfid": "wkother"}))["errcode"] == 95000
    assert (await kf.post("kf/send_msg", {**_reply(), "msgid": "dup-1"}))["errcode"] == 0
    assert (await kf.post("kf/send_msg", {**_reply(), "msgid": "dup-1"}))["errcode"] == 40058


async def test_service_states_and_handover(kf: Api) -> None:
    body = {"open_kfid": KF, "external_userid": CUSTOMER}
    assert (await kf.post("kf/service_state/get", body))["service_state"] == 4
    await _customer_writes(kf)
    assert (await kf.post("kf/service_state/get", body))["service_state"] == 0
    assert "msg_code" not in await kf.post("kf/service_state/trans", {**body, "service_state": 1})
    assert (await kf.post("kf/send_msg", _reply()))["errcode"] == 0
    assert (await kf.post("kf/service_state/trans", {**body, "service_state": 0}))["errcode"] == 95016
    bad = await kf.post("kf/service_state/trans", {**body, "service_state": 3, "servicer_userid": "nobody"})
    assert bad["errcode"] == 95014
    handed = await kf.post(
        "kf/service_state/trans", {**body, "service_state": 3, "servicer_userid": "rm_lina"}
    )
    assert handed["errcode"] == 0 and handed["msg_code"]
    state = await kf.post("kf/service_state/get", body)
    assert state["service_state"] == 3 and state["servicer_userid"] == "rm_lina"
    assert (await kf.post("kf/send_msg", _reply()))["errcode"] == 95018
    notice = {"code": handed["msg_code"], "msgtype": "text", "text": {"content": "已为您转接客户经理李娜"}}
    assert (await kf.post("kf/send_msg_on_event", notice))["errcode"] == 0
    assert (await kf.post("kf/send_msg_on_event", notice))["errcode"] == 40058  # one use
    ended = await kf.post("kf/service_state/trans", {**body, "service_state": 4})
    assert ended["msg_code"]
    assert (await kf.post("kf/service_state/trans", {**body, "service_state": 1}))["errcode"] == 95013
    await _customer_writes(kf, "我又来了")
    assert (await kf.post("kf/service_state/get", body))["service_state"] == 0


async def test_enter_session_welcome_code_valid_20_seconds(kf: Api, clock: Clock) -> None:
    status, entered = await kf.action(
        "kf_enter_session", {"external_userid": CUSTOMER, "scene": "fundpage", "scene_param": "000001"}
    )
    assert status == 200
    page = await kf.post("kf/sync_msg", {"open_kfid": KF})
    event = page["msg_list"][0]["event"]
    assert event["event_type"] == "enter_session" and event["welcome_code"] == entered["welcome_code"]
    clock.advance(21)
    late = {"code": entered["welcome_code"], "msgtype": "text", "text": {"content": "您好"}}
    assert (await kf.post("kf/send_msg_on_event", late))["errcode"] == 40058
    customers = await kf.post(
        "kf/customer/batchget",
        {"external_userid_list": [CUSTOMER, "wmnobody"], "need_enter_session_context": 1},
    )
    assert customers["invalid_external_userid"] == ["wmnobody"]
    assert customers["customer_list"][0]["enter_session_context"]["scene_param"] == "000001"
