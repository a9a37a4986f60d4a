"""Planning: audience filters, opt-outs, suitability, quiet hours, the monthly cap ledger, idempotent keys."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Outbox, QuotaEntry
from bot.delivery.audience import Audience
from bot.delivery.planner import DeliveryRequest, Planner
from scheduler.content import EXAMPLE_INPUTS, load_inputs_file
from scheduler.slots import SHANGHAI

MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
INPUTS = load_inputs_file(EXAMPLE_INPUTS)


def morning(key: str = "slot:morning_report@1", at: datetime = MORNING, **audience: Any) -> DeliveryRequest:
    return DeliveryRequest(
        fire_key=key,
        kind="slots/morning_report",
        content_kind="market",
        audience=Audience.from_mapping(audience or {"chat_type": "both"}),
        planned_at=at,
        context={"inputs": INPUTS, "label": "财经早报", "day": "2026-12-01"},
        label="财经早报",
    )


def fund(key: str, **kwargs: Any) -> DeliveryRequest:
    return DeliveryRequest(
        fire_key=key,
        kind="campaigns/fund_launch",
        content_kind="fund",
        audience=Audience.from_mapping({"chat_type": "single"}),
        planned_at=datetime(2026, 12, 1, 10, tzinfo=SHANGHAI),
        context={
            "fund_name": "演示权益基金",
            "fund_code": "900003",
            "pitch": "权益类基金。",
            "risk_level": "R4",
        },
        **kwargs,
    )


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())


async def test_one_task_per_manager_chat_type_and_segment(sessions, planner: Planner) -> None:
    async with sessions() as session, session.begin():
        result = await planner.plan(session, morning())
    assert result.passed
    assert result.skipped["opt_out"] == ["wm_a5"]
    assert result.customers == {"long_tail": 2, "affluent": 2, "hnw": 2}
    rows = await _rows(sessions)
    keys = sorted(r.idempotency_key.split("|", 1)[1] for r in rows)
    assert keys == [
        "mass|rm_a|group|long_tail|0",
        "mass|rm_a|single|affluent|0",
        "mass|rm_a|single|hnw|0",
        "mass|rm_a|single|long_tail|0",
        "mass|rm_b|group|affluent|0",  # a tie between styles goes to the plainer one
        "mass|rm_b|single|affluent|0",
        "mass|rm_b|single|hnw|0",
    ]
    by_key = {r.idempotency_key.split("|", 1)[1]: r for r in rows}
    assert by_key["mass|rm_a|single|long_tail|0"].payload["external_userid"] == ["wm_a1", "wm_a2"]
    assert "专业版" in by_key["mass|rm_a|single|hnw|0"].rendered_text
    assert all("投资需谨慎" in r.rendered_text for r in rows)


async def test_planning_a_fire_twice_queues_nothing_new(sessions, planner: Planner) -> None:
    for _ in range(2):
        async with sessions() as session, session.begin():
            await planner.plan(session, morning())
    async with sessions() as session:
        entries = (await session.execute(select(func.count()).select_from(QuotaEntry))).scalar_one()
    assert len(await _rows(sessions)) == 7
    assert entries == 6 + 2  # six customers and two groups counted once


async def test_monthly_cap_ledger_reports_who_is_skipped(sessions, planner: Planner) -> None:
    for n in range(4):
        async with sessions() as session, session.begin():
            result = await planner.plan(session, morning(key=f"fire{n}", at=MORNING.replace(day=1 + n)))
        assert not result.skipped.get("monthly_cap")
    async with sessions() as session, session.begin():
        fifth = await planner.plan(session, morning(key="fire5", at=MORNING.replace(day=6)))
    assert sorted(fifth.skipped["monthly_cap"]) == [
        "wm_a1",
        "wm_a2",
        "wm_a3",
        "wm_a4",
        "wm_b1",
        "wm_b2",
        "wr_g1",
        "wr_g2",
    ]
    assert fifth.outbox_ids == []
    async with sessions() as session, session.begin():
        january = await planner.plan(
            session, morning(key="fire6", at=datetime(2027, 1, 4, 8, tzinfo=SHANGHAI))
        )
    assert not january.skipped.get("monthly_cap") and len(january.outbox_ids) == 7  # a new natural month


async def test_preview_queues_nothing(sessions, planner: Planner) -> None:
    async with sessions() as session:
        result = await planner.plan(session, morning(), dry_run=True)
    assert result.tasks == 7 and set(result.texts) == {"long_tail", "affluent", "hnw"}
    assert await _rows(sessions) == []


async def test_suitability_keeps_product_content_from_low_tolerance(sessions, planner: Planner) -> None:
    async with sessions() as session, session.begin():
        result = await planner.plan(session, fund("f1", product_risk="R4"))
    assert sorted(result.skipped["suitability"]) == ["wm_a1", "wm_a2", "wm_b1"]
    targets = sorted(t for r in await _rows(sessions) for t in r.payload["external_userid"])
    assert targets == ["wm_a3", "wm_a4", "wm_b2"]


async def test_holders_tags_and_managers_filter(sessions, planner: Planner) -> None:
    async with sessions() as session:
        holders = await planner.plan(session, morning(holders_of="900003"), dry_run=True)
        managers = await planner.plan(session, morning(managers=["rm_b"], chat_type="single"), dry_run=True)
    assert holders.customers == {"affluent": 1}
    assert managers.customers == {"affluent": 1, "hnw": 1}


async def test_quiet_hours_defer_or_drop(sessions, planner: Planner) -> None:
    night = datetime(2026, 12, 1, 22, 30, tzinfo=SHANGHAI)
    async with sessions() as session:
        deferred = await planner.plan(session, morning(at=night), dry_run=True)
        time_bound = dataclasses.replace(morning(at=night), time_bound=True)
        dropped = await planner.plan(session, time_bound, dry_run=True)
    assert deferred.not_before == datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI)
    assert sorted(dropped.skipped["quiet_hours"])[:2] == ["wm_a1", "wm_a2"] and dropped.tasks == 0


async def test_gate_blocks_a_segment_and_queues_nothing_for_it(sessions, planner: Planner) -> None:
    request = DeliveryRequest(
        fire_key="bad",
        kind="campaigns/notice",
        content_kind="market",
        audience=Audience.from_mapping({"chat_type": "single"}),
        planned_at=datetime(2026, 12, 1, 10, tzinfo=SHANGHAI),
        context={"title": "活动", "body": "稳 赚 不 赔，保本保息"},
    )
    async with sessions() as session, session.begin():
        result = await planner.plan(session, request)
    assert not result.passed and set(result.blocked) == {"long_tail", "affluent", "hnw"}
    assert len(result.skipped["compliance"]) == 6
    assert await _rows(sessions) == []


async def test_staff_and_robots_get_the_staff_text(sessions, gate) -> None:
    from bot.content import Renderer
    from bot.delivery.policy import DeliveryPolicy

    planner = Planner(Renderer(), gate, DeliveryPolicy(robots={"team_sh": "KEY"}))
    async with sessions() as session, session.begin():
        result = await planner.plan(session, morning(chat_type="none", staff=["@rm"], robots=["team_sh"]))
    rows = await _rows(sessions)
    assert result.staff == 3
    assert sorted((r.channel, r.target) for r in rows) == [
        ("app_message", "rm_a"),
        ("app_message", "rm_b"),
        ("group_robot", "team_sh"),
    ]
