"""A controllable clock for journeys on a fast clock (tests, the tour): ``clock()`` is now; ``advance``.

Pass it as the app's ``clock`` override; the engine, the reminders and the handlers all read time from it,
so D+1, D+7 and D+30 steps run in milliseconds without sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` (or ``days=``, ``hours=``...); returns the new now."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        self.now += step
        return self.now

    def set(self, moment: datetime) -> datetime:
        if moment < self.now:
            raise ValueError(f"time only moves forward: {moment.isoformat()} < {self.now.isoformat()}")
        self.now = moment
        return self.now
