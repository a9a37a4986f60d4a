"""Test configuration for scenarios that watch a message leave: no customer quiet hours.

Sends to customers wait out 21:30-08:00 (config/slots.toml), so a scenario that expects a campaign to reach
the simulator would pass or fail by the hour CI runs at. Quiet hours themselves are tested with their own
policy in tests/delivery and tests/scheduler.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def without_quiet_hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "no-quiet-hours.toml"
    path.write_text('[delivery]\nquiet_hours = { start = "00:00", end = "00:00" }\n', encoding="utf-8")
    monkeypatch.setenv("WECOMBOT_CONFIG", str(path))
