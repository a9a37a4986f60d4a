"""A day's plan: the content slots (config/slots.toml) with their local time, whether the exchanges trade
that day, whether each slot fired and its coverage; and the campaigns waiting to run, with their next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Campaign, CampaignSpec, Fire, Schedule
from bot.queries.deliveries import fire_coverage
from bot.queries.paging import iso
from scheduler.calendar import CalendarRangeError, TradingCalendar
from scheduler.campaign_fires import slot_schedule_name
from scheduler.slots import SHANGHAI, Slot, cron_trigger, next_fire

Sessions = async_sessionmaker[AsyncSession]
WAITING = ("scheduled", "running")


def trading_day(calendar: TradingCalendar, day: date) -> bool | None:
    """True/False, or None when the calendar does not cover the year (we do not guess)."""
    try:
        return calendar.is_trading_day(day)
    except CalendarRangeError:
        return None


def slot_state(
    runs: bool | None,
    enabled: bool,
    fire: Fire | None,
    planned: datetime,
    now: datetime,
    scheduled_since: datetime | None = None,
) -> str:
    """fired / running / failed / skipped / upcoming / missed / not_today / disabled / unknown_day, or
    before_schedule: the time passed before the slot's schedule existed (the runner never fires those)."""
    if fire is not None:
        return {"done": "fired", "running": "running", "failed": "failed", "skipped": "skipped"}.get(
            fire.status, fire.status
        )
    if not enabled:
        return "disabled"
    if runs is None:
        return "unknown_day"
    if not runs:
        return "not_today"
    if planned > now:
        return "upcoming"
    return "before_schedule" if scheduled_since is not None and scheduled_since > planned else "missed"


def next_run(
    schedule: Mapping[str, Any], now: datetime, slots: Mapping[str, Slot], calendar: Any
) -> str | None:
    """The next time a campaign's schedule fires after ``now`` (None: a past once, or no such slot)."""
    kind = schedule.get("kind")
    try:
        if kind == "once":
            at = datetime.fromisoformat(str(schedule.get("at")))
            return at.isoformat() if at > now else None
        if kind == "cron":
            moment = cron_trigger(str(schedule.get("cron", "")), SHANGHAI).get_next_fire_time(None, now)
            return moment.isoformat() if moment else None
        if kind == "slot" and schedule.get("slot") in slots:
            return next_fire(slots[str(schedule["slot"])], now, calendar).isoformat()
    except (ValueError, CalendarRangeError):
        return None
    return None


async def day_schedule(
    db: Sessions, day: date, now: datetime, slots: Mapping[str, Slot], calendar: TradingCalendar
) -> dict[str, Any]:
    """Slots of ``day`` in time order, and campaigns that are scheduled or running."""
    trades = trading_day(calendar, day)
    planned = {name: datetime.combine(day, slot.at, tzinfo=slot.tz) for name, slot in slots.items()}
    names = [slot_schedule_name(name) for name in slots]
    async with db() as session:
        schedules = {
            row.name: row
            for row in (await session.execute(select(Schedule).where(Schedule.name.in_(names)))).scalars()
        }
        fired = {
            (row.name, row.intended_at): row
            for row in (
                await session.execute(
                    select(Fire).where(
                        Fire.name.in_(names),
                        Fire.intended_at.in_([p.astimezone(UTC) for p in planned.values()]),
                    )
                )
            ).scalars()
        }
        waiting = (
            await session.execute(
                select(Campaign, CampaignSpec)
                .join(CampaignSpec)
                .where(CampaignSpec.lifecycle.in_(WAITING))
                .order_by(Campaign.id)
            )
        ).all()
    out_slots = []
    for name, slot in sorted(slots.items(), key=lambda item: item[1].at):
        schedule = schedules.get(slot_schedule_name(name))
        fire = fired.get((slot_schedule_name(name), planned[name].astimezone(UTC)))
        runs = True if not slot.trading_days_only else trades
        enabled = schedule.enabled if schedule is not None else True
        out_slots.append(
            {
                "slot": name,
                "label": slot.label or name,
                "time": slot.at.strftime("%H:%M"),
                "planned_at": planned[name].isoformat(),
                "trading_days_only": slot.trading_days_only,
                "runs_today": runs,
                "enabled": enabled,
                "template": f"slots/{slot.template}",
                "state": slot_state(
                    runs, enabled, fire, planned[name], now, schedule.created_at if schedule else None
                ),
                "fire_id": fire.id if fire else None,
                "coverage": await fire_coverage(db, [fire.id]) if fire else None,
            }
        )
    campaigns = [
        {
            "id": campaign.id,
            "name": campaign.name,
            "status": spec.lifecycle,
            "channel": spec.channel,
            "schedule": spec.schedule,
            "next_run": next_run(spec.schedule or {}, now, slots, calendar),
            "expires_at": iso(spec.expires_at),
        }
        for campaign, spec in waiting
    ]
    return {
        "day": day.isoformat(),
        "trading_day": trades,
        "holiday": calendar.holiday_name(day),
        "slots": out_slots,
        "campaigns": campaigns,
    }
