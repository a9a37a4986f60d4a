"""Slot rules from tables: each slot's next fire across weekends, holidays and the day boundary."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.calendar import CalendarRangeError, load_calendar
from scheduler.slots import (
    SHANGHAI,
    Slot,
    SlotError,
    SlotTrigger,
    TradingDaysOnly,
    cron_trigger,
    fire_times,
    fires_between,
    load_slots,
    next_fire,
    slots_from_mapping,
)


@pytest.fixture(scope="module")
def cal():
    return load_calendar()


@pytest.fixture(scope="module")
def slots():
    return load_slots()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_configured_slots(slots):
    assert {name: (s.at, s.trading_days_only) for name, s in slots.items()} == {
        "morning_report": (time(8, 0), True),
        "midday_brief": (time(11, 35), True),
        "closing_commentary": (time(15, 30), True),
        "evening_notes": (time(20, 0), False),
    }
    assert slots["morning_report"].label == "财经早报"
    assert slots["closing_commentary"].template == "closing_commentary"


@pytest.mark.parametrize(
    ("slot", "after", "expected"),
    [
        ("morning_report", sh(2026, 11, 30, 7, 59), sh(2026, 11, 30, 8, 0)),
        ("morning_report", sh(2026, 11, 30, 8, 0), sh(2026, 12, 1, 8, 0)),  # strictly after
        ("morning_report", sh(2026, 12, 4, 9, 0), sh(2026, 12, 7, 8, 0)),  # Friday -> Monday
        ("midday_brief", sh(2026, 12, 5, 12, 0), sh(2026, 12, 7, 11, 35)),  # from a Saturday
        ("closing_commentary", sh(2026, 2, 13, 16, 0), sh(2026, 2, 24, 15, 30)),  # Spring Festival
        ("closing_commentary", sh(2026, 9, 30, 15, 29), sh(2026, 9, 30, 15, 30)),
        ("closing_commentary", sh(2026, 9, 30, 15, 30), sh(2026, 10, 8, 15, 30)),  # National Day
        ("evening_notes", sh(2026, 2, 16, 12, 0), sh(2026, 2, 16, 20, 0)),  # every day, holidays too
        ("evening_notes", sh(2026, 12, 5, 20, 0), sh(2026, 12, 6, 20, 0)),
        # An aware time in another zone: 2026-11-30 23:59 UTC is 07:59 on Dec 1 in Shanghai.
        ("morning_report", datetime(2026, 11, 30, 23, 59, tzinfo=UTC), sh(2026, 12, 1, 8, 0)),
        ("morning_report", datetime(2026, 12, 1, 0, 0, tzinfo=UTC), sh(2026, 12, 2, 8, 0)),
    ],
)
def test_next_fire(slots, cal, slot, after, expected):
    fire = next_fire(slots[slot], after, cal)
    assert fire == expected
    assert fire.tzinfo == SHANGHAI


def test_next_fire_refuses_naive_datetimes(slots, cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire(slots["morning_report"], datetime(2026, 12, 1, 7, 0), cal)


def test_next_fire_beyond_the_calendar_is_an_error(slots, cal):
    with pytest.raises(CalendarRangeError):
        next_fire(slots["morning_report"], sh(2027, 12, 31, 9, 0), cal)


def test_fires_between_lists_what_a_downtime_missed(slots, cal):
    slot = slots["closing_commentary"]
    missed = list(fires_between(slot, sh(2026, 2, 12, 16), sh(2026, 2, 25, 15, 30), cal))
    assert missed == [sh(2026, 2, 13, 15, 30), sh(2026, 2, 24, 15, 30), sh(2026, 2, 25, 15, 30)]


def test_slot_trigger_drives_apscheduler(slots, cal):
    trigger = SlotTrigger(slots["morning_report"], cal)
    assert trigger.get_next_fire_time(None, sh(2026, 12, 1, 8, 0)) == sh(2026, 12, 1, 8, 0)  # inclusive now
    assert trigger.get_next_fire_time(sh(2026, 12, 1, 8, 0), sh(2026, 12, 1, 8, 0, 1)) == sh(2026, 12, 2, 8)
    assert trigger.get_next_fire_time(None, sh(2027, 12, 31, 9)) is None  # calendar ends: job stops


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("30 9 * * mon-fri", sh(2026, 12, 4, 10), sh(2026, 12, 7, 9, 30)),
        ("*/15 * * * *", sh(2026, 12, 1, 10, 1), sh(2026, 12, 1, 10, 15)),
        ("*/2 * * * * *", sh(2026, 12, 1, 10, 0, 1), sh(2026, 12, 1, 10, 0, 2)),  # 6 fields: seconds
    ],
)
def test_cron_trigger(expr, after, expected):
    assert cron_trigger(expr, SHANGHAI).get_next_fire_time(None, after) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 9 * * 1-5", "day of week by name"),
        ("0 9 * *", "5 fields"),
        ("99 9 * * *", "bad cron"),
    ],
)
def test_cron_trigger_rejects_ambiguous_or_bad_expressions(expr, message):
    with pytest.raises(ValueError, match=message):
        cron_trigger(expr, SHANGHAI)


def test_trading_days_only_skips_holidays(cal):
    trigger = TradingDaysOnly(cron_trigger("0 10 * * *", SHANGHAI), cal, SHANGHAI)
    assert trigger.get_next_fire_time(None, sh(2026, 2, 13, 11)) == sh(2026, 2, 24, 10)


def test_fire_times_is_half_open():
    trigger = cron_trigger("0 * * * *", SHANGHAI)
    times = list(fire_times(trigger, sh(2026, 12, 1, 8), sh(2026, 12, 1, 11)))
    assert times == [sh(2026, 12, 1, 9), sh(2026, 12, 1, 10), sh(2026, 12, 1, 11)]
    assert len(list(fire_times(trigger, sh(2026, 12, 1, 8), sh(2026, 12, 2, 8), limit=5))) == 5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"slots": {"x": {"time": "8:00", "days": "every", "template": "t"}}}, r"slots\.x\.time: expected"),
        ({"slots": {"x": {"time": "24:00", "days": "every", "template": "t"}}}, r"slots\.x\.time"),
        ({"slots": {"x": {"time": "08:00", "days": "weekdays", "template": "t"}}}, r"slots\.x\.days"),
        ({"slots": {"x": {"time": "08:00", "days": "every"}}}, r"slots\.x\.template: missing"),
        ({"slots": {}}, "missing"),
        ({"timezone": "Mars/Base", "slots": {"x": {}}}, "unknown time zone"),
    ],
)
def test_bad_slot_configuration_is_named(raw, message):
    with pytest.raises(SlotError, match=message):
        slots_from_mapping(raw)


def test_slot_in_another_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    slot = Slot("x", time(9, 0), False, "t", tz=tokyo)
    cal = load_calendar()
    fire = next_fire(slot, sh(2026, 12, 1, 8, 0), cal)  # 08:00 Shanghai == 09:00 Tokyo
    assert fire == datetime(2026, 12, 2, 9, 0, tzinfo=tokyo)
    assert fire - sh(2026, 12, 1, 8, 0) == timedelta(days=1)
