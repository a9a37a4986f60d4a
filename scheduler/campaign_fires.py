"""What a fire does: slot content, campaign runs and event commentary, each planned into the outbox.

The runner has already claimed the fire in the ledger (``fires`` row, unique (schedule, intended)),
so this runs once per fire; and because every outbox key starts with the fire key, running it again
(a leader that died mid-plan, :meth:`FirePipeline.recover`) completes what is missing and duplicates
nothing. Plans are committed in one transaction: rows and cap reservations together or not at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import changes
from bot.db.models import Campaign, CampaignSpec, Fire, Schedule
from bot.delivery.audience import Audience, check_robots
from bot.delivery.planner import Planner, PlanResult
from scheduler.campaign_lifecycle import CORE_STATUS
from scheduler.campaigns import CampaignBook
from scheduler.content import event_request, inputs_for, local_day, slot_request
from scheduler.fires import fire_key
from scheduler.slots import Slot

log = logging.getLogger("wecombot.scheduler")
SLOT_PREFIX = "slot:"
CAMPAIGN_PREFIX = "campaign:"


async def fire_row(session: AsyncSession, name: str, intended: datetime, owner: str = "") -> Fire:
    """The ledger's row of this fire (created when the fire did not come through the DbFireLedger)."""
    row = (
        await session.execute(select(Fire).where(Fire.name == name, Fire.intended_at == intended))
    ).scalar_one_or_none()
    if row is None:
        row = Fire(name=name, intended_at=intended, status="running", instance=owner[:64], detail={})
        session.add(row)
        await session.flush()
    return row


class FirePipeline:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        planner: Planner,
        slots: Mapping[str, Slot],
        *,
        inputs_file: str | None = None,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.planner = planner
        self.slots = slots
        self.inputs_file = inputs_file
        self.on_queued = on_queued
        self.book = CampaignBook(sessions, planner, slots)

    def _queued(self, result: PlanResult | None) -> None:
        if result is not None and result.outbox_ids and self.on_queued is not None:
            self.on_queued()

    async def run(self, schedule_id: str, intended: datetime) -> PlanResult | None:
        """The runner's callback for every schedule built by :mod:`scheduler.service`."""
        if schedule_id.startswith(CAMPAIGN_PREFIX):
            result = await self.run_campaign(int(schedule_id[len(CAMPAIGN_PREFIX) :]), schedule_id, intended)
        else:
            result = await self.run_schedule(schedule_id, intended)
        self._queued(result)
        return result

    async def run_schedule(self, schedule_id: str, intended: datetime) -> PlanResult | None:
        async with self.sessions() as session, session.begin():
            schedule = (
                await session.execute(select(Schedule).where(Schedule.name == schedule_id))
            ).scalar_one_or_none()
            if schedule is None or not schedule.enabled:
                log.warning("fire %s: schedule missing or disabled, nothing sent", schedule_id)
                return None
            slot = self.slots.get(schedule.cron if schedule.kind == "slot" else schedule.template_key)
            if slot is None:
                log.error("fire %s: no slot %r in config/slots.toml", schedule_id, schedule.cron)
                return None
            inputs = await inputs_for(session, local_day(intended), slot.name, self.inputs_file)
            fire = await fire_row(session, schedule_id, intended)
            fire.schedule_id = schedule.id
            if inputs is None:
                log.warning("fire %s@%s: no market inputs for the day; skipped", schedule_id, intended)
                return None
            request = slot_request(
                slot,
                intended,
                inputs,
                Audience.from_mapping(schedule.target),
                fire_key(schedule_id, intended),
                fire.id,
            )
            return await self.planner.plan(session, request)

    async def run_campaign(self, campaign_id: int, schedule_id: str, intended: datetime) -> PlanResult | None:
        async with self.sessions() as session, session.begin():
            row = (
                await session.execute(
                    select(Campaign, CampaignSpec).join(CampaignSpec).where(Campaign.id == campaign_id)
                )
            ).first()
            if row is None:
                return None
            campaign, spec = row
            if spec.lifecycle not in ("scheduled", "running"):
                log.info("campaign %s is %s: fire %s skipped", campaign.name, spec.lifecycle, intended)
                return None
            if spec.expires_at is not None and intended > spec.expires_at:
                spec.lifecycle, campaign.status = "done", CORE_STATUS["done"]
                return None
            fire = await fire_row(session, schedule_id, intended)
            fire.campaign_id = campaign.id
            spec.lifecycle, campaign.status = "running", CORE_STATUS["running"]
            request = await self.book.request(
                session, campaign, spec, fire_key(schedule_id, intended), intended, fire.id
            )
            result = await self.planner.plan(session, request)
            spec.last_plan = result.summary()
            if spec.schedule.get("kind") == "once":
                spec.lifecycle, campaign.status = "done", CORE_STATUS["done"]
            return result

    async def post_event(
        self,
        event: Mapping[str, Any],
        audience: Audience,
        by: str,
        now: datetime | None = None,
        actor: changes.Actor | None = None,
    ) -> tuple[int, PlanResult]:
        """Event commentary at once: its own fire row (named after the event) and the same pipeline."""
        check_robots(audience, self.planner.policy.robots)
        now = now or datetime.now(UTC)
        digest = hashlib.sha256(f"{event.get('title')}|{event.get('comment')}".encode()).hexdigest()[:12]
        name = f"event:{digest}"
        async with self.sessions() as session, session.begin():
            fire = await fire_row(session, name, now.replace(microsecond=0), by)
            request = event_request(event, audience, fire_key(name, fire.intended_at), fire.id, now, by)
            result = await self.planner.plan(session, request)
            fire.status, fire.finished_at = "done", now
            fire_id = fire.id
            detail = {"title": event.get("title"), "passed": result.passed}
            changes.record(session, actor, "commentary.post", "fire", fire_id, detail)
        self._queued(result)
        return fire_id, result

    async def recover(self, older_than: timedelta, now: datetime | None = None) -> list[str]:
        """Re-run fires left ``running`` by a leader that died mid-plan (idempotent keys make it safe)."""
        now = now or datetime.now(UTC)
        async with self.sessions() as session:
            stale = (
                (
                    await session.execute(
                        select(Fire).where(Fire.status == "running", Fire.started_at < now - older_than)
                    )
                )
                .scalars()
                .all()
            )
        redone = []
        for fire in stale:
            if fire.name.startswith("event:"):
                continue
            try:
                await self.run(fire.name, fire.intended_at)
            except Exception:
                log.exception("recovery of fire %s@%s failed", fire.name, fire.intended_at)
                continue
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(Fire)
                    .where(Fire.id == fire.id)
                    .values(status="done", finished_at=now, detail={"recovered": True})
                )
            redone.append(f"{fire.name}@{fire.intended_at.isoformat()}")
        return redone


def slot_schedule_name(slot: str) -> str:
    return SLOT_PREFIX + slot
