"""The outbox: exclusive claims, and a crash or lost answer mid-send neither loses nor repeats a message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.content import Renderer
from bot.db.models import AuditEntry, MassTask, Outbox, QuotaEntry
from bot.delivery import outbox
from bot.delivery.planner import Planner
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.worker import DeliveryWorker
from tests.delivery.fakes import FakeWeCom
from tests.delivery.test_planning import morning

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _plan(sessions, planner: Planner, **audience) -> None:
    async with sessions() as session, session.begin():
        await planner.plan(session, morning(**(audience or {"chat_type": "single"})))


def _worker(sessions, wecom, clock, owner="w1") -> DeliveryWorker:
    return DeliveryWorker(sessions, wecom, Renderer(), DeliveryPolicy(), owner, clock=clock)


async def _statuses(sessions, channel: str = "mass_task") -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(Outbox.status).where(Outbox.channel == channel))
        return sorted(rows.scalars())


async def test_drain_sends_each_row_once_and_audits_it(sessions, planner: Planner) -> None:
    await _plan(sessions, planner)
    wecom, clock = FakeWeCom(), Clock()
    await _worker(sessions, wecom, clock).drain()
    await _worker(sessions, wecom, clock).drain()
    assert wecom.count("add_msg_template") == 5
    assert wecom.count("send_message") == 5  # one template card per task
    assert await _statuses(sessions) == ["sent"] * 5
    async with sessions() as session:
        audited = (await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
        tasks = (await session.execute(select(func.count()).select_from(MassTask))).scalar_one()
    assert audited == 10 and tasks == 5


async def test_concurrent_claimers_never_share_a_row(sessions, planner: Planner) -> None:
    await _plan(sessions, planner, chat_type="both")
    ids: list[int] = []
    for _ in range(10):  # rounds of four racing claimers until the queue is empty
        claimed = await asyncio.gather(*(outbox.claim(sessions, f"w{i}", NOW, limit=2) for i in range(4)))
        ids += [row.id for rows in claimed for row in rows]
    assert len(ids) == len(set(ids)) == 7


async def test_a_sender_that_died_after_the_call_is_reconciled_not_resent(sessions, planner: Planner) -> None:
    await _plan(sessions, planner)
    wecom, clock = FakeWeCom(), Clock()
    rows = await outbox.claim(sessions, "dead", NOW, limit=1)
    await outbox.mark_attempt(sessions, rows[0], "dead", NOW)
    await wecom.add_msg_template(
        {k: v for k, v in rows[0].payload.items() if k != "_meta"}
    )  # ...then it crashed
    clock.now = NOW + timedelta(minutes=10)  # its claim is stale now
    await _worker(sessions, wecom, clock, "w2").drain()
    assert wecom.count("add_msg_template") == 5  # the crashed one's task was adopted, not created again
    assert await _statuses(sessions) == ["sent"] * 5
    async with sessions() as session:
        msgids = list((await session.execute(select(MassTask.msgid))).scalars())
    assert len(msgids) == len(set(msgids)) == 5


async def test_a_sender_that_died_before_the_call_resends_once(sessions, planner: Planner) -> None:
    await _plan(sessions, planner)
    wecom, clock = FakeWeCom(), Clock()
    await outbox.claim(sessions, "dead", NOW, limit=2)  # claimed, never attempted
    clock.now = NOW + timedelta(minutes=10)
    await _worker(sessions, wecom, clock, "w2").drain()
    assert wecom.count("add_msg_template") == 5
    assert await _statuses(sessions) == ["sent"] * 5


async def test_a_lost_answer_is_looked_up_before_anything_is_resent(sessions, planner: Planner) -> None:
    await _plan(sessions, planner)
    wecom, clock = FakeWeCom(), Clock()
    wecom.lose_answers = 1
    worker = _worker(sessions, wecom, clock)
    first = await worker.drain()
    assert first.get("uncertain") == 1
    clock.now = NOW + timedelta(seconds=5)
    await worker.drain()
    assert wecom.count("add_msg_template") == 5 and wecom.count("get_groupmsg_list_v2") == 1
    assert await _statuses(sessions) == ["sent"] * 5


async def test_an_uncertain_app_message_is_flagged_not_repeated(sessions, gate) -> None:
    planner = Planner(Renderer(), gate, DeliveryPolicy())
    await _plan(sessions, planner, chat_type="none", staff=["rm_a"])
    wecom, clock = FakeWeCom(), Clock()
    wecom.lose_answers = 1
    worker = _worker(sessions, wecom, clock)
    await worker.drain()
    clock.now = NOW + timedelta(seconds=5)
    await worker.drain()
    assert wecom.count("send_message") == 1
    async with sessions() as session:
        row = (await session.execute(select(Outbox))).scalar_one()
    assert row.status == "failed" and row.last_error.startswith("uncertain")


async def test_a_failed_task_gives_its_cap_reservations_back(sessions, planner: Planner) -> None:
    await _plan(sessions, planner)

    class Refusing(FakeWeCom):
        async def add_msg_template(self, payload):
            from bot.wecom.errors import BadRequest

            raise BadRequest(41048, "no target", "externalcontact/add_msg_template")

    await _worker(sessions, Refusing(), Clock()).drain()
    assert await _statuses(sessions) == ["failed"] * 5
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(QuotaEntry))).scalar_one() == 0
