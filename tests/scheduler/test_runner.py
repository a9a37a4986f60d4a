"""The runner in one process: claims before callbacks, late runs within grace, missed beyond it."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.state import MemoryStateStore
from scheduler.calendar import load_calendar
from scheduler.fires import StateFireLedger
from scheduler.leader import LeaderLease
from scheduler.runner import ScheduleDef, ScheduleError, SchedulerRunner
from scheduler.slots import SHANGHAI, load_slots

NOW = datetime(2026, 12, 1, 8, 0, 30, tzinfo=SHANGHAI)


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self.fail = fail

    async def __call__(self, schedule_id: str, intended: datetime) -> None:
        self.calls.append((schedule_id, intended))
        if self.fail:
            raise RuntimeError("render failed")


def runner_for(*defs: ScheduleDef, ledger: StateFireLedger | None = None, **kwargs) -> SchedulerRunner:
    return SchedulerRunner(
        defs,
        ledger or StateFireLedger(MemoryStateStore()),
        calendar=load_calendar(),
        slots=load_slots(),
        clock=lambda: NOW,
        **kwargs,
    )


async def test_once_missed_during_downtime_runs_late_within_grace():
    cb = Recorder()
    run_at = NOW - timedelta(seconds=20)
    runner = runner_for(ScheduleDef("launch", "once", cb, run_at=run_at, grace=60))
    assert await runner.catch_up() == {"launch": ["done"]}
    assert cb.calls == [("launch", run_at)]
    assert await runner.catch_up() == {"launch": ["taken"]}  # a restart does not repeat it
    assert await runner.ledger.status("launch", run_at) == "done"


async def test_once_beyond_grace_is_recorded_missed_not_sent():
    cb = Recorder()
    run_at = NOW - timedelta(minutes=10)
    runner = runner_for(ScheduleDef("launch", "once", cb, run_at=run_at, grace=60))
    assert await runner.catch_up() == {"launch": ["missed"]}
    assert cb.calls == []
    assert await runner.ledger.status("launch", run_at) == "missed"


async def test_cron_catch_up_starts_after_the_last_recorded_fire():
    cb = Recorder()
    ledger = StateFireLedger(MemoryStateStore())
    last = NOW.replace(second=0) - timedelta(minutes=5)  # 07:55, delivered before the downtime
    await ledger.claim("minutely", last)
    runner = runner_for(ScheduleDef("minutely", "cron", cb, cron="* * * * *", grace=150), ledger=ledger)
    outcomes = await runner.catch_up()
    # 07:56 and 07:57 are more than 150 s late at 08:00:30; 07:58, 07:59 and 08:00 are run late.
    assert outcomes == {"minutely": ["missed", "missed", "done", "done", "done"]}
    assert [t.strftime("%H:%M") for _, t in cb.calls] == ["07:58", "07:59", "08:00"]


async def test_slot_catch_up_without_history_looks_back_only_to_not_before():
    cb = Recorder()
    defn = ScheduleDef(
        "morning", "slot", cb, slot="morning_report", grace=600, not_before=NOW - timedelta(days=3)
    )
    outcomes = await runner_for(defn).catch_up()
    # Sat 28 Nov and Sun 29 Nov are not trading days: Mon 30 Nov missed, Tue 1 Dec 08:00 run late.
    assert outcomes == {"morning": ["missed", "done"]}
    assert cb.calls == [("morning", datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))]


async def test_a_failing_callback_is_recorded_and_reported():
    errors: list[tuple[str, str]] = []

    async def on_error(schedule_id: str, intended: datetime, exc: BaseException) -> None:
        errors.append((schedule_id, str(exc)))

    run_at = NOW - timedelta(seconds=1)
    runner = runner_for(ScheduleDef("x", "once", Recorder(fail=True), run_at=run_at), on_error=on_error)
    assert await runner.catch_up() == {"x": ["failed"]}
    assert errors == [("x", "render failed")]
    assert await runner.ledger.status("x", run_at) == "failed"


async def test_only_the_leader_fires():
    store = MemoryStateStore()
    await store.acquire("wecombot:lease:scheduler", "someone-else", 60)
    cb = Recorder()
    lease = LeaderLease(store, "scheduler", "me", ttl=3)
    runner = runner_for(ScheduleDef("x", "once", cb, run_at=NOW), lease=lease)
    assert await lease.tick() is False
    assert await runner.catch_up() == {"x": ["not_leader"]}
    assert cb.calls == []


@pytest.mark.parametrize(
    ("defn", "message"),
    [
        (ScheduleDef("a", "slot", Recorder(), slot="teatime"), "'a': unknown slot 'teatime'"),
        (ScheduleDef("b", "cron", Recorder(), cron="0 9 * * 1-5"), "'b': write the day of week by name"),
        (ScheduleDef("c", "once", Recorder(), run_at=datetime(2026, 12, 1, 8)), "'c': once needs"),
        (ScheduleDef("d", "weekly", Recorder()), "'d': unknown kind"),  # type: ignore[arg-type]
        (ScheduleDef("e", "cron", Recorder(), cron="* * * * *", grace=-1), "'e': grace"),
    ],
)
def test_bad_definitions_are_named(defn, message):
    with pytest.raises(ScheduleError, match=message):
        runner_for(defn)


def test_duplicate_ids_are_refused():
    defn = ScheduleDef("a", "cron", Recorder(), cron="* * * * *")
    with pytest.raises(ScheduleError, match="defined twice"):
        runner_for(defn, defn)


async def test_live_apscheduler_fires_each_second_once_and_stop_waits():
    """Real clock, real AsyncIOScheduler: ~2.5 s of a per-second cron."""
    finished: list[datetime] = []

    async def slow(schedule_id: str, intended: datetime) -> None:
        await asyncio.sleep(0.3)
        finished.append(intended)

    ledger = StateFireLedger(MemoryStateStore())
    runner = SchedulerRunner(
        [ScheduleDef("tick", "cron", slow, cron="* * * * * *", grace=5, not_before=datetime.now(UTC))],
        ledger,
    )
    await runner.start()
    assert set(runner.next_fire_times()) == {"tick"}
    await asyncio.sleep(2.5)
    await runner.stop()  # waits for the fire that is still sleeping
    assert len(finished) >= 2
    assert finished == sorted(set(finished))
    assert all(t.microsecond == 0 and t.tzinfo is not None for t in finished)
    assert [round((b - a).total_seconds()) for a, b in itertools.pairwise(finished)] == [1] * (
        len(finished) - 1
    )
    for intended in finished:
        assert await ledger.status("tick", intended) == "done"
    assert runner.next_fire_times() == {}


async def test_catch_up_fills_gaps_a_crashed_leader_left_below_its_last_fire():
    cb = Recorder()
    ledger = StateFireLedger(MemoryStateStore())
    await ledger.claim("minutely", NOW.replace(second=0))  # 08:00 was fired live; 07:57-07:59 never ran
    await ledger.claim("minutely", NOW.replace(second=0) - timedelta(minutes=4))  # 07:56 done before
    runner = runner_for(ScheduleDef("minutely", "cron", cb, cron="* * * * *", grace=300), ledger=ledger)
    await runner.catch_up()
    assert [t.strftime("%H:%M") for _, t in cb.calls] == ["07:57", "07:58", "07:59"]
