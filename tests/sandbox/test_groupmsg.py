"""Mass-message tasks: unsent until confirmed, receipts, monthly cap, reminders and validation."""

from __future__ import annotations

import pytest

from bot.sandbox.corp import build_corp
from bot.sandbox.limits import SandboxLimits
from tests.sandbox.conftest import START, Api, Clock

CORP = build_corp()
RM = "rm_zhangwei"
MINE = [c.external_userid for c in CORP.customers_of(RM)]
MY_GROUPS = [g.chat_id for g in CORP.groups if g.owner_userid == RM]
TEXT = {"content": "【财经早报】今日市场要点……市场有风险，投资需谨慎"}


async def _create(api: Api, **body: object) -> dict:
    return await api.post("externalcontact/add_msg_template", {"text": TEXT, **body})


async def _confirm(api: Api, msgid: str, userid: str = RM) -> dict:
    status, answer = await api.action("confirm_mass_task", {"msgid": msgid, "userid": userid})
    assert status == 200, answer
    return answer


async def _results(api: Api, msgid: str, userid: str = RM) -> list[dict]:
    answer = await api.post("externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": userid})
    assert answer["errcode"] == 0
    return answer["send_list"]


async def test_task_stays_unsent_until_the_manager_confirms(api: Api) -> None:
    created = await _create(api, sender=RM, external_userid=MINE[:3])
    assert created["errcode"] == 0 and created["fail_list"] == []
    msgid = created["msgid"]
    task = await api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})
    assert task["task_list"] == [{"userid": RM, "status": 0, "send_time": 0}]
    assert [r["status"] for r in await _results(api, msgid)] == [0, 0, 0]
    await _confirm(api, msgid)
    task = await api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})
    assert task["task_list"][0]["status"] == 2
    assert {r["external_userid"] for r in await _results(api, msgid) if r["status"] == 1} == set(MINE[:3])


async def test_group_task_targets_the_senders_groups(api: Api) -> None:
    created = await _create(api, chat_type="group", sender=RM, chat_id_list=[*MY_GROUPS, "wrnotmine"])
    assert created["fail_list"] == ["wrnotmine"]
    await _confirm(api, created["msgid"])
    rows = await _results(api, created["msgid"])
    assert {r["chat_id"] for r in rows} == set(MY_GROUPS) and {r["status"] for r in rows} == {1}
    listed = await api.post(
        "externalcontact/get_groupmsg_list_v2",
        {"chat_type": "group", "start_time": int(START) - 10, "end_time": int(START) + 10},
    )
    assert [m["msgid"] for m in listed["group_msg_list"]] == [created["msgid"]]


async def test_monthly_cap_fail_list_and_status_3(make_api, clock: Clock) -> None:
    api: Api = await make_api(limits=SandboxLimits(mass_monthly_cap=2))
    target = MINE[:1]
    pending = await _create(api, sender=RM, external_userid=target)  # created before the cap is reached
    for _ in range(2):
        await _confirm(api, (await _create(api, sender=RM, external_userid=target))["msgid"])
        clock.advance(60)
    over = await api.post(
        "externalcontact/add_msg_template", {"text": TEXT, "sender": RM, "external_userid": target}
    )
    assert over["errcode"] == 41048  # the only target is over the cap: nobody to send to
    mixed = await _create(api, sender=RM, external_userid=MINE[:2])
    assert mixed["fail_list"] == target
    await _confirm(api, pending["msgid"])
    assert [r["status"] for r in await _results(api, pending["msgid"])] == [3]
    clock.advance(31 * 86400)  # next natural month
    await api.get_token()  # the old token expired long ago
    fresh = (await _create(api, sender=RM, external_userid=target))["msgid"]
    await _confirm(api, fresh)
    assert [r["status"] for r in await _results(api, fresh)] == [1]


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"chat_type": "group", "text": TEXT}, 40058),  # group needs a sender
        ({"sender": "ghost", "text": TEXT}, 40003),
        ({"sender": RM}, 44004),
        (
            {
                "sender": RM,
                "text": TEXT,
                "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "u"}}] * 10,
            },
            41064,
        ),
        ({"sender": RM, "text": {"content": "字" * 1334}}, 45002),
        ({"sender": RM, "text": TEXT, "external_userid": ["wmnobody"]}, 41048),
        ({"sender": RM, "text": TEXT, "chat_id_list": MY_GROUPS}, 40058),
        (
            {
                "sender": RM,
                "text": TEXT,
                "attachments": [{"msgtype": "image", "image": {"media_id": "nope"}}],
            },
            40007,
        ),
    ],
)
async def test_add_msg_template_validation(api: Api, body: dict, errcode: int) -> None:
    assert (await api.post("externalcontact/add_msg_template", body))["errcode"] == errcode


async def test_unknown_customers_land_in_fail_list(api: Api) -> None:
    created = await _create(api, sender=RM, external_userid=[MINE[0], "wmnobody"])
    assert created["fail_list"] == ["wmnobody"]


async def test_remind_three_times_per_day_and_cancel(api: Api, clock: Clock) -> None:
    msgid = (await _create(api, sender=RM, external_userid=MINE[:2]))["msgid"]
    codes = [
        (await api.post("externalcontact/remind_groupmsg_send", {"msgid": msgid}))["errcode"]
        for _ in range(4)
    ]
    assert codes == [0, 0, 0, 45009]
    clock.advance(86401)
    await api.get_token()
    assert (await api.post("externalcontact/remind_groupmsg_send", {"msgid": msgid}))["errcode"] == 0
    assert (await api.post("externalcontact/cancel_groupmsg_send", {"msgid": msgid}))["errcode"] == 0
    status, _ = await api.action("confirm_mass_task", {"msgid": msgid, "userid": RM})
    assert status == 409
    assert (await api.inspect("mass_tasks"))[0]["cancelled"] is True


async def test_dispatching_window_answers_41063(make_api, clock: Clock) -> None:
    api: Api = await make_api(limits=SandboxLimits(mass_dispatch_seconds=1))
    msgid = (await _create(api, sender=RM, external_userid=MINE[:1]))["msgid"]
    assert (await api.post("externalcontact/get_groupmsg_task", {"msgid": msgid}))["errcode"] == 41063
    clock.advance(1)
    assert (await api.post("externalcontact/get_groupmsg_task", {"msgid": msgid}))["errcode"] == 0


async def test_list_v2_rejects_spans_over_a_month(api: Api) -> None:
    body = {"chat_type": "single", "start_time": int(START), "end_time": int(START) + 40 * 86400}
    assert (await api.post("externalcontact/get_groupmsg_list_v2", body))["errcode"] == 40058
