"""One scheduler leader among many instances: a lease in the shared StateStore, renewed while alive.

Every instance runs a :class:`LeaderLease` with its own ``owner`` id. The holder renews every
``ttl / 3``; if it dies, the lease expires after ``ttl`` and another instance takes it (fail-over).
A holder whose renewal fails (refused, or the store unreachable) gives up leadership at once, and
one that has not managed to renew for ``ttl`` treats itself as deposed even before the store answers,
so two instances never both believe they lead for long. Exactly-once delivery does not rest on the
lease alone: each fire is also claimed in the FireLedger.

Usage::

    lease = LeaderLease(state, "scheduler", owner=instance_id, ttl=15, on_gain=..., on_loss=...)
    await lease.start()      # background loop
    ...
    await lease.stop()       # releases the lease so another instance takes over at once
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.state import LEASE, StateStore

LeaseCallback = Callable[[], Awaitable[None]]
log = logging.getLogger(__name__)


class LeaderLease:
    """Acquire-or-renew loop over ``StateStore.acquire``; calls ``on_gain``/``on_loss`` on changes."""

    def __init__(
        self,
        state: StateStore,
        name: str,
        owner: str,
        ttl: float = 15.0,
        *,
        on_gain: LeaseCallback | None = None,
        on_loss: LeaseCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not name or not owner:
            raise ValueError("LeaderLease needs a non-empty name and owner")
        if ttl <= 0:
            raise ValueError(f"LeaderLease ttl must be positive, got {ttl!r}")
        self.state = state
        self.key = LEASE + name
        self.owner = owner
        self.ttl = float(ttl)
        self.on_gain = on_gain
        self.on_loss = on_loss
        self._clock = clock
        self._leader = False
        self._valid_until = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        return self.ttl / 3

    @property
    def is_leader(self) -> bool:
        """True while we hold a lease that cannot have expired yet by our own clock."""
        return self._leader and self._clock() < self._valid_until

    async def tick(self) -> bool:
        """One acquire-or-renew round; returns whether we lead afterwards. The loop calls this."""
        started = self._clock()
        try:
            held = await self.state.acquire(self.key, self.owner, self.ttl)
        except Exception:
            log.exception("lease %s: renew failed for %s", self.key, self.owner)
            held = False
        if held:
            self._valid_until = started + self.ttl
            if not self._leader:
                self._leader = True
                log.info("lease %s: %s is now the leader", self.key, self.owner)
                await self._call(self.on_gain)
        elif self._leader:
            await self._lose("renew refused")
        return self._leader

    async def _lose(self, why: str) -> None:
        self._leader = False
        self._valid_until = 0.0
        # Stepping down on shutdown is routine; losing the lease while running is worth a warning.
        level = logging.INFO if why == "stopped" else logging.WARNING
        log.log(level, "lease %s: %s lost leadership (%s)", self.key, self.owner, why)
        await self._call(self.on_loss)

    async def _call(self, callback: LeaseCallback | None) -> None:
        if callback is None:
            return
        try:
            await callback()
        except Exception:
            log.exception("lease %s: callback failed", self.key)

    async def _run(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.interval)
            if self._leader and not self.is_leader:
                # The renew round itself overran the ttl: the lease may be someone else's by now.
                await self._lose("lease expired before it could be renewed")

    async def start(self) -> None:
        """Run the lease loop in a background task (kept here, cancelled by :meth:`stop`)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"lease:{self.key}:{self.owner}")

    async def stop(self, release: bool = True) -> None:
        """Stop renewing; if we lead, call ``on_loss`` and (by default) release the lease at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._leader:
            await self._lose("stopped")
            if release:
                try:
                    await self.state.release(self.key, self.owner)
                except Exception:
                    log.exception("lease %s: release failed; it will expire in %.1fs", self.key, self.ttl)
