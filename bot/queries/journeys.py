"""Companion journeys (config/journeys/*.toml) with, per step, how many customers are at it now and how
many reminders it created by status. A manager's counts cover only their own customers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, JourneyState, Reminder
from bot.db.models.companion import REMINDER_STATUSES
from bot.db.models.journeys import JOURNEY_STATUSES
from bot.journeys.definitions import Journey, Step
from bot.queries.paging import iso

Sessions = async_sessionmaker[AsyncSession]
RECENT = 20


def duration(value: timedelta) -> str:
    """``timedelta(days=1)`` -> ``"1d"``, the way the journey files write it; ``"0"`` for none."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s" if seconds else "0"


def step_view(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "action": step.action,
        "after": duration(step.after),
        "at": step.at.strftime("%H:%M") if step.at else None,
        "template": step.template or None,
        "channel": step.channel or None,
        "content_kind": step.content_kind if step.action == "send" else None,
        "reason": step.reason or None,
        "tag": step.tag or None,
        "branches": [{"field": b.field, "op": b.op, "value": b.value, "goto": b.goto} for b in step.when],
        "otherwise": step.otherwise or None,
    }


def journey_view(journey: Journey) -> dict[str, Any]:
    return {
        "id": journey.id,
        "label": journey.label,
        "trigger": journey.trigger,
        "subject": journey.subject,
        "segments": list(journey.segments),
        "conditions": dict(journey.conditions or {}),
        "reentry": journey.reentry,
        "cooldown": duration(journey.cooldown),
        "exit_on": list(journey.exit_on),
        "source": journey.source,
    }


def _states_in_scope(scope: str | None) -> list[ColumnElement[bool]]:
    if not scope:
        return []
    mine = select(Customer.external_userid).where(Customer.rm_userid == scope)
    return [JourneyState.external_userid.in_(mine)]


async def _counts(session: AsyncSession, ids: list[str], scope: str | None) -> dict[str, dict[str, Any]]:
    """journey -> {"states": {status: n}, "at_step": {step: n}, "reminders": {step: {status: n}}}."""
    found: dict[str, dict[str, Any]] = {
        i: {"states": defaultdict(int), "at_step": defaultdict(int), "reminders": {}} for i in ids
    }
    where = [JourneyState.journey.in_(ids), *_states_in_scope(scope)]
    statement = (
        select(JourneyState.journey, JourneyState.status, JourneyState.step, func.count())
        .where(*where)
        .group_by(JourneyState.journey, JourneyState.status, JourneyState.step)
    )
    for journey, status, step, n in (await session.execute(statement)).all():
        found[journey]["states"][status] += int(n)
        if status == "active":
            found[journey]["at_step"][step] += int(n)
    # A journey's reminder key is "journey|<state>|<run>|<step>": the step is its last part.
    reminders = (
        select(JourneyState.journey, Reminder.key, Reminder.status)
        .join(JourneyState, JourneyState.id == Reminder.journey_state_id)
        .where(*where, Reminder.key.like("journey|%"))
    )
    if scope:
        reminders = reminders.where(Reminder.manager == scope)
    for journey, key, status in (await session.execute(reminders)).all():
        step = key.rsplit("|", 1)[-1]
        per_step = found[journey]["reminders"].setdefault(step, dict.fromkeys(REMINDER_STATUSES, 0))
        per_step[status] = per_step.get(status, 0) + 1
    return found


def _summary(journey: Journey, counts: Mapping[str, Any]) -> dict[str, Any]:
    states = {status: counts["states"].get(status, 0) for status in JOURNEY_STATUSES}
    steps = []
    for step in journey.steps:
        reminders = counts["reminders"].get(step.id, dict.fromkeys(REMINDER_STATUSES, 0))
        steps.append(
            {**step_view(step), "customers_now": counts["at_step"].get(step.id, 0), "reminders": reminders}
        )
    return {**journey_view(journey), "customers": states, "steps": steps}


async def list_journeys(
    db: Sessions, journeys: Mapping[str, Journey], scope: str | None = None
) -> dict[str, Any]:
    """Every journey (by id) with its counts per step."""
    ids = sorted(journeys)
    async with db() as session:
        counts = await _counts(session, ids, scope)
    return {"journeys": [_summary(journeys[i], counts[i]) for i in ids]}


async def journey_detail(
    db: Sessions, journeys: Mapping[str, Journey], name: str, scope: str | None = None
) -> dict[str, Any] | None:
    """One journey with its counts and the customers who moved in it last; None when unknown."""
    journey = journeys.get(name)
    if journey is None:
        return None
    recent = (
        select(JourneyState, Customer.name, Customer.rm_userid)
        .join(Customer, Customer.external_userid == JourneyState.external_userid)
        .where(JourneyState.journey == name, *_states_in_scope(scope))
        .order_by(JourneyState.updated_at.desc(), JourneyState.id.desc())
        .limit(RECENT)
    )
    async with db() as session:
        counts = await _counts(session, [name], scope)
        rows = (await session.execute(recent)).all()
    detail = _summary(journey, counts[name])
    detail["recent"] = [
        {
            "external_userid": state.external_userid,
            "customer": customer_name or "",
            "manager": manager,
            "subject": state.subject,
            "step": state.step,
            "status": state.status,
            "next_at": iso(state.next_at),
            "started_at": iso(state.started_at),
            "updated_at": iso(state.updated_at),
        }
        for state, customer_name, manager in rows
    ]
    return detail
