"""The delivery loop: reconcile stale claims, claim due rows, send them; poll receipts (leader only).

Every instance may drain the outbox (claims are exclusive); receipts and reminders are polled by the
scheduler leader only, so WeCom's reminder quota is not spent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.content import Renderer
from bot.delivery import outbox
from bot.delivery.outbox import Sessions
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.receipts import ReceiptPoller
from bot.delivery.reconcile import reconcile_stale
from bot.delivery.senders import Senders

log = logging.getLogger("wecombot.delivery")


class DeliveryWorker:
    def __init__(
        self,
        sessions: Sessions,
        wecom: Any,
        render: Renderer,
        policy: DeliveryPolicy,
        owner: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        is_leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.owner = owner
        self.clock = clock
        self.is_leader = is_leader
        self.senders = Senders(sessions, wecom, render, policy)
        self.receipts = ReceiptPoller(sessions, wecom, render, policy)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def drain(self, max_rows: int | None = None) -> dict[str, int]:
        """Send due rows until none is left (or ``max_rows``); returns counts per outcome."""
        counts = await reconcile_stale(self.senders, self.owner, self.clock(), self.policy.claim_timeout)
        done = 0
        while max_rows is None or done < max_rows:
            size = (
                self.policy.batch_size if max_rows is None else min(self.policy.batch_size, max_rows - done)
            )
            rows = await outbox.claim(self.sessions, self.owner, self.clock(), size)
            if not rows:
                break
            for row in rows:
                outcome = await self.senders.send(row, self.owner, self.clock())
                counts[outcome] = counts.get(outcome, 0) + 1
            done += len(rows)
        return counts

    def wake(self) -> None:
        """Something was queued: drain now instead of at the next interval."""
        self._wake.set()

    async def _run(self, interval: float, receipt_every: float) -> None:
        last_poll = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.drain()
                if self.is_leader() and loop.time() - last_poll >= receipt_every:
                    last_poll = loop.time()
                    await self.receipts.poll(self.clock())
            except Exception:
                log.exception("delivery loop round failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)

    def start(self, interval: float = 2.0, receipt_every: float = 60.0) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(interval, receipt_every))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
