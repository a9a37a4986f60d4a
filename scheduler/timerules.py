"""When a planned send may actually go out: quiet hours and frequency caps, as pure functions.

Customers must not be woken at night, nor flooded: a send planned inside the quiet window
(default 21:30-08:00 Asia/Shanghai) is moved to the window's end, unless the content is time-bound
(a midday brief is worthless the next morning), in which case it is dropped. Caps count what one
recipient already received per local calendar day, ISO week and month. Everything here takes the
clock as an argument, so the rules are tested from tables without sleeping.

Usage::

    quiet = QuietHours(time(21, 30), time(8, 0))
    next_send_time(planned, quiet=quiet, sent_times=already_sent, cap=FrequencyCap(2, 7))
    # -> the planned time, a later allowed time, or None (drop it)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from scheduler.slots import SHANGHAI, SlotError, parse_hhmm

_MAX_STEPS = 64


@dataclass(frozen=True)
class QuietHours:
    """A daily window ``[start, end)`` in local time; it crosses midnight when ``start > end``.

    ``start == end`` means no quiet hours at all.
    """

    start: time = time(21, 30)
    end: time = time(8, 0)
    tz: tzinfo = SHANGHAI

    def contains(self, moment: datetime) -> bool:
        local = _aware(moment, "moment").astimezone(self.tz).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def window_end(self, moment: datetime) -> datetime:
        """End of the quiet window containing ``moment`` (``moment`` itself when outside one)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.tz)


@dataclass(frozen=True)
class FrequencyCap:
    """Most sends one recipient may get per local day / ISO week / month; 0 means no cap."""

    max_per_day: int = 0
    max_per_week: int = 0
    max_per_month: int = 0

    def __post_init__(self) -> None:
        for name in ("max_per_day", "max_per_week", "max_per_month"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a non-negative integer, got {value!r}")


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def within_cap(
    sent_times: Iterable[datetime],
    now: datetime,
    max_per_day: int = 0,
    max_per_week: int = 0,
    max_per_month: int = 0,
    tz: tzinfo = SHANGHAI,
) -> bool:
    """True when one more send at ``now`` keeps the recipient within every cap (0 = no cap)."""
    FrequencyCap(max_per_day, max_per_week, max_per_month)  # validates
    today = _aware(now, "now").astimezone(tz).date()
    days = [_aware(t, "sent time").astimezone(tz).date() for t in sent_times]
    if max_per_day and sum(d == today for d in days) >= max_per_day:
        return False
    if max_per_week and sum(_week(d) == _week(today) for d in days) >= max_per_week:
        return False
    month = (today.year, today.month)
    return not (max_per_month and sum((d.year, d.month) == month for d in days) >= max_per_month)


def _next_cap_opening(sent: list[datetime], moment: datetime, cap: FrequencyCap, tz: tzinfo) -> datetime:
    """Start of the earliest later period in which the exceeded caps could allow a send."""
    local = moment.astimezone(tz).date()
    candidates = [moment]
    if cap.max_per_day and not within_cap(sent, moment, cap.max_per_day, tz=tz):
        candidates.append(datetime.combine(local + timedelta(days=1), time(), tzinfo=tz))
    if cap.max_per_week and not within_cap(sent, moment, max_per_week=cap.max_per_week, tz=tz):
        monday = local + timedelta(days=7 - local.weekday())
        candidates.append(datetime.combine(monday, time(), tzinfo=tz))
    if cap.max_per_month and not within_cap(sent, moment, max_per_month=cap.max_per_month, tz=tz):
        first = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        candidates.append(datetime.combine(first, time(), tzinfo=tz))
    return max(candidates)


def defer_past_quiet(planned: datetime, quiet: QuietHours) -> datetime:
    """Policy for ordinary content: a send inside quiet hours moves to the window's end."""
    return quiet.window_end(_aware(planned, "planned"))


def drop_if_quiet(planned: datetime, quiet: QuietHours) -> datetime | None:
    """Policy for time-bound content: a send inside quiet hours is dropped (None)."""
    return None if quiet.contains(_aware(planned, "planned")) else planned


def next_send_time(
    planned: datetime,
    *,
    quiet: QuietHours | None = None,
    sent_times: Iterable[datetime] = (),
    cap: FrequencyCap | None = None,
    time_bound: bool = False,
    valid_until: datetime | None = None,
) -> datetime | None:
    """The earliest time at or after ``planned`` outside quiet hours and within the caps, or None.

    None means "drop it": the content is ``time_bound`` and would have to move, or the first allowed
    time is after ``valid_until``.
    """
    moment = _aware(planned, "planned")
    if valid_until is not None:
        _aware(valid_until, "valid_until")
    sent = list(sent_times)
    tz = quiet.tz if quiet is not None else SHANGHAI
    for _ in range(_MAX_STEPS):
        moved = moment
        if quiet is not None:
            moved = quiet.window_end(moved)
        if cap is not None:
            moved = _next_cap_opening(sent, moved, cap, tz)
        if moved == moment:
            break
        moment = moved
    else:
        return None
    if moment != planned and time_bound:
        return None
    if valid_until is not None and moment > valid_until:
        return None
    return moment


def quiet_hours_from_mapping(raw: Mapping[str, Any], audience: str = "customer") -> QuietHours:
    """``[quiet_hours.<audience>]`` of config/slots.toml; missing means the 21:30-08:00 default."""
    table = raw.get("quiet_hours", {}).get(audience)
    if table is None:
        return QuietHours()
    where = f"quiet_hours.{audience}"
    if not isinstance(table, dict):
        raise SlotError(f"{where}: must be a table")
    return QuietHours(
        start=parse_hhmm(table.get("start"), f"{where}.start"),
        end=parse_hhmm(table.get("end"), f"{where}.end"),
    )


def frequency_cap_from_mapping(raw: Mapping[str, Any], audience: str = "customer") -> FrequencyCap:
    """``[frequency_caps.<audience>]`` of config/slots.toml; missing means no caps."""
    table = raw.get("frequency_caps", {}).get(audience)
    if table is None:
        return FrequencyCap()
    where = f"frequency_caps.{audience}"
    values = {}
    for key in ("max_per_day", "max_per_week", "max_per_month"):
        value = table.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SlotError(f"{where}.{key}: must be a non-negative integer, got {value!r}")
        values[key] = value
    return FrequencyCap(**values)
