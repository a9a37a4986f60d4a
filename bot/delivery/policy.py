"""Delivery settings (``[delivery]``) plus the quiet hours and frequency caps of config/slots.toml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from scheduler.slots import DEFAULT_SLOTS, SlotError, read_toml
from scheduler.timerules import (
    FrequencyCap,
    QuietHours,
    frequency_cap_from_mapping,
    quiet_hours_from_mapping,
)


class PolicyError(ValueError):
    """A bad ``[delivery]`` value; the message names it."""


WORKBENCH = "https://work.weixin.qq.com/"
# The console page a manager's "confirm this mass task" card opens: their tasks and what each one says.
TASKS_PAGE = "/console/deliveries?channel=mass_task"


@dataclass(frozen=True)
class DeliveryPolicy:
    monthly_cap: int = 4
    quiet: QuietHours = field(default_factory=QuietHours)
    frequency: FrequencyCap = field(default_factory=FrequencyCap)
    confirm_deadline: timedelta = timedelta(hours=2)
    remind_every: timedelta = timedelta(hours=1)
    max_reminders: int = 3
    claim_timeout: timedelta = timedelta(minutes=5)
    batch_size: int = 50
    console_url: str = WORKBENCH
    robots: Mapping[str, str] = field(default_factory=dict)


def _positive(raw: Mapping[str, Any], key: str, default: float, *, integer: bool = False) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PolicyError(f"[delivery].{key}: must be a positive number, got {value!r}")
    if integer and not isinstance(value, int):
        raise PolicyError(f"[delivery].{key}: must be an integer, got {value!r}")
    return value


def card_link(raw: Mapping[str, Any], console: Mapping[str, Any] | None) -> str:
    """``[delivery].console_url`` if set; else the console's task list at ``[console].public_url``
    (opened inside WeCom it signs the manager in silently); else WeCom's workbench."""
    given = raw.get("console_url") or ""
    if not isinstance(given, str) or (given and not given.startswith(("http://", "https://"))):
        raise PolicyError(f"[delivery].console_url: an http(s) URL or empty, not {given!r}")
    if given:
        return given
    public = str((console or {}).get("public_url") or "").rstrip("/")
    return public + TASKS_PAGE if public else WORKBENCH


def policy_from_mapping(
    raw: Mapping[str, Any],
    slots_path: str | Path | None = None,
    console: Mapping[str, Any] | None = None,
) -> DeliveryPolicy:
    """``raw`` is the ``[delivery]`` section; quiet hours and caps come from config/slots.toml, unless
    ``[delivery.quiet_hours]`` (``start``/``end``, equal for none) gives the customer quiet hours.
    ``console`` is the ``[console]`` section, for the link on managers' cards."""
    try:
        slots_raw = read_toml(Path(slots_path) if slots_path else DEFAULT_SLOTS, SlotError)
        quiet, frequency = quiet_hours_from_mapping(slots_raw), frequency_cap_from_mapping(slots_raw)
        if "quiet_hours" in raw:  # a deployment's own customer quiet hours, over those of slots.toml
            quiet = quiet_hours_from_mapping({"quiet_hours": {"customer": raw["quiet_hours"]}})
    except SlotError as exc:
        raise PolicyError(str(exc)) from None
    robots = raw.get("robots", {})
    if not isinstance(robots, dict) or not all(isinstance(v, str) for v in robots.values()):
        raise PolicyError("[delivery].robots: must map robot names to webhook keys")
    return DeliveryPolicy(
        monthly_cap=int(_positive(raw, "monthly_cap", 4, integer=True)),
        quiet=quiet,
        frequency=frequency,
        confirm_deadline=timedelta(minutes=_positive(raw, "confirm_deadline_minutes", 120)),
        remind_every=timedelta(minutes=_positive(raw, "remind_every_minutes", 60)),
        max_reminders=int(_positive(raw, "max_reminders", 3, integer=True)),
        claim_timeout=timedelta(seconds=_positive(raw, "claim_timeout_seconds", 300)),
        batch_size=int(_positive(raw, "batch_size", 50, integer=True)),
        console_url=card_link(raw, console),
        robots=dict(robots),
    )
