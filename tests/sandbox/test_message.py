"""message/send, appchat, the group robot and media upload behave like WeCom."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.sandbox.limits import SandboxLimits
from bot.sandbox.store import SANDBOX_WEBHOOK_KEY
from tests.sandbox.conftest import Api, Clock


def _text(touser: str, content: str = "早报已生成", **extra: object) -> dict:
    return {
        "touser": touser,
        "msgtype": "text",
        "agentid": SANDBOX_AGENT_ID,
        "text": {"content": content},
        **extra,
    }


async def test_text_reaches_valid_members_and_reports_invalid_ones(api: Api) -> None:
    answer = await api.post("message/send", _text("rm_zhangwei|Nobody|rm_lina"))
    assert answer["errcode"] == 0 and answer["invaliduser"] == "nobody" and answer["msgid"]
    delivered = await api.inspect("messages")
    assert [m["userid"] for m in delivered] == ["rm_zhangwei", "rm_lina"]
    assert delivered[0]["text"] == {"content": "早报已生成"}


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (_text("rm_zhangwei", agentid=999), 301002),
        (_text("ghost1|ghost2"), 81013),
        (_text(""), 82001),
        (_text("rm_zhangwei", "   "), 44004),
        (_text("rm_zhangwei", "字" * 683), 45002),  # 2049 bytes
        ({**_text("rm_zhangwei"), "msgtype": "telepathy"}, 40008),
        (
            {
                "touser": "rm_zhangwei",
                "msgtype": "news",
                "agentid": SANDBOX_AGENT_ID,
                "news": {"articles": []},
            },
            40058,
        ),
    ],
)
async def test_validation_errors(api: Api, body: dict, errcode: int) -> None:
    assert (await api.post("message/send", body))["errcode"] == errcode
    assert await api.inspect("messages") == []


async def test_2048_bytes_is_still_accepted(api: Api) -> None:
    content = "字" * 682 + "ab"  # 2048 bytes
    assert (await api.post("message/send", _text("rm_lina", content)))["errcode"] == 0


async def test_excess_over_30_per_minute_is_dropped_silently_but_recorded(api: Api, clock: Clock) -> None:
    for _ in range(32):
        assert (await api.post("message/send", _text("rm_zhangwei")))["errcode"] == 0
        clock.advance(1)
    assert len(await api.inspect("messages", userid="rm_zhangwei")) == 30
    dropped = await api.inspect("dropped")
    assert len(dropped) == 2 and dropped[0]["userid"] == "rm_zhangwei"
    clock.advance(60)
    await api.post("message/send", _text("rm_zhangwei"))
    assert len(await api.inspect("messages", userid="rm_zhangwei")) == 31


async def test_hourly_cap_drops_too(make_api, clock: Clock) -> None:
    assert (SandboxLimits().member_per_minute, SandboxLimits().member_per_hour) == (30, 1000)
    api: Api = await make_api(limits=SandboxLimits(member_per_minute=3, member_per_hour=5))
    for _ in range(7):
        await api.post("message/send", _text("rm_lina"))
        clock.advance(30)  # 2/min: under the minute cap, 7 within 4 minutes
    assert len(await api.inspect("messages", userid="rm_lina")) == 5
    assert len(await api.inspect("dropped")) == 2
    clock.advance(3600)
    await api.get_token()
    await api.post("message/send", _text("rm_lina"))
    assert len(await api.inspect("messages", userid="rm_lina")) == 6


async def test_interactive_template_card_gets_response_code(api: Api) -> None:
    card = {
        "card_type": "button_interaction",
        "task_id": "task-1",
        "main_title": {"title": "待确认群发"},
        "button_list": [{"text": "去发送", "key": "send"}],
    }
    body = {
        "touser": "rm_zhangwei",
        "msgtype": "template_card",
        "agentid": SANDBOX_AGENT_ID,
        "template_card": card,
    }
    answer = await api.post("message/send", body)
    assert answer["errcode"] == 0 and answer["response_code"]
    notice = {**body, "template_card": {"card_type": "text_notice", "main_title": {"title": "通知"}}}
    assert "response_code" not in await api.post("message/send", notice)
    bad = {**body, "template_card": {"card_type": "button_interaction"}}
    assert (await api.post("message/send", bad))["errcode"] == 40058


async def test_webhook_unknown_key_and_20_per_minute(api: Api, clock: Clock) -> None:
    msg = {"msgtype": "text", "text": {"content": "今日新增客户 38 人"}}
    resp = await api.client.post("/cgi-bin/webhook/send", params={"key": "nope"}, json=msg)
    assert (await resp.json())["errcode"] == 93000
    codes = []
    for _ in range(21):
        resp = await api.client.post("/cgi-bin/webhook/send", params={"key": SANDBOX_WEBHOOK_KEY}, json=msg)
        codes.append((await resp.json())["errcode"])
    assert codes[:20] == [0] * 20 and codes[20] == 45009
    clock.advance(61)
    resp = await api.client.post("/cgi-bin/webhook/send", params={"key": SANDBOX_WEBHOOK_KEY}, json=msg)
    assert (await resp.json())["errcode"] == 0
    assert len(await api.inspect("webhook_messages")) == 21


async def test_appchat_send_needs_a_chat_created_by_the_app(api: Api) -> None:
    text = {"msgtype": "text", "text": {"content": "合规提醒"}}
    assert (await api.post("appchat/send", {"chatid": "unknown", **text}))["errcode"] == 86001
    created = await api.post(
        "appchat/create",
        {
            "name": "运营群",
            "owner": "ops_liuyan",
            "userlist": ["ops_liuyan", "ops_sunhao"],
            "chatid": "ops01",
        },
    )
    assert created == {"errcode": 0, "errmsg": "ok", "chatid": "ops01"}
    assert (await api.post("appchat/send", {"chatid": "ops01", **text}))["errcode"] == 0
    assert (await api.inspect("appchat_messages"))[0]["chatid"] == "ops01"


async def test_media_upload_returns_a_media_id(api: Api) -> None:
    await api.get_token()
    form = FormData()
    form.add_field("media", b"\x89PNG....synthetic", filename="cover.png", content_type="image/png")
    resp = await api.client.post(
        "/cgi-bin/media/upload", params={"access_token": api.token, "type": "image"}, data=form
    )
    answer = await resp.json()
    assert answer["errcode"] == 0 and answer["type"] == "image" and answer["media_id"]
    form = FormData()
    form.add_field("media", b"abc", filename="x.png")
    resp = await api.client.post(
        "/cgi-bin/media/upload", params={"access_token": api.token, "type": "image"}, data=form
    )
    assert (await resp.json())["errcode"] == 40006
    resp = await api.client.post(
        "/cgi-bin/media/upload", params={"access_token": api.token, "type": "gif"}, data=FormData()
    )
    assert (await resp.json())["errcode"] == 40004
