"""Journeys as data: ``config/journeys/*.toml`` validated at load; errors name the file, journey and step.

A file holds one or more ``[[journey]]`` tables::

    [[journey]]
    id = "product_companion"          # unique, at most 32 characters
    label = "产品陪伴"
    trigger = "purchase"              # one of TRIGGERS
    subject = "fund_code"             # event field the journey is about ("" = the customer alone)
    segments = []                     # only these tiers (empty = all)
    min_drawdown = 0.10               # trigger conditions: min_drawdown, min_change (absolute), within_days
    reentry = "after_done"            # never | after_done | always (restart an active one)
    cooldown_days = 7                 # after_done: wait this long after the last run ended
    exit_on = ["redemption"]          # events (same customer and subject) that end the journey

    [[journey.steps]]
    id = "d1"
    after = "1d"                      # wait from entry: "30m", "2h", "1d"; with `at` the day's local time
    at = "10:00"
    action = "send"                   # send | remind | tag | branch | exit
    template = "companion/product/d1" # content_templates/<template>/<segment>.j2
    channel = "customer_task"         # customer_task | manager_forward | manager_note
    content_kind = "fund"             # compliance kind

Branch steps: ``when = [{field = "customer.tier", op = "eq", value = "hnw", goto = "x"}]`` and ``otherwise``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

JOURNEYS_DIR = PROJECT_ROOT / "config" / "journeys"
TRIGGERS = (
    "customer_added",
    "purchase",
    "redemption",
    "drawdown",
    "market_move",
    "maturity",
    "birthday",
    "idle_balance",
    "new_fund",
    "monthly",
)
ACTIONS = ("send", "remind", "tag", "branch", "exit")
CHANNELS = ("customer_task", "manager_forward", "manager_note")
CONTENT_KINDS = ("market", "fund", "wealth_product", "education", "service")
REENTRY = ("never", "after_done", "always")
OPS = ("eq", "ne", "in", "gte", "lte", "gt", "lt", "true", "false")
CONDITIONS = ("min_drawdown", "min_change", "within_days", "min_amount")
TIERS = ("long_tail", "affluent", "hnw")
_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class JourneyError(ValueError):
    """A journey definition that cannot run; the message names the file, journey and step."""


@dataclass(frozen=True)
class Branch:
    field: str
    op: str
    value: Any
    goto: str


@dataclass(frozen=True)
class Step:
    id: str
    action: str
    after: timedelta = timedelta(0)
    at: time | None = None
    template: str = ""
    channel: str = ""
    content_kind: str = "service"
    reason: str = ""
    tag: str = ""
    when: tuple[Branch, ...] = ()
    otherwise: str = ""
    time_bound: bool = False


@dataclass(frozen=True)
class Journey:
    id: str
    label: str
    trigger: str
    steps: tuple[Step, ...]
    subject: str = ""
    segments: tuple[str, ...] = ()
    conditions: Mapping[str, float] | None = None
    reentry: str = "after_done"
    cooldown: timedelta = timedelta(0)
    exit_on: tuple[str, ...] = ()
    source: str = ""

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def next_step(self, step_id: str) -> Step | None:
        ids = [s.id for s in self.steps]
        index = ids.index(step_id) + 1 if step_id in ids else len(ids)
        return self.steps[index] if index < len(ids) else None


def parse_duration(value: Any, where: str) -> timedelta:
    if value is None or value == "" or value == 0:
        return timedelta(0)
    match = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise JourneyError(f'{where}: duration must look like "30m", "2h" or "7d", got {value!r}')
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _time(value: Any, where: str) -> time | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        raise JourneyError(f'{where}: must be "HH:MM", got {value!r}')
    hour, minute = int(value[:2]), int(value[3:])
    if hour > 23 or minute > 59:
        raise JourneyError(f"{where}: no such time {value!r}")
    return time(hour, minute)


def _one_of(value: Any, allowed: Iterable[str], where: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise JourneyError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise JourneyError(f"{where}: must be a list of non-empty strings")
    return tuple(value)


def _step(raw: Any, where: str, templates: Path | None) -> Step:
    if not isinstance(raw, dict):
        raise JourneyError(f"{where}: a step must be a table")
    known = {"id", "action", "after", "at", "template", "channel", "content_kind", "reason", "tag"}
    unknown = set(raw) - known - {"when", "otherwise", "time_bound"}
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", step_id):
        raise JourneyError(f"{where}: id must be 1-32 characters of a-z, 0-9, _; got {step_id!r}")
    where = f"{where} ({step_id})"
    if unknown:
        raise JourneyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    action = _one_of(raw.get("action"), ACTIONS, f"{where}.action")
    fields: dict[str, Any] = {
        "id": step_id,
        "action": action,
        "after": parse_duration(raw.get("after"), f"{where}.after"),
        "at": _time(raw.get("at"), f"{where}.at"),
        "time_bound": bool(raw.get("time_bound", False)),
    }
    if action == "send":
        fields["template"] = _template(raw.get("template"), f"{where}.template", templates)
        fields["channel"] = _one_of(raw.get("channel"), CHANNELS, f"{where}.channel")
        fields["content_kind"] = _one_of(
            raw.get("content_kind", "service"), CONTENT_KINDS, f"{where}.content_kind"
        )
    elif action == "remind":
        reason = raw.get("reason")
        if not isinstance(reason, str) or not re.fullmatch(r"[a-z_]{1,32}", reason):
            raise JourneyError(f"{where}.reason: must name a reminder reason (a-z, _), got {reason!r}")
        _template(f"reminders/{reason}/script", f"{where}.reason", templates)
        fields["reason"] = reason
    elif action == "tag":
        if not isinstance(raw.get("tag"), str) or not raw["tag"]:
            raise JourneyError(f"{where}.tag: must be a corp tag name")
        fields["tag"] = raw["tag"]
    elif action == "branch":
        fields["when"] = tuple(_branch(b, f"{where}.when[{i}]") for i, b in enumerate(raw.get("when") or []))
        if not fields["when"]:
            raise JourneyError(f"{where}.when: a branch needs at least one condition")
        fields["otherwise"] = str(raw.get("otherwise", ""))
    return Step(**fields)


def _template(value: Any, where: str, templates: Path | None) -> str:
    if not isinstance(value, str) or not value:
        raise JourneyError(f"{where}: must name a template kind")
    if templates is not None:
        folder = templates / value
        if not (folder.is_dir() and any(folder.glob("*.j2"))) and not (templates / f"{value}.j2").is_file():
            raise JourneyError(f"{where}: no template {value!r} under {templates.name}/")
    return value


def _branch(raw: Any, where: str) -> Branch:
    if not isinstance(raw, dict):
        raise JourneyError(f"{where}: must be a table with field, op, value, goto")
    field_name = raw.get("field")
    if not isinstance(field_name, str) or not re.fullmatch(
        r"(customer|data)\.[a-z_]+|holds_subject", field_name
    ):
        raise JourneyError(f"{where}.field: customer.<attr>, data.<key> or holds_subject, got {field_name!r}")
    op = _one_of(raw.get("op", "eq"), OPS, f"{where}.op")
    if op == "in" and not isinstance(raw.get("value"), list):
        raise JourneyError(f"{where}.value: op 'in' needs a list")
    goto = raw.get("goto")
    if not isinstance(goto, str) or not goto:
        raise JourneyError(f"{where}.goto: must name a step")
    return Branch(field_name, op, raw.get("value"), goto)


def parse_journey(raw: Any, source: str = "<data>", templates: Path | None = None) -> Journey:
    """One ``[[journey]]`` table; ``templates`` (the templates dir) checks that templates exist."""
    if not isinstance(raw, dict):
        raise JourneyError(f"{source}: a journey must be a table")
    journey_id = raw.get("id")
    if not isinstance(journey_id, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", journey_id):
        raise JourneyError(f"{source}: journey id must be 1-32 characters of a-z, 0-9, _; got {journey_id!r}")
    where = f"{source}: journey {journey_id!r}"
    known = {"id", "label", "trigger", "subject", "segments", "reentry", "cooldown_days", "exit_on", "steps"}
    unknown = set(raw) - known - set(CONDITIONS)
    if unknown:
        raise JourneyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    conditions: dict[str, float] = {}
    for name in CONDITIONS:
        if name in raw:
            value = raw[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise JourneyError(f"{where}.{name}: must be a non-negative number, got {value!r}")
            conditions[name] = float(value)
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise JourneyError(f"{where}: needs at least one [[journey.steps]]")
    steps = tuple(_step(s, f"{where} step {i + 1}", templates) for i, s in enumerate(steps_raw))
    ids = [s.id for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise JourneyError(f"{where}: duplicate step id(s) {', '.join(duplicates)}")
    for step in steps:
        for target in [b.goto for b in step.when] + ([step.otherwise] if step.otherwise else []):
            if target not in ids:
                raise JourneyError(f"{where} step {step.id!r}: goto {target!r} is not a step of this journey")
    segments = _strings(raw.get("segments"), f"{where}.segments")
    bad = [s for s in segments if s not in TIERS]
    if bad:
        raise JourneyError(f"{where}.segments: unknown {bad}; known: {', '.join(TIERS)}")
    cooldown = raw.get("cooldown_days", 0)
    if isinstance(cooldown, bool) or not isinstance(cooldown, int | float) or cooldown < 0:
        raise JourneyError(f"{where}.cooldown_days: must be a non-negative number")
    exit_on = _strings(raw.get("exit_on"), f"{where}.exit_on")
    for name in exit_on:
        _one_of(name, TRIGGERS, f"{where}.exit_on")
    subject = raw.get("subject", "")
    if not isinstance(subject, str):
        raise JourneyError(f"{where}.subject: must be an event field name")
    return Journey(
        id=journey_id,
        label=str(raw.get("label", journey_id)),
        trigger=_one_of(raw.get("trigger"), TRIGGERS, f"{where}.trigger"),
        steps=steps,
        subject=subject,
        segments=segments,
        conditions=conditions,
        reentry=_one_of(raw.get("reentry", "after_done"), REENTRY, f"{where}.reentry"),
        cooldown=timedelta(days=float(cooldown)),
        exit_on=exit_on,
        source=source,
    )


def load_journeys(directory: Path = JOURNEYS_DIR, templates: Path | None = None) -> dict[str, Journey]:
    """Every journey under ``directory`` (``*.toml``), by id; JourneyError on the first bad one."""
    journeys: dict[str, Journey] = {}
    if not directory.is_dir():
        raise JourneyError(f"{directory}: no such directory of journeys")
    for path in sorted(directory.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise JourneyError(f"{path.name}: cannot read: {exc}") from None
        tables = raw.get("journey")
        if not isinstance(tables, list) or set(raw) - {"journey"}:
            raise JourneyError(f"{path.name}: expected only [[journey]] tables")
        for table in tables:
            journey = parse_journey(table, path.name, templates)
            if journey.id in journeys:
                raise JourneyError(
                    f"{path.name}: journey {journey.id!r} is also defined in {journeys[journey.id].source}"
                )
            journeys[journey.id] = journey
    return journeys
