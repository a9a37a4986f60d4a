"""The scheduler inside ``wecombot serve``: runner + leader lease + delivery worker, as a service context.

Schedules are our own rows: one ``schedules`` row per content slot (``kind="slot"``, ``cron`` holds the
slot name, ``target`` the audience; created from config/slots.toml when missing) or cron schedule
(``kind="cron"``), plus every approved campaign (``campaign:<id>``). The runner is rebuilt from them
when they change (checked every ``reload_seconds``, and at once after an approval through the API).
One instance leads at a time (a lease in the state store: Redis when ``REDIS_URL`` is set); fires are
claimed in the ``fires`` table (:class:`~scheduler.fires.DbFireLedger`). Every instance drains the
outbox; only the leader polls receipts and sends reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keys
from bot.db.models import Campaign, CampaignSpec, Schedule
from bot.delivery.planner import Planner
from bot.delivery.policy import DeliveryPolicy, policy_from_mapping
from bot.delivery.worker import DeliveryWorker
from scheduler.calendar import load_calendar
from scheduler.campaign_fires import CAMPAIGN_PREFIX, FirePipeline, slot_schedule_name
from scheduler.fires import DbFireLedger
from scheduler.leader import LeaderLease
from scheduler.runner import ScheduleDef, SchedulerRunner
from scheduler.slots import SHANGHAI, load_slots

log = logging.getLogger("wecombot.scheduler")
DEFAULT_SLOT_AUDIENCE: dict[str, Any] = {"chat_type": "none", "staff": ["@rm"]}


def instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def ensure_slot_schedules(
    sessions: async_sessionmaker[AsyncSession], slots: Mapping[str, Any], audience: Mapping[str, Any]
) -> None:
    """One ``schedules`` row per configured slot, created once (operators edit the rows afterwards)."""
    async with sessions() as session, session.begin():
        existing = set((await session.execute(select(Schedule.name))).scalars())
        for slot in slots.values():
            name = slot_schedule_name(slot.name)
            if name not in existing:
                session.add(
                    Schedule(
                        name=name,
                        kind="slot",
                        cron=slot.name,
                        template_key=slot.template,
                        target=dict(audience),
                        trading_days_only=slot.trading_days_only,
                        enabled=True,
                    )
                )


async def load_definitions(
    sessions: async_sessionmaker[AsyncSession], pipeline: FirePipeline, grace: float
) -> list[ScheduleDef]:
    """ScheduleDefs from the rows: enabled schedules and campaigns that are scheduled or running."""
    defs: list[ScheduleDef] = []
    async with sessions() as session:
        for s in (
            await session.execute(select(Schedule).where(Schedule.enabled.is_(True)).order_by(Schedule.id))
        ).scalars():
            kind = "slot" if s.kind == "slot" else "cron"
            defs.append(
                ScheduleDef(
                    s.name,
                    kind,
                    pipeline.run,
                    cron=s.cron if kind == "cron" else None,
                    slot=s.cron if kind == "slot" else None,
                    grace=grace,
                    trading_days_only=s.trading_days_only and kind == "cron",
                    not_before=s.created_at,
                )
            )
        rows = await session.execute(
            select(Campaign, CampaignSpec)
            .join(CampaignSpec)
            .where(CampaignSpec.lifecycle.in_(("scheduled", "running")))
        )
        for campaign, spec in rows.all():
            sched = spec.schedule or {}
            name = f"{CAMPAIGN_PREFIX}{campaign.id}"
            common: dict[str, Any] = {"grace": grace, "not_before": spec.reviewed_at or campaign.created_at}
            if sched.get("kind") == "once":
                defs.append(
                    ScheduleDef(
                        name, "once", pipeline.run, run_at=datetime.fromisoformat(sched["at"]), **common
                    )
                )
            elif sched.get("kind") in ("cron", "slot"):
                defs.append(
                    ScheduleDef(
                        name,
                        sched["kind"],
                        pipeline.run,
                        cron=sched.get("cron"),
                        slot=sched.get("slot"),
                        **common,
                    )
                )
    return defs


def _signature(defs: list[ScheduleDef]) -> tuple[Any, ...]:
    return tuple((d.id, d.kind, d.cron, d.slot, d.run_at) for d in defs)


class SchedulerService:
    """Owns the runner (rebuilt on change), the lease and the delivery worker of this instance."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        state: Any,
        wecom: Any,
        planner: Planner,
        policy: DeliveryPolicy,
        config: Mapping[str, Any],
        *,
        owner: str | None = None,
        inputs_file: str | None = None,
        slot_audience: Mapping[str, Any] | None = None,
    ) -> None:
        self.sessions = sessions
        self.state = state
        self.owner = owner or instance_id()
        self.grace = float(config.get("grace_seconds", 600))
        self.lease_ttl = float(config.get("lease_ttl_seconds", 15))
        self.reload_seconds = float(config.get("reload_seconds", 30))
        self.drain_seconds = float(config.get("drain_seconds", 2))
        self.receipt_seconds = float(config.get("receipt_seconds", 60))
        # A fire still "running" this long after it started belongs to a leader that died mid-plan.
        self.recover_after = float(config.get("recover_after_seconds", 120))
        self.slots = load_slots()
        self.calendar = load_calendar()
        self.slot_audience = dict(slot_audience or DEFAULT_SLOT_AUDIENCE)
        self.lease = LeaderLease(state, "scheduler", self.owner, ttl=self.lease_ttl, on_gain=self._recover)
        self.worker = DeliveryWorker(
            sessions, wecom, planner.render, policy, self.owner, is_leader=lambda: self.lease.is_leader
        )
        self.pipeline = FirePipeline(
            sessions, planner, self.slots, inputs_file=inputs_file, on_queued=self.worker.wake
        )
        self.runner: SchedulerRunner | None = None
        self._signature: tuple[Any, ...] = ()
        self._reload_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def _recover(self) -> None:
        redone = await self.pipeline.recover(timedelta(seconds=self.recover_after))
        if redone:
            log.warning("re-planned fires left running by a previous leader: %s", redone)

    async def start(self) -> None:
        await ensure_slot_schedules(self.sessions, self.slots, self.slot_audience)
        await self.reload(force=True)
        self.worker.start(self.drain_seconds, self.receipt_seconds)
        self._reload_task = asyncio.get_running_loop().create_task(self._reload_loop())

    async def reload(self, force: bool = False) -> bool:
        """Rebuild the runner when the schedule rows changed; True when it was rebuilt."""
        async with self._lock:
            defs = await load_definitions(self.sessions, self.pipeline, self.grace)
            signature = _signature(defs)
            if not force and signature == self._signature:
                return False
            if self.runner is not None:
                await self.runner.stop()
                self.lease = LeaderLease(
                    self.state, "scheduler", self.owner, ttl=self.lease_ttl, on_gain=self._recover
                )
            self.runner = SchedulerRunner(
                defs,
                DbFireLedger(self.sessions),
                lease=self.lease,
                calendar=self.calendar,
                slots=self.slots,
                tz=SHANGHAI,
            )
            await self.runner.start()
            self._signature = signature
            log.info("scheduler built from %d schedules (owner %s)", len(defs), self.owner)
            return True

    async def _reload_loop(self) -> None:
        while True:
            await asyncio.sleep(self.reload_seconds)
            try:
                await self.reload()
                if self.lease.is_leader:
                    await self._recover()
            except Exception:
                log.exception("scheduler reload failed")

    async def stop(self) -> None:
        if self._reload_task is not None:
            self._reload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload_task
        await self.worker.stop()
        if self.runner is not None:
            await self.runner.stop()

    def next_fire_times(self) -> dict[str, datetime | None]:
        return self.runner.next_fire_times() if self.runner else {}


async def reload_scheduler(app: web.Application) -> None:
    """Rebuild the running scheduler from its rows after a change (a campaign or a slot); no-op when off."""
    service = app.get(keys.SCHEDULER)
    if service is not None:
        await service.reload()


def build_service(app: web.Application, **kwargs: Any) -> SchedulerService | None:
    """The service from the app's resources, or None when there is no database."""
    resources = app[keys.DISPATCHER].resources
    if resources.db is None:
        return None
    settings = app[keys.SETTINGS]
    policy = policy_from_mapping(settings.section("delivery"), console=settings.section("console"))
    planner = Planner(resources.render, resources.compliance, policy)
    content = settings.section("content")
    return SchedulerService(
        resources.db,
        resources.state,
        resources.wecom,
        planner,
        policy,
        settings.section("scheduler"),
        inputs_file=content.get("market_inputs_file") or None,
        slot_audience=content.get("slot_audience"),
        **kwargs,
    )


async def scheduler_context(app: web.Application) -> AsyncIterator[None]:
    """Service context (handlers/__init__.py): ``services["scheduler"]`` while the app runs."""
    settings = app[keys.SETTINGS]
    service = build_service(app) if settings.section("scheduler").get("enabled", True) else None
    if service is not None:
        await service.start()
        app[keys.DISPATCHER].resources.services["scheduler"] = service
        app[keys.SCHEDULER] = service
    yield
    if service is not None:
        await service.stop()


def now_utc() -> datetime:
    return datetime.now(UTC)
