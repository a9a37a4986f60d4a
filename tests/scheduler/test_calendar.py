"""Trading-day rules from tables: weekends, exchange holidays, make-up weekends, range errors."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.calendar import (
    CalendarError,
    CalendarRangeError,
    calendar_from_mapping,
    load_calendar,
)


@pytest.fixture(scope="module")
def cal():
    return load_calendar()


@pytest.mark.parametrize(
    ("day", "trading"),
    [
        (date(2025, 1, 1), False),  # 元旦
        (date(2025, 1, 2), True),
        (date(2025, 1, 27), True),  # the Monday before Spring Festival
        (date(2025, 1, 28), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 1, 26), False),  # make-up working Sunday (调休): the exchanges stay closed
        (date(2025, 2, 8), False),  # make-up working Saturday
        (date(2025, 4, 4), False),  # 清明
        (date(2025, 5, 5), False),  # 劳动节
        (date(2025, 5, 6), True),
        (date(2025, 6, 2), False),  # 端午
        (date(2025, 10, 8), False),  # 国庆 + 中秋
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), False),  # make-up working Saturday
        (date(2026, 1, 2), False),
        (date(2026, 1, 5), True),
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),  # 除夕
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 4, 6), False),
        (date(2026, 5, 4), False),
        (date(2026, 5, 6), True),
        (date(2026, 6, 19), False),
        (date(2026, 9, 25), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 11, 30), True),  # an ordinary Monday
        (date(2026, 12, 5), False),  # an ordinary Saturday
        (date(2027, 2, 5), False),  # provisional
        (date(2027, 10, 8), True),
    ],
)
def test_is_trading_day(cal, day, trading):
    assert cal.is_trading_day(day) is trading


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        (date(2026, 2, 13), date(2026, 2, 24), date(2026, 2, 12)),  # across Spring Festival
        (date(2026, 2, 24), date(2026, 2, 25), date(2026, 2, 13)),
        (date(2025, 12, 31), date(2026, 1, 5), date(2025, 12, 30)),  # across the year end
        (date(2025, 9, 30), date(2025, 10, 9), date(2025, 9, 29)),
        (date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 4)),  # from a weekend
    ],
)
def test_next_and_previous_trading_day(cal, day, following, preceding):
    assert cal.next_trading_day(day) == following
    assert cal.previous_trading_day(day) == preceding


@pytest.mark.parametrize("day", [date(2024, 12, 31), date(2028, 1, 3)])
def test_dates_outside_the_calendar_are_an_error(cal, day):
    with pytest.raises(CalendarRangeError, match="outside the trading calendar"):
        cal.is_trading_day(day)


def test_next_trading_day_does_not_run_off_the_end(cal):
    with pytest.raises(CalendarRangeError):
        cal.next_trading_day(date(2027, 12, 31))
    with pytest.raises(CalendarRangeError):
        cal.previous_trading_day(date(2025, 1, 1))


def test_2027_is_marked_provisional(cal):
    assert cal.is_provisional(date(2027, 6, 9))
    assert not cal.is_provisional(date(2026, 6, 19))
    assert cal.holiday_name(date(2026, 2, 16)).startswith("春节")


def test_every_listed_year_has_the_seven_holidays(cal):
    for year in (2025, 2026, 2027):
        text = " ".join(name for day, name in cal.names.items() if day.year == year)
        for holiday in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
            assert holiday in text, (year, holiday)


def _raw(*dates: object, name: str = "test holiday") -> dict:
    return {"first_year": 2025, "last_year": 2027, "closed": [{"name": name, "dates": list(dates)}]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_raw("2025-13-01", name="坏日期"), r"closed\[0\] \(坏日期\): '2025-13-01' is not an ISO date"),
        (_raw("2025/01/01"), "is not an ISO date"),
        (_raw("2024-12-31"), "outside 2025-2027"),
        (_raw(20250101), "expected an ISO date string"),
        (_raw("2025-02-04..2025-01-28"), "ends before it starts"),
        (_raw(), "dates must be a non-empty list"),
        ({"first_year": 2025, "last_year": 2027, "closed": [{"dates": ["2025-01-01"]}]}, "missing name"),
        ({"first_year": "x", "last_year": 2027}, "first_year and last_year must be integers"),
        ({"first_year": 2027, "last_year": 2025}, "bad year range"),
    ],
)
def test_bad_calendar_entries_are_named(raw, message):
    with pytest.raises(CalendarError, match=message):
        calendar_from_mapping(raw)


def test_ranges_expand_inclusively():
    cal = calendar_from_mapping(_raw("2025-01-28..2025-01-30"))
    days = [cal.is_trading_day(date(2025, 1, d)) for d in (27, 28, 29, 30, 31)]
    assert days == [True, False, False, False, True]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CalendarError, match="not found"):
        load_calendar(tmp_path / "nope.toml")
