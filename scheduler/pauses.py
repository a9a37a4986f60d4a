"""Pausing and resuming a content slot (e.g. no evening notes during the Spring Festival week).

A slot's ``schedules`` row decides whether the scheduler runs it; the scheduler is rebuilt from the rows
after the change, so a paused slot does not fire, on this instance or on the leader elsewhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import changes
from bot.db.models import Schedule
from scheduler.campaign_fires import slot_schedule_name


class UnknownSchedule(LookupError):
    pass


async def set_enabled(
    sessions: async_sessionmaker[AsyncSession], name: str, enabled: bool, actor: changes.Actor | None
) -> dict[str, Any]:
    async with sessions() as session, session.begin():
        names = (name, slot_schedule_name(name))  # "morning_report" or its row's "slot:morning_report"
        statement = select(Schedule).where(Schedule.name.in_(names))
        schedule = (await session.execute(statement)).scalars().first()
        if schedule is None:
            raise UnknownSchedule(f"no schedule {name!r}")
        if schedule.enabled != enabled:
            schedule.enabled = enabled
            action = "schedule.resume" if enabled else "schedule.pause"
            changes.record(session, actor, action, "schedule", schedule.name)
        return {"name": name, "schedule": schedule.name, "enabled": enabled}
