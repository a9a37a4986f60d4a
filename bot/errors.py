"""The one error path for handlers, middlewares, background tasks and scheduled jobs."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("wecombot.errors")


class ErrorPath:
    """Logs with context and counts; never raises, so a handler bug cannot cause a WeCom retry storm."""

    def __init__(self, metrics: Any = None) -> None:
        self.metrics = metrics
        self.recent: list[tuple[str, str]] = []  # (where, repr) of the last errors, for /healthz and tests

    async def report(
        self, exc: BaseException, *, where: str, event: Any = None, job: str | None = None
    ) -> None:
        context = []
        if event is not None:
            context.append(f"event={getattr(event, 'kind', type(event).__name__)}")
            context.append(f"key={getattr(event, 'dedupe_key', '?')}")
        if job:
            context.append(f"job={job}")
        log.error("error in %s (%s)", where, " ".join(context), exc_info=exc)
        if self.metrics is not None:
            self.metrics.errors.labels(where.split(":", 1)[0]).inc()
        self.recent.append((where, repr(exc)))
        del self.recent[:-50]
