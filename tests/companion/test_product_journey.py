"""Product companion end to end against the simulator on a manual clock: D+1, D+7, D+30 at the right
times, none twice, none to opted-out customers, resumed after a restart in the middle."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import keys
from bot.db.models import JourneyState, Reminder
from bot.journeys.clock import ManualClock
from bot.journeys.triggers import parse_event
from tests.companion.conftest import (
    FUND_A,
    START,
    StackFactory,
    cards_to,
    customer,
    hold,
    journeys,
    seed,
    set_customer,
    tasks_to,
)


def purchase(ext: str, event_id: str = "bank-p-1") -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "purchase",
        "external_userid": ext,
        "occurred_at": START.isoformat(),
        "data": {"fund_code": FUND_A, "amount": 10000},
    }


async def test_purchase_d1_d7_d30_once_each_and_resumed_after_restart(
    make_stack: StackFactory, clock: ManualClock
) -> None:
    async with make_stack() as stack:
        await seed(stack)
        buyer = customer(stack, "affluent")
        await hold(stack, buyer.external_userid, FUND_A)
        service = journeys(stack)
        outcome = await service.ingest(parse_event(purchase(buyer.external_userid), clock()))
        assert outcome.status == "applied" and outcome.result["entered"]

        await service.tick(clock())
        await service.flush(clock())
        assert await tasks_to(stack, buyer.external_userid) == []  # D+0: nothing yet

        clock.set(START.replace(day=2, hour=9, minute=59))
        await service.tick(clock())
        await service.flush(clock())
        assert await tasks_to(stack, buyer.external_userid) == []  # one minute before D+1 10:00

        clock.set(START.replace(day=2, hour=10))
        for _ in range(3):  # ticking again at the same time sends nothing new
            await service.tick(clock())
            await service.flush(clock())
        first = await tasks_to(stack, buyer.external_userid)
        assert len(first) == 1 and "已确认" in first[0] and "市场有风险" in first[0]
        assert buyer.name in first[0]

    # Restart between D+1 and D+7: a new service (and simulator) on the same database file.
    async with make_stack() as stack:
        service = journeys(stack)
        clock.set(START.replace(day=8, hour=9))
        await service.tick(clock())
        await service.flush(clock())
        assert await tasks_to(stack, buyer.external_userid) == []  # D+7 is the 8th at 10:00
        clock.set(START.replace(day=8, hour=10))
        await service.tick(clock())
        await service.flush(clock())
        week = await tasks_to(stack, buyer.external_userid)
        assert len(week) == 1 and "一周" in week[0]  # D+1 was not sent again after the restart

        clock.set(START + timedelta(days=30, hours=1))
        await service.tick(clock())
        await service.tick(clock())  # the reminder created by the step goes out on the tick
        await service.flush(clock())
        month = await tasks_to(stack, buyer.external_userid)
        assert len(month) == 2 and "满一个月" in month[1]
        cards = await cards_to(stack, buyer.rm_userid)
        assert len(cards) == 1 and cards[0]["task_id"].startswith("rmd-")
        assert [b["key"] for b in cards[0]["button_list"]] == ["done", "later", "irrelevant"]

        async with stack.service[keys.DB]() as session:
            state = (
                await session.execute(select(JourneyState).where(JourneyState.journey == "product_companion"))
            ).scalar_one()
            assert state.status == "done"
            assert [h["step"] for h in state.data["history"]] == [
                "d1_confirm",
                "d7_first_week",
                "d30_check",
                "d30_review",
                "d30_remind",
                "end",
            ]
            assert (await session.execute(select(Reminder))).scalars().one().reason == "product_review"


async def test_opted_out_customer_gets_no_journey_content(
    make_stack: StackFactory, clock: ManualClock
) -> None:
    async with make_stack() as stack:
        await seed(stack)
        buyer = customer(stack, "long_tail")
        await hold(stack, buyer.external_userid, FUND_A)
        await set_customer(stack, buyer.external_userid, opt_out=True)
        service = journeys(stack)
        await service.ingest(parse_event(purchase(buyer.external_userid, "bank-p-9"), clock()))
        for days in (1, 7, 30):
            clock.set(START + timedelta(days=days, hours=1))
            await service.tick(clock())
            await service.tick(clock())
            await service.flush(clock())
        assert await tasks_to(stack, buyer.external_userid) == []
        async with stack.service[keys.DB]() as session:
            state = (await session.execute(select(JourneyState))).scalar_one()
            outcomes = {h["step"]: h["outcome"] for h in state.data["history"]}
        assert outcomes["d1_confirm"] == outcomes["d7_first_week"] == "skipped_opt_out"
        # The review reminder is a service reason: the manager still gets it, with the no-marketing script.
        cards = await cards_to(stack, buyer.rm_userid)
        assert len(cards) == 1 and "请勿推荐产品" in cards[0]["sub_title_text"]
