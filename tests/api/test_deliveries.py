"""Deliveries (the outbox) with filters, paging and the manager's scope; per-day counts; and a day's
coverage after a real campaign went out through the simulator and the managers confirmed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select

from bot import keys
from bot.db.models import CustomerManager, MassTask, Outbox
from bot.queries.paging import SHANGHAI
from tests.api.conftest import ApiCaller
from tests.campaigns.helpers import wait_for

NOW = datetime.now(UTC).replace(microsecond=0)


async def _customer_of(api: ApiCaller, manager: str, other: bool = False) -> str:
    where = CustomerManager.userid != manager if other else CustomerManager.userid == manager
    statement = select(CustomerManager.external_userid).where(where).order_by(CustomerManager.external_userid)
    async with api.stack.service[keys.DB]() as session:
        return str((await session.execute(statement)).scalars().first())


async def _arrange(api: ApiCaller) -> dict[str, str]:
    """Six rows over three days: two of rm_zhangwei's, four of others."""
    mine, theirs = await _customer_of(api, "rm_zhangwei"), await _customer_of(api, "rm_zhangwei", other=True)
    rows = [  # key, channel, target, sender, status, days ago
        ("a", "kf_reply", mine, None, "sent", 0),
        ("b", "app_message", "ops_liuyan", None, "sent", 0),
        ("c", "mass_task", "rm_zhangwei", "rm_zhangwei", "failed", 1),
        ("d", "kf_reply", theirs, None, "pending", 1),
        ("e", "app_message", "rm_lina", None, "sent", 2),
        ("f", "app_message", "rm_wangfang", None, "blocked", 2),
    ]
    async with api.stack.service[keys.DB]() as session:
        for i, (key, channel, target, sender, status, ago) in enumerate(rows):
            session.add(
                Outbox(
                    idempotency_key=f"test|{key}",
                    channel=channel,
                    target=target,
                    sender=sender,
                    payload={},
                    rendered_text=f"消息 {key}",
                    status=status,
                    created_at=NOW - timedelta(days=ago, minutes=i),
                )
            )
        await session.commit()
    return {"mine": mine, "theirs": theirs}


async def test_deliveries_filter_and_page_newest_first(api: ApiCaller) -> None:
    await _arrange(api)
    status, body = await api.call("GET", "/api/v1/deliveries", role="operations")
    assert status == 200, body
    assert [d["text"] for d in body["deliveries"]] == [f"消息 {k}" for k in "abcdef"]
    assert body["total"] == 6 and body["next_offset"] is None

    status, page = await api.call("GET", "/api/v1/deliveries?limit=2&offset=2")
    assert [d["text"] for d in page["deliveries"]] == ["消息 c", "消息 d"]
    assert page["total"] == 6 and page["next_offset"] == 4

    status, sent = await api.call("GET", "/api/v1/deliveries?status=sent")
    assert [d["text"] for d in sent["deliveries"]] == ["消息 a", "消息 b", "消息 e"]
    status, apps = await api.call("GET", "/api/v1/deliveries?channel=app_message&status=sent")
    assert [d["text"] for d in apps["deliveries"]] == ["消息 b", "消息 e"]

    since, until = (NOW - timedelta(days=1, hours=1)).isoformat(), (NOW - timedelta(hours=12)).isoformat()
    status, window = await api.call("GET", f"/api/v1/deliveries?since={_q(since)}&until={_q(until)}")
    assert status == 200, window
    assert [d["text"] for d in window["deliveries"]] == ["消息 c", "消息 d"]
    day = (NOW - timedelta(minutes=1)).astimezone(SHANGHAI).date()  # a plain date is a Shanghai day
    status, today = await api.call("GET", f"/api/v1/deliveries?since={day}&until={day}")
    assert [d["text"] for d in today["deliveries"]] == ["消息 a", "消息 b"]


def _q(value: str) -> str:
    return quote(value, safe="")


async def test_a_manager_sees_only_rows_to_them_or_their_customers(api: ApiCaller) -> None:
    ids = await _arrange(api)
    manager = await api.browser("rm_zhangwei")
    status, body = await manager.call("GET", "/api/v1/deliveries")
    assert status == 200, body
    assert {d["target"] for d in body["deliveries"]} == {ids["mine"], "rm_zhangwei"}
    assert body["total"] == 2
    status, daily = await manager.call("GET", "/api/v1/deliveries/daily?days=3")
    assert sum(day["total"] for day in daily["days"]) == 2


async def test_daily_counts_cover_every_day_by_status(api: ApiCaller) -> None:
    await _arrange(api)
    status, body = await api.call("GET", "/api/v1/deliveries/daily?days=5", role="reviewer")
    assert status == 200, body
    days = body["days"]
    assert len(days) == 5 and [d["day"] for d in days] == sorted(d["day"] for d in days)
    assert days[-1]["day"] == NOW.astimezone(SHANGHAI).date().isoformat()
    assert sum(d["total"] for d in days) == 6
    assert sum(d["counts"]["sent"] for d in days) == 3
    assert sum(d["counts"]["blocked"] for d in days) == 1
    assert set(body["statuses"]) >= {"pending", "sent", "failed", "blocked"}
    status, default = await api.call("GET", "/api/v1/deliveries/daily")
    assert len(default["days"]) == 14


async def test_delivery_validation_names_the_field(api: ApiCaller) -> None:
    cases = [
        ("/api/v1/deliveries?status=lost", "status"),
        ("/api/v1/deliveries?channel=fax", "channel"),
        ("/api/v1/deliveries?limit=0", "limit"),
        ("/api/v1/deliveries?limit=501", "limit"),
        ("/api/v1/deliveries?offset=-1", "offset"),
        ("/api/v1/deliveries?campaign=abc", "campaign"),
        ("/api/v1/deliveries?since=yesterday", "since"),
        ("/api/v1/deliveries?since=2026-11-30&until=2026-11-01", "until"),
        ("/api/v1/deliveries?colour=red", "colour"),
        ("/api/v1/deliveries/daily?days=91", "days"),
        ("/api/v1/coverage?day=30.11.2026", "day"),
    ]
    for path, field in cases:
        status, body = await api.call("GET", path)
        assert status == 400 and body.get("field") == field, (path, body)


def _last_ten_oclock() -> datetime:
    """A send time outside the customers' quiet hours (21:30-08:00) that is already due."""
    local = datetime.now(SHANGHAI)
    ten = local.replace(hour=10, minute=0, second=0, microsecond=0)
    return ten if ten <= local else ten - timedelta(days=1)


async def test_coverage_of_a_campaign_sent_through_the_simulator(api: ApiCaller) -> None:
    campaign = {
        "name": "覆盖率测试",
        "template": "notice",
        "author": "ops_liuyan",
        "content_kind": "service",
        "audience": {"chat_type": "single", "segments": ["affluent"]},
        "variables": {"title": "服务提示", "body": "网点营业时间调整。"},
        "schedule": {"kind": "once", "at": "2027-06-01T10:00:00+08:00"},  # the test fires it itself
    }
    status, created = await api.call("POST", "/api/v1/campaigns", role="operations", json=campaign)
    assert status == 201, created
    ref = created["id"]
    await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={})
    status, approved = await api.call(
        "POST", f"/api/v1/campaigns/{ref}/approve", role="reviewer", json={"by": "cmp_zhouqi"}
    )
    assert status == 200 and approved["status"] == "scheduled", approved

    # The fire, at a time that is not quiet, whatever the clock says now; then the real delivery worker.
    service = api.stack.service[keys.SCHEDULER]
    intended = _last_ten_oclock()
    result = await service.pipeline.run(f"campaign:{ref}", intended)
    assert result is not None and result.tasks >= 1
    db = api.stack.service[keys.DB]

    async def tasks_created() -> list[MassTask]:
        async with db() as session:
            rows = (
                await session.execute(select(Outbox.status).where(Outbox.channel == "mass_task"))
            ).scalars()
            statuses = set(rows)
            if statuses != {"sent"}:
                return []
            return list((await session.execute(select(MassTask))).scalars())

    tasks = await wait_for(tasks_created, "the managers' mass-message tasks")
    day = intended.date().isoformat()
    status, before = await api.call("GET", f"/api/v1/coverage?day={day}", role="manager")
    assert status == 200, before
    (fire,) = [f for f in before["fires"] if f["campaign_id"] == ref]
    assert fire["kind"] == "campaign" and fire["label"] == "覆盖率测试"
    assert fire["tasks_created"] == len(tasks) and fire["confirmed"] == 0 and fire["confirmation_rate"] == 0

    for task in tasks[1:]:  # every manager but one confirms in the client
        async with api.stack.service[keys.HTTP_SESSION].post(
            api.stack.sandbox_url + "/_sandbox/actions/confirm_mass_task",
            json={"msgid": task.msgid, "userid": task.sender},
        ) as resp:
            assert resp.status == 200
    await service.worker.receipts.poll(datetime.now(UTC))

    status, after = await api.call("GET", f"/api/v1/coverage?day={day}")
    (fire,) = [f for f in after["fires"] if f["campaign_id"] == ref]
    # Every task and every manager's card about it left; the tasks wait for the managers.
    assert fire["planned"] == fire["sent"] == 2 * len(tasks) and fire["failed"] == 0
    assert fire["confirmed"] == len(tasks) - 1
    assert fire["confirmation_rate"] == round((len(tasks) - 1) / len(tasks), 4)
    assert 0 < fire["targets_delivered"] <= fire["targets_planned"]
    assert after["totals"]["tasks_created"] >= len(tasks)

    status, listed = await api.call("GET", f"/api/v1/deliveries?campaign={ref}&channel=mass_task")
    assert listed["total"] == len(tasks) and {d["campaign_id"] for d in listed["deliveries"]} == {ref}
    status, other = await api.call("GET", f"/api/v1/deliveries?campaign={ref + 1000}")
    assert status == 200 and other["total"] == 0
    # Each task says whether its manager has confirmed it.
    by_sender = {d["sender"]: d["task"] for d in listed["deliveries"]}
    unconfirmed = tasks[0].sender
    assert by_sender[unconfirmed]["status"] == "created"
    status, waiting = await api.call("GET", f"/api/v1/deliveries?campaign={ref}&task=created")
    assert [d["sender"] for d in waiting["deliveries"]] == [unconfirmed]
    assert all(by_sender[t.sender]["status"] in ("sent", "partly_sent") for t in tasks[1:])
    assert all(task["target_count"] > 0 for task in by_sender.values())

    # The card asking a manager to confirm opens their task list in the console.
    async with api.stack.service[keys.HTTP_SESSION].get(api.stack.sandbox_url + "/_sandbox/requests") as r:
        served = await r.json()
    cards = [
        q["body"]["template_card"]
        for q in served
        if q["path"].endswith("/message/send")
        and q["body"].get("msgtype") == "template_card"
        and q["body"].get("touser") == unconfirmed
    ]
    assert cards, "no card reached the manager"
    link = cards[-1]["card_action"]["url"]
    assert link == api.stack.service_url + "/console/deliveries?channel=mass_task"

    # ... where, signed in with WeCom, they see their own task waiting, and nobody else's.
    manager = await api.browser(unconfirmed)
    async with manager.http.get(link) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert page.count('class="badge submitted task-status"') == 1 and "待经理确认" in page
    assert page.count("<tr data-id=") == 1 and "群发助手" in page


async def test_console_delivery_list_filters_and_keeps_a_manager_to_their_own(api: ApiCaller) -> None:
    await _arrange(api)
    admin = await api.local()
    async with admin.http.get(admin.base + "/console/deliveries?status=failed&channel=mass_task") as resp:
        page = await resp.text()
    assert resp.status == 200 and page.count("<tr data-id=") == 1 and "消息 c" in page
    async with admin.http.get(admin.base + "/console/deliveries?status=lost") as resp:
        page = await resp.text()  # an unknown filter word is ignored, as people edit URLs
    assert resp.status == 200 and page.count("<tr data-id=") == 6

    manager = await api.browser("rm_zhangwei")
    async with manager.http.get(manager.base + "/console/deliveries") as resp:
        page = await resp.text()
    assert "仅显示您的群发任务" in page
    assert sorted(re.findall(r"消息 (\w)", page)) == ["a", "c"]  # their customer's reply and their task
