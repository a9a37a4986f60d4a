"""A campaign through its whole life cycle, through the API, against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import keys
from bot.db.models import AuditEntry, MassTask, Outbox, QuotaEntry
from tests.campaigns.helpers import api, sandbox, scenario_stack, wait_for

FUND_CAMPAIGN = {
    "name": "稳健债券新品（测试）",
    "template": "fund_launch",
    "author": "ops_liuyan",
    "channel": "mass_task",
    "content_kind": "fund",
    "audience": {"chat_type": "single"},
    "variables": {
        "fund_name": "演示稳健债券A",
        "fund_code": "900001",
        "pitch": "以债券为主的基金。",
        "risk_level": "R2",
    },
}


async def test_campaign_life_cycle_against_the_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with scenario_stack(tmp_path, monkeypatch) as stack:
        status, created = await api(stack, "POST", "/api/v1/campaigns", FUND_CAMPAIGN)
        assert status == 201, created
        assert created["status"] == "draft"
        ref = created["id"]

        status, preview = await api(stack, "GET", f"/api/v1/campaigns/{ref}/preview")
        assert status == 200
        plan = preview["plan"]
        assert set(plan["texts"]) <= {"long_tail", "affluent", "hnw"} and plan["texts"]
        assert all("投资需谨慎" in text for text in plan["texts"].values())
        assert plan["tasks"] >= 1 and plan["queued"] == 0  # a preview queues nothing

        status, refused = await api(stack, "POST", f"/api/v1/campaigns/{ref}/approve", {"by": "cmp_zhouqi"})
        assert status == 409 and "draft" in refused["error"]  # only a submitted campaign is reviewed

        status, submitted = await api(stack, "POST", f"/api/v1/campaigns/{ref}/submit", {"by": "ops_liuyan"})
        assert submitted["status"] == "submitted", submitted

        status, own = await api(stack, "POST", f"/api/v1/campaigns/{ref}/approve", {"by": "ops_liuyan"})
        assert status == 409 and "author" in own["error"]
        status, no_reason = await api(stack, "POST", f"/api/v1/campaigns/{ref}/reject", {"by": "cmp_zhouqi"})
        assert status == 400 and "reason" in no_reason["error"]  # a missing field is bad input

        status, approved = await api(stack, "POST", f"/api/v1/campaigns/{ref}/approve", {"by": "cmp_zhouqi"})
        assert status == 200 and approved["reviewer"] == "cmp_zhouqi"

        db = stack.service[keys.DB]

        async def tasks_created() -> list[MassTask]:
            async with db() as session:
                statuses = list((await session.execute(select(Outbox.status))).scalars())
                if not statuses or set(statuses) != {"sent"}:
                    return []  # cards included: everything queued has left
                return list((await session.execute(select(MassTask))).scalars())

        tasks = await wait_for(tasks_created, "the managers' mass-message tasks")
        status, shown = await api(stack, "GET", f"/api/v1/campaigns/{ref}")
        assert shown["status"] == "done"  # a once-campaign is done after its fire

        sent = await sandbox(
            stack, "GET", "/_sandbox/requests?path=/cgi-bin/externalcontact/add_msg_template"
        )
        senders = sorted(r["body"]["sender"] for r in sent)
        assert senders == sorted(t.sender for t in tasks)
        assert all("投资需谨慎" in r["body"]["text"]["content"] for r in sent)

        async def cards() -> list:
            rows = await sandbox(stack, "GET", "/_sandbox/requests?path=/cgi-bin/message/send")
            return [r for r in rows if r["body"].get("msgtype") == "template_card"]

        card_rows = await wait_for(cards, "the managers' template cards")
        assert {r["body"]["touser"] for r in card_rows} == {t.sender for t in tasks}

        # Every manager but one confirms; the poller counts, the laggard is reminded after the deadline.
        laggard = tasks[0]
        for task in tasks[1:]:
            await sandbox(
                stack,
                "POST",
                "/_sandbox/actions/confirm_mass_task",
                {"msgid": task.msgid, "userid": task.sender},
            )
        service = stack.service[keys.SCHEDULER]
        later = datetime.now(UTC) + service.worker.policy.confirm_deadline
        counts = await service.worker.receipts.poll(later)
        assert counts["confirmed"] == len(tasks) - 1 and counts["reminded"] == 1
        reminders = await sandbox(
            stack, "GET", "/_sandbox/requests?path=/cgi-bin/externalcontact/remind_groupmsg_send"
        )
        assert [r["body"]["msgid"] for r in reminders] == [laggard.msgid]

        status, cov = await api(stack, "GET", f"/api/v1/campaigns/{ref}/coverage")
        assert cov["tasks_created"] == len(tasks)
        assert cov["tasks_confirmed"] == len(tasks) - 1
        assert 0 < cov["targets_delivered"] <= cov["targets_planned"]

        async with db() as session:
            audited = (
                await session.execute(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.channel == "mass_task")
                )
            ).scalar_one()
            approvers = set(
                (
                    await session.execute(select(Outbox.approved_by).where(Outbox.channel == "mass_task"))
                ).scalars()
            )
            ledger = (await session.execute(select(func.count()).select_from(QuotaEntry))).scalar_one()
        assert audited == len(tasks) and approvers == {"cmp_zhouqi"}
        assert ledger == cov["targets_planned"]

        status, _ = await api(stack, "POST", f"/api/v1/campaigns/{ref}/cancel", {"by": "ops_liuyan"})
        assert status == 409  # done is final


async def test_gate_rejects_a_campaign_with_forbidden_promises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with scenario_stack(tmp_path, monkeypatch) as stack:
        bad = {
            **FUND_CAMPAIGN,
            "name": "违规宣传（测试）",
            "template": "notice",
            "content_kind": "market",
            "variables": {"title": "限时活动", "body": "本产品保本保收益，稳赚不赔！"},
        }
        status, created = await api(stack, "POST", "/api/v1/campaigns", bad)
        assert status == 201
        status, submitted = await api(
            stack, "POST", f"/api/v1/campaigns/{created['id']}/submit", {"by": "ops_liuyan"}
        )
        assert submitted["status"] == "rejected"
        assert submitted["reviewer"] == "compliance-gate"
        assert "promise.principal" in submitted["review_reason"]
        status, _ = await api(
            stack, "POST", f"/api/v1/campaigns/{created['id']}/approve", {"by": "cmp_zhouqi"}
        )
        assert status == 409
        assert (
            await sandbox(stack, "GET", "/_sandbox/requests?path=/cgi-bin/externalcontact/add_msg_template")
            == []
        )


async def test_api_needs_the_bearer_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp import ClientSession

    async with scenario_stack(tmp_path, monkeypatch) as stack:
        async with ClientSession() as session:
            async with session.get(stack.service_url + "/api/v1/campaigns") as resp:
                assert resp.status == 401
            headers = {"Authorization": "Bearer wrong"}
            async with session.get(stack.service_url + "/api/v1/campaigns", headers=headers) as resp:
                assert resp.status == 401
        status, bad = await api(
            stack, "POST", "/api/v1/campaigns", {"name": "x", "template": "nope", "author": "a"}
        )
        assert status == 400 and "template" in bad["error"]
