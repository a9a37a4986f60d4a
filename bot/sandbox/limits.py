"""WeCom's quotas as the simulator applies them: sliding windows and natural-month caps."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SandboxLimits:
    """The numbers the simulator enforces; tests may tighten or loosen them."""

    token_ttl: int = 7200
    member_per_minute: int = 30  # message/send per member; the excess is dropped silently
    member_per_hour: int = 1000
    webhook_per_minute: int = 20  # webhook/send per key -> 45009
    mass_monthly_cap: int = 4  # mass messages a customer / group may receive per natural month
    remind_per_day: int = 3  # remind_groupmsg_send per task per 24 h
    welcome_code_ttl: float = 20.0
    kf_token_ttl: float = 600.0
    kf_window: float = 48 * 3600.0  # reply window after the customer's last message
    kf_sends_per_message: int = 5
    kf_history: float = 3 * 86400.0  # sync_msg returns the last 3 days only
    # get_groupmsg_* within this many seconds of creation answer 41063 (0 = never).
    mass_dispatch_seconds: float = 0.0


class SlidingWindow:
    """Event times for one key; answers whether another event fits under per-window limits."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def allow(self, now: float, rules: tuple[tuple[int, float], ...]) -> bool:
        """Record an event at ``now`` if every ``(limit, seconds)`` rule still has room."""
        horizon = max(seconds for _, seconds in rules)
        while self._times and self._times[0] <= now - horizon:
            self._times.popleft()
        for limit, seconds in rules:
            if sum(1 for t in self._times if t > now - seconds) >= limit:
                return False
        self._times.append(now)
        return True


def month_key(timestamp: float) -> tuple[int, int]:
    """The natural month (Asia/Shanghai) a timestamp falls in."""
    moment = datetime.fromtimestamp(timestamp, SHANGHAI)
    return moment.year, moment.month


def count_in_month(times: list[float], now: float) -> int:
    current = month_key(now)
    return sum(1 for t in times if month_key(t) == current)
