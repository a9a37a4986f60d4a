"""Content slots (财经早报 08:00, 午间快讯 11:35, 收盘点评 15:30, 理财笔记 20:00) and when they fire.

Slots are configuration (``config/slots.toml``); :func:`next_fire` is a pure function of the slot, an
aware datetime and the trading calendar, so the rules are tested from tables without a clock.
:class:`SlotTrigger` adapts it to APScheduler 3 for :mod:`scheduler.runner`, beside the other trigger
helpers the runner builds on (:func:`cron_trigger`, :class:`TradingDaysOnly`, :func:`fire_times`).

Usage::

    slots = load_slots()
    next_fire(slots["closing_commentary"], datetime(2026, 2, 13, 16, tzinfo=SHANGHAI), calendar)
    # -> 2026-02-24 15:30+08:00 (Spring Festival skipped)
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.settings import PROJECT_ROOT
from scheduler.calendar import CalendarRangeError, TradingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_SLOTS = PROJECT_ROOT / "config" / "slots.toml"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MAX_DAYS_AHEAD = 400
_TICK = timedelta(microseconds=1)
log = logging.getLogger(__name__)


class SlotError(ValueError):
    """Slot configuration is malformed; the message names the slot and the field."""


@dataclass(frozen=True)
class Slot:
    """One daily send time. ``trading_days_only`` slots skip weekends and exchange holidays."""

    name: str
    at: time
    trading_days_only: bool
    template: str
    label: str = ""
    tz: tzinfo = SHANGHAI


def parse_hhmm(text: object, where: str) -> time:
    """``"08:00"`` -> ``time(8, 0)``; anything else is a SlotError naming ``where``."""
    match = _HHMM.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise SlotError(f"{where}: expected a time as HH:MM, got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def next_fire(slot: Slot, after: datetime, calendar: TradingCalendar) -> datetime:
    """The first fire of ``slot`` strictly after ``after``, as an aware datetime in the slot's zone.

    Raises CalendarRangeError when the answer would need a year the calendar does not cover.
    """
    _require_aware(after, "after")
    local = after.astimezone(slot.tz)
    day = local.date()
    for _ in range(_MAX_DAYS_AHEAD):
        candidate = datetime.combine(day, slot.at, tzinfo=slot.tz)
        if candidate > local and (not slot.trading_days_only or calendar.is_trading_day(day)):
            return candidate
        day += timedelta(days=1)
    raise CalendarRangeError(f"slot {slot.name!r}: no fire within {_MAX_DAYS_AHEAD} days of {after}")


def fires_between(
    slot: Slot, start: datetime, end: datetime, calendar: TradingCalendar
) -> Iterator[datetime]:
    """Fires in ``(start, end]``: what a scheduler that was down from ``start`` to ``end`` missed."""
    _require_aware(end, "end")
    current = next_fire(slot, start, calendar)
    while current <= end:
        yield current
        current = next_fire(slot, current, calendar)


class SlotTrigger(BaseTrigger):
    """APScheduler 3 trigger for a slot; stops (returns None) where the calendar ends, with an error log."""

    def __init__(self, slot: Slot, calendar: TradingCalendar) -> None:
        self.slot = slot
        self.calendar = calendar

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        try:
            return next_fire(self.slot, after, self.calendar)
        except CalendarRangeError as exc:
            log.error("slot %s has no further fire: %s", self.slot.name, exc)
            return None

    def __str__(self) -> str:
        days = "trading days" if self.slot.trading_days_only else "every day"
        return f"slot[{self.slot.name} {self.slot.at:%H:%M} {days}]"

    def __repr__(self) -> str:
        return f"<SlotTrigger {self.slot.name!r}>"


class TradingDaysOnly(BaseTrigger):
    """Wraps a trigger and skips fire times that fall on non-trading days."""

    def __init__(self, inner: BaseTrigger, calendar: TradingCalendar, tz: tzinfo) -> None:
        self.inner, self.calendar, self.tz = inner, calendar, tz

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        candidate = self.inner.get_next_fire_time(previous_fire_time, now)
        for _ in range(400):
            if candidate is None:
                return None
            day = candidate.astimezone(self.tz).date()
            if not self.calendar.covers(day):
                log.error("no trading calendar for %s: schedule stops", day)
                return None
            if self.calendar.is_trading_day(day):
                return candidate
            candidate = self.inner.get_next_fire_time(candidate, candidate + _TICK)
        return None


def cron_trigger(expr: str, tz: tzinfo) -> CronTrigger:
    """A CronTrigger from 5 fields (or 6 with seconds first); weekdays must be names (mon-fri)."""
    fields = (expr or "").split()
    if len(fields) not in (5, 6):
        raise ValueError(f"cron needs 5 fields (or 6 with seconds), got {expr!r}")
    if any(ch.isdigit() for ch in fields[-1]):
        # APScheduler 3 counts weekday 0 as Monday, cron as Sunday: names leave no doubt.
        raise ValueError(f"write the day of week by name (mon-fri), not {fields[-1]!r}")
    names = ("second", "minute", "hour", "day", "month", "day_of_week")[6 - len(fields) :]
    try:
        return CronTrigger(timezone=tz, **dict(zip(names, fields, strict=True)))
    except ValueError as exc:
        raise ValueError(f"bad cron {expr!r} ({exc})") from None


def fire_times(
    trigger: BaseTrigger, start: datetime, end: datetime, limit: int = 10_000
) -> Iterator[datetime]:
    """Fire times of ``trigger`` in ``(start, end]``, at most ``limit`` of them."""
    current = trigger.get_next_fire_time(None, start + _TICK)
    count = 0
    while current is not None and current <= end and count < limit:
        yield current
        count += 1
        current = trigger.get_next_fire_time(current, current + _TICK)


def slots_from_mapping(raw: Mapping[str, Any], source: str = "slots") -> dict[str, Slot]:
    """Validate parsed slot configuration; raise SlotError naming the first bad value."""
    tz_name = raw.get("timezone", "Asia/Shanghai")
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise SlotError(f"{source}: unknown time zone {tz_name!r}") from None
    table = raw.get("slots")
    if not isinstance(table, dict) or not table:
        raise SlotError(f"{source}: [slots.<name>] tables are missing")
    slots: dict[str, Slot] = {}
    for name, entry in table.items():
        where = f"{source}: slots.{name}"
        if not isinstance(entry, dict):
            raise SlotError(f"{where}: must be a table")
        days = entry.get("days")
        if days not in ("trading", "every"):
            raise SlotError(f"{where}.days: must be 'trading' or 'every', got {days!r}")
        template = entry.get("template")
        if not isinstance(template, str) or not template.strip():
            raise SlotError(f"{where}.template: missing")
        slots[name] = Slot(
            name=name,
            at=parse_hhmm(entry.get("time"), f"{where}.time"),
            trading_days_only=days == "trading",
            template=template.strip(),
            label=str(entry.get("label", "")),
            tz=tz,
        )
    return slots


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None


def load_slots(path: str | Path | None = None) -> dict[str, Slot]:
    """Read and validate ``config/slots.toml`` (or ``path``)."""
    path = Path(path) if path else DEFAULT_SLOTS
    return slots_from_mapping(read_toml(path, SlotError), source=path.name)


def slot_label(name: str, slots: Mapping[str, Slot] | None = None) -> str:
    """What people call a slot (财经早报), or its name when it has no label or is unknown."""
    slot = (load_slots() if slots is None else slots).get(name)
    return (slot.label if slot is not None else "") or name
