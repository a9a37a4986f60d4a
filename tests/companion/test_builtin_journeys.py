"""Market, account and onboarding companions end to end against the simulator on a manual clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot import keys
from bot.db.models import CustomerManager
from bot.embedded import EmbeddedStack
from bot.journeys.clock import ManualClock
from bot.journeys.triggers import parse_event
from tests.companion.conftest import (
    FUND_A,
    FUND_B,
    START,
    cards_to,
    customer,
    hold,
    journeys,
    set_customer,
    tasks_to,
    texts_to,
)


async def _run(stack: EmbeddedStack, clock: ManualClock) -> None:
    service = journeys(stack)
    for _ in range(2):
        await service.tick(clock(), scan_now=False)
        await service.flush(clock())


async def test_market_move_reaches_holders_of_the_affected_funds_only_once(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    holder, other, opted = (
        customer(stack, "affluent", 1),
        customer(stack, "long_tail", 1),
        customer(stack, "hnw"),
    )
    await hold(stack, holder.external_userid, FUND_B)
    await hold(stack, opted.external_userid, FUND_B)
    await hold(stack, other.external_userid, FUND_A)
    await set_customer(stack, opted.external_userid, opt_out=True)
    move = {
        "event_id": "mkt-1",
        "type": "market_move",
        "data": {"index": "沪深300", "change": -0.035, "fund_codes": [FUND_B]},
    }
    service = journeys(stack)
    assert (await service.ingest(parse_event(move, clock()))).status == "applied"
    assert (await service.ingest(parse_event(move, clock()))).status == "duplicate"
    await _run(stack, clock)
    [text] = await tasks_to(stack, holder.external_userid)
    assert "沪深300下跌3.5%" in text and "市场有风险" in text
    assert await tasks_to(stack, other.external_userid) == []  # holds nothing affected
    assert await tasks_to(stack, opted.external_userid) == []  # opted out
    assert [c["main_title"]["title"] for c in await cards_to(stack, holder.rm_userid)] == ["市场大幅波动"]


async def test_monthly_holdings_summary_for_hnw_is_prepared_for_the_manager(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    rich, modest = customer(stack, "hnw"), customer(stack, "affluent")
    await hold(stack, rich.external_userid, FUND_B, cost="10000", shares="10000")
    await hold(stack, modest.external_userid, FUND_A)
    service = journeys(stack)
    await service.scan(clock())
    await service.scan(clock())  # a second scan in the same month enters nobody again
    await _run(stack, clock)
    summaries = [t for t in await texts_to(stack, rich.rm_userid) if "持仓月报" in t]
    assert len(summaries) == 1 and rich.name in summaries[0] and "示例指数增强" in summaries[0]
    assert "-18.00%" in summaries[0]  # valued at the latest SYNTHETIC NAV 0.82
    to_customer = await tasks_to(stack, rich.external_userid)
    assert not any("持仓月报" in t for t in to_customer)  # prepared for the manager, not for the customer
    assert len(to_customer) == 1 and "回撤" in to_customer[0]  # the same scan found the 18% drawdown
    assert not [t for t in await texts_to(stack, modest.rm_userid) if modest.name in t and "持仓月报" in t]


async def test_onboarding_series_for_a_new_contact_in_their_segment_style(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    newcomer = customer(stack, "hnw", 1)
    async with stack.service[keys.DB]() as session, session.begin():
        await session.execute(
            update(CustomerManager)
            .where(CustomerManager.external_userid == newcomer.external_userid)
            .values(added_at=clock() - timedelta(hours=1))
        )
    service = journeys(stack)
    await service.scan(clock())
    await _run(stack, clock)
    assert await tasks_to(stack, newcomer.external_userid) == []
    clock.set(START.replace(day=2, hour=19, minute=30))
    await _run(stack, clock)
    [lesson1] = await tasks_to(stack, newcomer.external_userid)
    assert "【财富研习】" in lesson1 and "市场有风险" in lesson1  # the hnw style of lesson 1
    for day, count in ((5, 2), (11, 3), (20, 3)):
        clock.set(START.replace(day=day, hour=19, minute=31))
        await _run(stack, clock)
        assert len(await tasks_to(stack, newcomer.external_userid)) == count
