"""The scheduler: APScheduler 3 on the event loop, rebuilt from our own schedule definitions.

Why a wrapper (PTB ``_jobqueue.py`` style): APScheduler decides *when*; we decide *whether*. Only the
lease holder has jobs; every fire is claimed in the :class:`~scheduler.fires.FireLedger` under
``(schedule id, intended time)`` before its callback runs, so restarts, fail-overs and overlapping
leaders deliver it at most once. Fires missed while no leader ran (down-time, fail-over) are caught
up when leadership is gained: run late within the schedule's ``grace``, else recorded as missed.
Nothing is pickled: jobs are rebuilt from :class:`ScheduleDef` each time leadership is gained.

Usage::

    runner = SchedulerRunner(defs, StateFireLedger(state), lease=LeaderLease(state, "scheduler", me))
    await runner.start()
    ...
    await runner.stop()          # gives up the lease, waits for running callbacks
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from scheduler.calendar import TradingCalendar
from scheduler.fires import FireLedger
from scheduler.leader import LeaderLease
from scheduler.slots import SHANGHAI, Slot, SlotTrigger, TradingDaysOnly, cron_trigger, fire_times

FireCallback = Callable[[str, datetime], Awaitable[None]]
ErrorCallback = Callable[[str, datetime, BaseException], Awaitable[None]]
Outcome = Literal["done", "missed", "failed", "taken", "not_leader", "error"]
log = logging.getLogger(__name__)


class ScheduleError(ValueError):
    """A schedule definition that cannot be turned into a trigger; the message names it."""


@dataclass(frozen=True)
class ScheduleDef:
    """One schedule, as plain data (built from a ``schedules`` row or configuration).

    ``kind`` is ``once`` (``run_at``), ``cron`` (``cron``: 5 fields, or 6 with seconds first; weekdays
    by name) or ``slot`` (``slot``: a name from config/slots.toml). ``grace`` is how late a fire may
    still run; ``not_before`` (e.g. the row's creation time) bounds catch-up when nothing was recorded.
    """

    id: str
    kind: Literal["once", "cron", "slot"]
    callback: FireCallback
    cron: str | None = None
    slot: str | None = None
    run_at: datetime | None = None
    grace: float = 300.0
    trading_days_only: bool = False
    not_before: datetime | None = None


def build_trigger(
    defn: ScheduleDef, tz: tzinfo, slots: Mapping[str, Slot], calendar: TradingCalendar | None
) -> BaseTrigger:
    """The APScheduler trigger for a definition; ScheduleError names the definition when it is wrong."""
    if defn.grace < 0:
        raise ScheduleError(f"schedule {defn.id!r}: grace must be >= 0")
    if defn.kind == "once":
        if defn.run_at is None or defn.run_at.tzinfo is None:
            raise ScheduleError(f"schedule {defn.id!r}: once needs a timezone-aware run_at")
        return DateTrigger(run_date=defn.run_at, timezone=tz)
    if defn.kind == "slot":
        if defn.slot not in slots:
            raise ScheduleError(f"schedule {defn.id!r}: unknown slot {defn.slot!r}")
        if calendar is None:
            raise ScheduleError(f"schedule {defn.id!r}: slot schedules need a trading calendar")
        return SlotTrigger(slots[defn.slot], calendar)
    if defn.kind == "cron":
        try:
            trigger: BaseTrigger = cron_trigger(defn.cron or "", tz)
        except ValueError as exc:
            raise ScheduleError(f"schedule {defn.id!r}: {exc}") from None
        if defn.trading_days_only:
            if calendar is None:
                raise ScheduleError(f"schedule {defn.id!r}: trading_days_only needs a trading calendar")
            trigger = TradingDaysOnly(trigger, calendar, tz)
        return trigger
    raise ScheduleError(f"schedule {defn.id!r}: unknown kind {defn.kind!r}")


class _FireExecutor(BaseExecutor):
    """Hands APScheduler's due run times to the runner, which claims and runs them as tracked tasks."""

    def __init__(self, runner: SchedulerRunner) -> None:
        super().__init__()
        self._runner = runner

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        task = self._runner._spawn(self._runner._fire_many(job.id, list(run_times)))
        task.add_done_callback(lambda _t: self._run_job_success(job.id, []))


def _never_called() -> None:  # APScheduler needs a callable; _FireExecutor runs our own code instead.
    raise AssertionError("scheduler jobs run through _FireExecutor")


class SchedulerRunner:
    """Leader-only APScheduler with ledger-claimed fires and catch-up of missed ones."""

    def __init__(
        self,
        definitions: Iterable[ScheduleDef],
        ledger: FireLedger,
        *,
        lease: LeaderLease | None = None,
        owner: str = "",
        calendar: TradingCalendar | None = None,
        slots: Mapping[str, Slot] | None = None,
        tz: tzinfo = SHANGHAI,
        max_catchup: int = 1000,
        catchup_horizon: timedelta = timedelta(days=7),
        on_error: ErrorCallback | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tz = tz
        self.ledger = ledger
        self.lease = lease
        self.owner = owner or (lease.owner if lease else "local")
        self.max_catchup = max_catchup
        self.catchup_horizon = catchup_horizon
        self.on_error = on_error
        self._clock = clock
        self._defs: dict[str, ScheduleDef] = {}
        self._triggers: dict[str, BaseTrigger] = {}
        for defn in definitions:
            if defn.id in self._defs:
                raise ScheduleError(f"schedule {defn.id!r} is defined twice")
            self._defs[defn.id] = defn
            self._triggers[defn.id] = build_trigger(defn, tz, slots or {}, calendar)
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._leading = lease is None

    @property
    def is_leader(self) -> bool:
        return self.lease.is_leader if self.lease is not None else self._leading

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start(self) -> None:
        """Start APScheduler (no jobs yet) and the lease loop; jobs appear when we lead."""
        if self._scheduler is not None:
            raise RuntimeError("scheduler already started")
        self._scheduler = AsyncIOScheduler(timezone=self.tz, executors={"default": _FireExecutor(self)})
        self._scheduler.start()
        if self.lease is None:
            await self._gained()
            return
        previous_gain, previous_loss = self.lease.on_gain, self.lease.on_loss

        async def gained() -> None:
            await self._gained()
            if previous_gain is not None:
                await previous_gain()

        async def lost() -> None:
            await self._lost()
            if previous_loss is not None:
                await previous_loss()

        self.lease.on_gain, self.lease.on_loss = gained, lost
        await self.lease.start()

    async def stop(self, wait_seconds: float | None = 30.0) -> None:
        """Give up leadership, shut APScheduler down, and wait for fires already running."""
        if self.lease is not None:
            await self.lease.stop()
        else:
            await self._lost()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=wait_seconds)
            for task in pending:
                log.error("scheduler stop: a fire still running after %ss is cancelled", wait_seconds)
                task.cancel()

    async def _gained(self) -> None:
        self._leading = True
        assert self._scheduler is not None
        for schedule_id, trigger in self._triggers.items():
            self._scheduler.add_job(
                _never_called,
                trigger,
                id=schedule_id,
                name=schedule_id,
                misfire_grace_time=None,  # lateness is judged per fire in _fire
                coalesce=False,
                max_instances=1000,
                replace_existing=True,
            )
        self._spawn(self.catch_up())

    async def _lost(self) -> None:
        self._leading = False
        if self._scheduler is not None:
            self._scheduler.remove_all_jobs()

    async def catch_up(self) -> dict[str, list[Outcome]]:
        """Claim fires missed while nobody led: after the last recorded fire, up to now."""
        now = self._clock()
        outcomes: dict[str, list[Outcome]] = {}
        for schedule_id, defn in self._defs.items():
            try:
                times = await self._missed_times(defn, now)
            except Exception:
                log.exception("catch-up of %s failed", schedule_id)
                continue
            outcomes[schedule_id] = [await self._fire(defn, intended) for intended in times]
        return outcomes

    async def _missed_times(self, defn: ScheduleDef, now: datetime) -> list[datetime]:
        if defn.kind == "once":
            assert defn.run_at is not None
            return [defn.run_at] if defn.run_at <= now else []
        # Everything after the last recorded fire, and anything in the grace window that is not
        # claimed yet (a crashed leader's catch-up may have left gaps below its latest live fire):
        # claims make re-visiting already delivered fires harmless.
        last = await self.ledger.last_fire(defn.id)
        in_grace = now - timedelta(seconds=defn.grace)
        lower = min(last, in_grace) if last else in_grace
        if defn.not_before is not None:
            lower = max(lower, defn.not_before) if last else defn.not_before
        lower = max(lower, now - self.catchup_horizon)
        times = list(fire_times(self._triggers[defn.id], lower, now, limit=self.max_catchup + 1))
        if len(times) > self.max_catchup:
            log.warning(
                "schedule %s: more than %d missed fires; only the first are caught up",
                defn.id,
                self.max_catchup,
            )
            times = times[: self.max_catchup]
        return times

    async def _fire_many(self, schedule_id: str, run_times: list[datetime]) -> None:
        defn = self._defs.get(schedule_id)
        if defn is None:
            log.error("fire for unknown schedule %s", schedule_id)
            return
        for intended in run_times:
            await self._fire(defn, intended)

    async def _fire(self, defn: ScheduleDef, intended: datetime) -> Outcome:
        """Claim one fire, then run it, or record it missed when it is past its grace period."""
        if not self.is_leader:
            return "not_leader"
        try:
            if not await self.ledger.claim(defn.id, intended, self.owner):
                return "taken"
            late = (self._clock() - intended).total_seconds()
            if late > defn.grace:
                log.warning("fire %s@%s missed by %.0fs (grace %.0fs)", defn.id, intended, late, defn.grace)
                await self.ledger.mark_missed(defn.id, intended)
                return "missed"
        except Exception:
            log.exception("fire ledger failed for %s@%s", defn.id, intended)
            return "error"
        try:
            await defn.callback(defn.id, intended)
        except Exception as exc:
            log.exception("scheduled job %s@%s failed", defn.id, intended)
            await self._record_failure(defn, intended, exc)
            return "failed"
        try:
            await self.ledger.mark_done(defn.id, intended)
        except Exception:
            log.exception("could not mark %s@%s done", defn.id, intended)
        return "done"

    async def _record_failure(self, defn: ScheduleDef, intended: datetime, exc: BaseException) -> None:
        try:
            await self.ledger.mark_failed(defn.id, intended, f"{type(exc).__name__}: {exc}")
            if self.on_error is not None:
                await self.on_error(defn.id, intended, exc)
        except Exception:
            log.exception("error path failed for %s@%s", defn.id, intended)

    def next_fire_times(self) -> dict[str, datetime | None]:
        """Next run time of each job (empty when not leading): for /healthz and the console."""
        if self._scheduler is None:
            return {}
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}
