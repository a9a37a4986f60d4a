"""Quiet hours, frequency caps and the next allowed send time, from tables (no clock, no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from scheduler.slots import DEFAULT_SLOTS, SHANGHAI, SlotError, load_slots, read_toml
from scheduler.timerules import (
    FrequencyCap,
    QuietHours,
    defer_past_quiet,
    drop_if_quiet,
    frequency_cap_from_mapping,
    next_send_time,
    quiet_hours_from_mapping,
    within_cap,
)

QUIET = QuietHours(time(21, 30), time(8, 0))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (sh(2026, 12, 1, 21, 29), False),
        (sh(2026, 12, 1, 21, 30), True),
        (sh(2026, 12, 1, 23, 59), True),
        (sh(2026, 12, 2, 0, 0), True),
        (sh(2026, 12, 2, 7, 59), True),
        (sh(2026, 12, 2, 8, 0), False),
        (sh(2026, 12, 2, 12, 0), False),
        (datetime(2026, 12, 1, 14, 0, tzinfo=UTC), True),  # 22:00 in Shanghai
    ],
)
def test_quiet_hours_cross_midnight(moment, inside):
    assert QUIET.contains(moment) is inside


@pytest.mark.parametrize(
    ("window", "moment", "inside"),
    [
        (QuietHours(time(12, 0), time(14, 0)), sh(2026, 12, 1, 13, 0), True),  # same-day window
        (QuietHours(time(12, 0), time(14, 0)), sh(2026, 12, 1, 14, 0), False),
        (QuietHours(time(8, 0), time(8, 0)), sh(2026, 12, 1, 8, 0), False),  # empty window
    ],
)
def test_other_windows(window, moment, inside):
    assert window.contains(moment) is inside


@pytest.mark.parametrize(
    ("planned", "deferred", "dropped"),
    [
        (sh(2026, 12, 1, 20, 0), sh(2026, 12, 1, 20, 0), sh(2026, 12, 1, 20, 0)),
        (sh(2026, 12, 1, 22, 0), sh(2026, 12, 2, 8, 0), None),  # evening: to tomorrow 08:00
        (sh(2026, 12, 2, 6, 30), sh(2026, 12, 2, 8, 0), None),  # early morning: to 08:00 the same day
        (sh(2026, 12, 2, 8, 0), sh(2026, 12, 2, 8, 0), sh(2026, 12, 2, 8, 0)),
    ],
)
def test_both_quiet_policies(planned, deferred, dropped):
    assert defer_past_quiet(planned, QUIET) == deferred
    assert drop_if_quiet(planned, QUIET) == dropped


DAY1 = [sh(2026, 12, 1, 9, 0), sh(2026, 12, 1, 12, 0)]  # Tuesday, two sends


@pytest.mark.parametrize(
    ("sent", "now", "per_day", "per_week", "per_month", "allowed"),
    [
        ([], sh(2026, 12, 1, 9), 1, 1, 1, True),
        (DAY1, sh(2026, 12, 1, 18), 2, 0, 0, False),
        (DAY1, sh(2026, 12, 1, 18), 3, 0, 0, True),
        (DAY1, sh(2026, 12, 2, 9), 2, 0, 0, True),  # a new day
        (DAY1, sh(2026, 12, 2, 9), 0, 2, 0, False),  # same ISO week
        (DAY1, sh(2026, 12, 7, 9), 0, 2, 0, True),  # next Monday: new week
        (DAY1, sh(2026, 12, 31, 9), 0, 0, 2, False),
        (DAY1, sh(2027, 1, 1, 9), 0, 0, 2, True),
        # Days are Shanghai days: 16:30 UTC on Dec 1 is already Dec 2, 00:30 in Shanghai.
        (DAY1, datetime(2026, 12, 1, 16, 30, tzinfo=UTC), 2, 0, 0, True),
        (DAY1, sh(2026, 12, 1, 18), 0, 0, 0, True),  # 0 = no cap
    ],
)
def test_within_cap(sent, now, per_day, per_week, per_month, allowed):
    assert within_cap(sent, now, per_day, per_week, per_month) is allowed


def test_within_cap_rejects_bad_input():
    with pytest.raises(ValueError, match="max_per_day"):
        within_cap([], sh(2026, 12, 1, 9), -1, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        within_cap([datetime(2026, 12, 1, 9)], sh(2026, 12, 1, 9), 1, 1)


CAP = FrequencyCap(max_per_day=2, max_per_week=7)
# Seven sends in ISO week 49 of 2026 (Monday Nov 30 to Sunday Dec 6), none on Friday Dec 4.
WEEK_FULL = [
    sh(2026, 11, 30, 9), sh(2026, 11, 30, 12), sh(2026, 12, 1, 9), sh(2026, 12, 1, 12),
    sh(2026, 12, 2, 9), sh(2026, 12, 2, 12), sh(2026, 12, 3, 9),
]  # fmt: skip


@pytest.mark.parametrize(
    ("planned", "kwargs", "expected"),
    [
        (sh(2026, 12, 1, 10), {"quiet": QUIET}, sh(2026, 12, 1, 10)),
        (sh(2026, 12, 1, 23), {"quiet": QUIET}, sh(2026, 12, 2, 8)),
        (sh(2026, 12, 1, 23), {"quiet": QUIET, "time_bound": True}, None),
        (sh(2026, 12, 1, 23), {"quiet": QUIET, "valid_until": sh(2026, 12, 2, 9)}, sh(2026, 12, 2, 8)),
        (sh(2026, 12, 1, 23), {"quiet": QUIET, "valid_until": sh(2026, 12, 2, 7)}, None),
        # Day cap reached: next day, then past the quiet window -> 08:00.
        (sh(2026, 12, 1, 15), {"quiet": QUIET, "sent_times": DAY1, "cap": CAP}, sh(2026, 12, 2, 8)),
        (sh(2026, 12, 1, 15), {"quiet": QUIET, "sent_times": DAY1, "cap": CAP, "time_bound": True}, None),
        # Week cap reached: next Monday 08:00.
        (sh(2026, 12, 4, 15), {"quiet": QUIET, "sent_times": WEEK_FULL, "cap": CAP}, sh(2026, 12, 7, 8)),
        # Month cap reached on the 31st: the first of the next month at 08:00.
        (
            sh(2026, 12, 31, 10),
            {"quiet": QUIET, "sent_times": DAY1, "cap": FrequencyCap(max_per_month=2)},
            sh(2027, 1, 1, 8),
        ),
        (sh(2026, 12, 1, 15), {"sent_times": DAY1, "cap": CAP}, sh(2026, 12, 2, 0)),  # no quiet hours
    ],
)
def test_next_send_time(planned, kwargs, expected):
    assert next_send_time(planned, **kwargs) == expected


def test_week_fixture_is_seven_sends_in_one_iso_week():
    assert len(WEEK_FULL) == 7
    assert {t.isocalendar().week for t in WEEK_FULL} == {49}


def test_next_send_time_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="planned must be timezone-aware"):
        next_send_time(datetime(2026, 12, 1, 10), quiet=QUIET)


def test_configured_customer_rules():
    raw = read_toml(DEFAULT_SLOTS, SlotError)
    assert quiet_hours_from_mapping(raw) == QuietHours(time(21, 30), time(8, 0))
    assert frequency_cap_from_mapping(raw) == FrequencyCap(2, 7, 0)
    assert quiet_hours_from_mapping({}) == QuietHours()  # default 21:30-08:00
    assert frequency_cap_from_mapping({}) == FrequencyCap()
    assert load_slots()  # the same file also holds valid slots


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"quiet_hours": {"customer": {"start": "9pm", "end": "08:00"}}}, r"quiet_hours\.customer\.start"),
        ({"frequency_caps": {"customer": {"max_per_day": -1}}}, r"frequency_caps\.customer\.max_per_day"),
        ({"frequency_caps": {"customer": {"max_per_week": "7"}}}, r"max_per_week"),
    ],
)
def test_bad_rules_are_named(raw, message):
    with pytest.raises(SlotError, match=message):
        quiet_hours_from_mapping(raw)
        frequency_cap_from_mapping(raw)
