"""The journey service in the app: built from ``[companion]``, ticked on a schedule, one ticker at a time.

``companion_context`` (listed in ``handlers.service_contexts()``) puts a :class:`JourneyService` into
``resources.services["journeys"]``. Its loop ticks every ``tick_seconds`` under a state-store lock, so with
several instances only one advances journeys at a time (the per-row transactions make a lost lock
harmless anyway). ``tick_seconds = 0`` starts no loop: tests and the tour call :meth:`JourneyService.tick`
themselves on a fast clock. Until issue 7's scheduler owns a periodic job for it, this loop is the schedule;
sending is left to the scheduler's delivery worker (``drain_outbox = false``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot import keys
from bot.delivery.policy import DeliveryPolicy, policy_from_mapping
from bot.journeys.definitions import JourneyError, load_journeys, parse_duration
from bot.journeys.engine import IngestResult, JourneyEngine
from bot.journeys.reminders import ReminderBook, ReminderPolicy
from bot.journeys.sending import JourneySender, flush_outbox
from bot.journeys.triggers import TriggerEvent, scan
from bot.state import LockTimeout, locked
from scheduler.slots import parse_hhmm
from scheduler.timerules import QuietHours

log = logging.getLogger("wecombot.journeys")


@dataclass(frozen=True)
class CompanionSettings:
    tick_seconds: float = 60.0
    scan_every: timedelta = timedelta(hours=1)
    drain_outbox: bool = False
    drawdown_threshold: float = 0.10
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)


def companion_settings(raw: Mapping[str, Any], tz: Any) -> CompanionSettings:
    """``[companion]``; JourneyError names a bad value."""

    def number(key: str, default: float, minimum: float = 0) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise JourneyError(f"[companion].{key}: must be a number >= {minimum}, got {value!r}")
        return float(value)

    hours = raw.get("staff_hours", ["09:00", "19:00"])
    if not isinstance(hours, list) or len(hours) != 2:
        raise JourneyError('[companion].staff_hours: must be ["HH:MM", "HH:MM"] (start, end)')
    try:
        start, end = (parse_hhmm(h, "[companion].staff_hours") for h in hours)
        digest_at = parse_hhmm(raw.get("digest_at", "09:00"), "[companion].digest_at")
    except ValueError as exc:
        raise JourneyError(str(exc)) from None
    marketing = raw.get("marketing_reasons", sorted(ReminderPolicy().marketing_reasons))
    if not isinstance(marketing, list) or not all(isinstance(m, str) for m in marketing):
        raise JourneyError("[companion].marketing_reasons: must be a list of reminder reasons")
    threshold = number("drawdown_threshold", 0.10)
    if not 0 < threshold < 1:
        raise JourneyError("[companion].drawdown_threshold: must be between 0 and 1")
    return CompanionSettings(
        tick_seconds=number("tick_seconds", 60),
        scan_every=parse_duration(raw.get("scan_every", "1h"), "[companion].scan_every"),
        drain_outbox=bool(raw.get("drain_outbox", False)),
        drawdown_threshold=threshold,
        reminders=ReminderPolicy(
            daily_cap=int(number("reminders_per_day", 8, 1)),
            later=timedelta(hours=number("remind_later_hours", 3, 0.01)),
            staff_hours=QuietHours(end, start, tz),  # quiet from the end of staff hours to their start
            digest_at=digest_at,
            marketing_reasons=frozenset(marketing),
        ),
    )


class JourneyService:
    """The engine plus what runs around it: scans, reminder dispatch, outbox draining."""

    def __init__(
        self,
        engine: JourneyEngine,
        settings: CompanionSettings,
        policy: DeliveryPolicy,
        wecom: Any,
        state: Any = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.policy = policy
        self.wecom = wecom
        self.state = state
        self._last_scan: datetime | None = None

    @property
    def reminders(self) -> ReminderBook:
        return self.engine.reminders

    async def ingest(self, event: TriggerEvent, source: str = "api") -> IngestResult:
        return await self.engine.ingest(event, source)

    async def scan(self, now: datetime) -> int:
        """Turn what the database implies into events (applied once each); returns how many were new."""
        async with self.engine.sessions() as session:
            events = await scan(session, now, self.engine.tz, self.settings.drawdown_threshold)
        applied = 0
        for event in events:
            applied += (await self.engine.ingest(event, source="scan")).status == "applied"
        self._last_scan = now
        return applied

    async def tick(self, now: datetime | None = None, *, scan_now: bool | None = None) -> dict[str, Any]:
        """Scan when due, advance journeys, dispatch reminders, then send what is due."""
        now = now or self.engine.clock()
        due = self._last_scan is None or now - self._last_scan >= self.settings.scan_every
        scanned = await self.scan(now) if (due if scan_now is None else scan_now) else 0
        report = await self.engine.tick(now)
        report["scanned"] = scanned
        if self.settings.drain_outbox:
            report["sent"] = await self.flush(now)
        return report

    async def flush(self, now: datetime | None = None) -> int:
        """Send the outbox rows due at ``now`` (the scheduler's delivery worker does it on the real clock)."""
        now = now or self.engine.clock()
        return await flush_outbox(
            self.engine.sessions, self.wecom, self.engine.sender.render, self.policy, now
        )

    async def run(self) -> None:
        """The loop: tick every ``tick_seconds`` under a lock; errors are logged and the loop goes on."""
        while True:
            await asyncio.sleep(self.settings.tick_seconds)
            try:
                if self.state is not None:
                    async with locked(
                        self.state, "journeys:tick", ttl=max(60.0, self.settings.tick_seconds * 2), wait=0.1
                    ):
                        await self.tick()
                else:
                    await self.tick()
            except LockTimeout:
                continue  # another instance is ticking
            except Exception:  # one bad tick must not stop the companion for good
                log.exception("journey tick failed")


def build_service(resources: Any, clock: Callable[[], datetime] | None = None) -> JourneyService:
    """Everything from the app's resources (settings, db, render, compliance, wecom, state, clock)."""
    settings = resources.settings
    tz = settings.tz
    companion = companion_settings(settings.section("companion"), tz)
    policy = policy_from_mapping(settings.section("delivery"))
    journeys = load_journeys(templates=resources.render.directory)
    sender = JourneySender(resources.render, resources.compliance, policy)
    book = ReminderBook(resources.render, sender, companion.reminders)
    tagger = getattr(resources.wecom, "mark_tag", None)
    engine = JourneyEngine(journeys, resources.db, sender, book, clock or resources.clock, tz, tagger=tagger)
    return JourneyService(engine, companion, policy, resources.wecom, resources.state)


async def companion_context(app: web.Application) -> AsyncIterator[None]:
    """Start-up context: the journey service, and its ticking loop when ``tick_seconds > 0``."""
    resources = app[keys.DISPATCHER].resources
    if resources.db is None:
        yield
        return
    service = build_service(resources)
    resources.services["journeys"] = service
    task = None
    if service.settings.tick_seconds > 0:
        # Our own reference, not the TaskTracker: its join() waits for handler work, not for loops.
        task = asyncio.get_running_loop().create_task(service.run(), name="journeys-ticker")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        resources.services.pop("journeys", None)
