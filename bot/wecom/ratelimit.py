"""Client-side rate limits, enforced before WeCom does (protocol sheet §5).

Why: WeCom answers some excess with 45009 and a 60 s block, and silently *drops* app messages beyond
30/min or 1000/h per member. So every call first takes a slot from sliding windows in the StateStore
(exact across processes with Redis):

* per corp and API path: 10 000/min and 150 000/h;
* app messages, per app and member in ``touser``: 30/min and 1000/h;
* group robots, per webhook key (hashed): 20/min.

Policy, explicit: when a window is full the limiter *waits* for a slot as long as the total wait of
this call stays within ``max_wait`` seconds (default 10); if it would take longer it raises
:class:`RateLimited` with ``retry_after`` = the seconds until a slot frees, and the caller (the outbox)
reschedules. Slots taken before a later bucket refused stay taken: that may under-use a window, never
overrun it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.state import RATE, StateStore
from bot.wecom.errors import LOCAL_RATE_LIMIT, RateLimited

log = logging.getLogger("bot.wecom.ratelimit")


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events in any ``window`` seconds."""

    count: int
    window: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.window <= 0:
            raise ValueError(f"a rate limit needs count >= 1 and window > 0, got {self}")


API_LIMITS: tuple[Limit, ...] = (Limit(10_000, 60), Limit(150_000, 3600))
MEMBER_LIMITS: tuple[Limit, ...] = (Limit(30, 60), Limit(1000, 3600))
ROBOT_LIMITS: tuple[Limit, ...] = (Limit(20, 60),)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class RateLimiter:
    """Takes slots from the shared windows; waits (bounded) or raises :class:`RateLimited`."""

    def __init__(
        self,
        state: StateStore,
        *,
        max_wait: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        api_limits: Sequence[Limit] = API_LIMITS,
        member_limits: Sequence[Limit] = MEMBER_LIMITS,
        robot_limits: Sequence[Limit] = ROBOT_LIMITS,
    ) -> None:
        if max_wait < 0:
            raise ValueError("max_wait must be >= 0")
        self._state = state
        self.max_wait = max_wait
        self._sleep = sleep
        self._api = tuple(api_limits)
        self._member = tuple(member_limits)
        self._robot = tuple(robot_limits)

    async def api_call(self, corp_id: str, path: str) -> float:
        """One call of ``path`` for ``corp_id``; returns the seconds waited."""
        base = f"{RATE}api:{corp_id}:{path}"
        return await self._take([(base, limit) for limit in self._api], path)

    async def app_message(self, corp_id: str, agent_id: int, userids: Iterable[str]) -> float:
        """One app message to each member (``@all`` counts as one bucket of its own)."""
        buckets = [
            (f"{RATE}msg:{corp_id}:{agent_id}:{userid}", limit)
            for userid in dict.fromkeys(userids)
            for limit in self._member
        ]
        return await self._take(buckets, "message/send")

    async def robot(self, webhook_key: str) -> float:
        """One group-robot message; the key is a credential, so only its hash is stored."""
        base = f"{RATE}robot:{_hash(webhook_key)}"
        return await self._take([(base, limit) for limit in self._robot], "webhook/send")

    async def _take(self, buckets: Sequence[tuple[str, Limit]], path: str) -> float:
        pending = list(buckets)
        waited = 0.0
        while pending:
            still: list[tuple[str, Limit]] = []
            need = 0.0
            for base, limit in pending:
                wait = await self._state.rate_limit(f"{base}:{limit.window:g}", limit.count, limit.window)
                if wait > 0:
                    still.append((base, limit))
                    need = max(need, wait)
            if not still:
                return waited
            if waited + need > self.max_wait:
                log.warning("rate limit: %s needs %.1fs more (max_wait %.1fs)", path, need, self.max_wait)
                raise RateLimited(
                    LOCAL_RATE_LIMIT,
                    f"local rate limit reached for {len(still)} bucket(s)",
                    path,
                    "Sending now would exceed a WeCom limit whose excess WeCom drops; reschedule.",
                    retry_after=need,
                )
            await self._sleep(need)
            waited += need
            pending = still
        return waited
