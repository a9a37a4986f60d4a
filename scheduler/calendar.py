"""The SSE/SZSE trading-day calendar: weekends plus the exchange holidays listed in configuration.

Trading-day-only slots (morning report, midday brief, closing commentary) must skip exchange holidays,
and a wrong answer is a message sent on a closed day, so the calendar refuses to guess: a date outside
the configured years raises :class:`CalendarRangeError` instead of being treated as a weekday.

Usage::

    cal = load_calendar()                      # config/trading_calendar.toml
    cal.is_trading_day(date(2026, 2, 16))      # False (Spring Festival)
    cal.next_trading_day(date(2026, 2, 13))    # date(2026, 2, 24)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

DEFAULT_CALENDAR = PROJECT_ROOT / "config" / "trading_calendar.toml"


class CalendarError(ValueError):
    """The calendar configuration is malformed; the message names the bad entry."""


class CalendarRangeError(ValueError):
    """A date outside the years the calendar covers: we do not know whether the exchanges are open."""


@dataclass(frozen=True)
class TradingCalendar:
    """Closed weekdays for ``first_year..last_year``; weekends are always closed."""

    first_year: int
    last_year: int
    closed: frozenset[date]
    provisional_years: frozenset[int] = field(default_factory=frozenset)
    names: Mapping[date, str] = field(default_factory=dict, compare=False)

    def _check(self, day: date) -> None:
        if not isinstance(day, date):
            raise TypeError(f"expected a date, got {type(day).__name__}")
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarRangeError(
                f"{day.isoformat()} is outside the trading calendar "
                f"({self.first_year}-{self.last_year}); add the year to config/trading_calendar.toml"
            )

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def is_trading_day(self, day: date) -> bool:
        """True on a weekday that is not an exchange holiday."""
        self._check(day)
        return day.weekday() < 5 and day not in self.closed

    def is_provisional(self, day: date) -> bool:
        """True when the answer for ``day`` rests on dates the exchanges have not yet published."""
        self._check(day)
        return day.year in self.provisional_years

    def holiday_name(self, day: date) -> str | None:
        return self.names.get(day)

    def _step(self, day: date, delta: int) -> date:
        self._check(day)
        current = day + timedelta(days=delta)
        while True:
            self._check(current)
            if self.is_trading_day(current):
                return current
            current += timedelta(days=delta)

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after ``day``."""
        return self._step(day, 1)

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        return self._step(day, -1)

    def trading_days(self, start: date, end: date) -> list[date]:
        """Trading days in ``start..end`` inclusive."""
        self._check(start)
        self._check(end)
        days, current = [], start
        while current <= end:
            if self.is_trading_day(current):
                days.append(current)
            current += timedelta(days=1)
        return days


def _parse_day(text: object, where: str, first: int, last: int) -> date:
    if not isinstance(text, str):
        raise CalendarError(f"{where}: expected an ISO date string, got {text!r}")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarError(f"{where}: {text!r} is not an ISO date (YYYY-MM-DD)") from None
    if len(text.strip()) != 10:
        raise CalendarError(f"{where}: {text!r} is not an ISO date (YYYY-MM-DD)")
    if not first <= day.year <= last:
        raise CalendarError(f"{where}: {text!r} is outside {first}-{last}")
    return day


def _expand(item: object, where: str, first: int, last: int) -> Iterable[date]:
    if isinstance(item, str) and ".." in item:
        start_text, _, end_text = item.partition("..")
        start = _parse_day(start_text, where, first, last)
        end = _parse_day(end_text, where, first, last)
        if end < start:
            raise CalendarError(f"{where}: range {item!r} ends before it starts")
        return (start + timedelta(days=n) for n in range((end - start).days + 1))
    return (_parse_day(item, where, first, last),)


def calendar_from_mapping(raw: Mapping[str, Any], source: str = "trading calendar") -> TradingCalendar:
    """Validate a parsed calendar file; raise CalendarError naming the first bad entry."""
    try:
        first, last = int(raw["first_year"]), int(raw["last_year"])
    except (KeyError, TypeError, ValueError):
        raise CalendarError(f"{source}: first_year and last_year must be integers") from None
    if not 2000 <= first <= last <= 2100:
        raise CalendarError(f"{source}: bad year range {first}-{last}")
    provisional = raw.get("provisional_years", [])
    if not isinstance(provisional, list) or not all(isinstance(y, int) for y in provisional):
        raise CalendarError(f"{source}: provisional_years must be a list of years")
    entries = raw.get("closed", [])
    if not isinstance(entries, list):
        raise CalendarError(f"{source}: [[closed]] must be an array of tables")
    closed: set[date] = set()
    names: dict[date, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CalendarError(f"{source}: closed[{index}] must be a table")
        name = str(entry.get("name", "")).strip()
        where = f"{source}: closed[{index}] ({name or 'unnamed'})"
        if not name:
            raise CalendarError(f"{where}: missing name")
        dates = entry.get("dates")
        if not isinstance(dates, list) or not dates:
            raise CalendarError(f"{where}: dates must be a non-empty list")
        for item in dates:
            for day in _expand(item, where, first, last):
                closed.add(day)
                names.setdefault(day, name)
    return TradingCalendar(
        first_year=first,
        last_year=last,
        closed=frozenset(closed),
        provisional_years=frozenset(provisional),
        names=names,
    )


def load_calendar(path: str | Path | None = None) -> TradingCalendar:
    """Read and validate the calendar file (default ``config/trading_calendar.toml``)."""
    path = Path(path) if path else DEFAULT_CALENDAR
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise CalendarError(f"{path}: trading calendar file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path}: not valid TOML ({exc})") from None
    return calendar_from_mapping(raw, source=path.name)
