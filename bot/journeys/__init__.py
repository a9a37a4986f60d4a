"""Companion messaging (客户陪伴): journeys as data, the engine that advances them, reminders to managers.

- :mod:`definitions`: ``config/journeys/*.toml`` validated at load.
- :mod:`triggers`: the event schema (bank API and scans), who an event concerns, the scans.
- :mod:`engine`: enter/exit journeys, ``tick(now)`` advances due customers, each step once.
- :mod:`reminders`: 营销机会提醒 cards with buttons, caps, staff hours, the daily digest.
- :mod:`sending`: the one adapter onto the delivery outbox.
- :mod:`service`: the app's start-up context and ticking loop.
"""
