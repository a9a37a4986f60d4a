"""The journey engine: events enter customers into journeys; ``tick(now)`` advances every due customer.

Per-customer state is a ``journey_states`` row (journey, customer, subject): the current step and when it
is due. A tick advances each due row in its own transaction, and a step's effect (an outbox row, a
reminder) is written in that same transaction under a key ``journey|<state>|<run>|<step>``: a crash
before the commit leaves the step to run again, after it the step is done, and the key makes a repeat
a no-op. So a restart resumes every journey where it was, and each step runs once.

The clock is injected (``clock()`` returns an aware datetime): production ticks on a schedule, tests
call ``tick(now)`` on a fast clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import CorpTag, Customer, CustomerTag, JourneyEvent, JourneyState
from bot.delivery.sqlutil import insert_ignore
from bot.journeys.definitions import Journey, Step
from bot.journeys.facts import customer_facts, manager_of
from bot.journeys.reminders import ReminderBook
from bot.journeys.sending import JourneySender
from bot.journeys.triggers import EventError, TriggerEvent, customers_for, passes, same_payload

log = logging.getLogger("wecombot.journeys")
MAX_STEPS_PER_ADVANCE = 16


@dataclass
class IngestResult:
    """``status``: applied | duplicate (same id, same payload: nothing done again) | conflict (same id,
    different payload)."""

    status: str
    result: dict[str, Any] = field(default_factory=dict)


class JourneyEngine:
    def __init__(
        self,
        journeys: Mapping[str, Journey],
        sessions: async_sessionmaker[AsyncSession],
        sender: JourneySender,
        reminders: ReminderBook,
        clock: Callable[[], datetime],
        tz: Any,
        tagger: Callable[..., Any] | None = None,
    ) -> None:
        self.journeys = dict(journeys)
        self.sessions = sessions
        self.sender = sender
        self.reminders = reminders
        self.clock = clock
        self.tz = tz
        self.tagger = tagger

    # -- events ------------------------------------------------------------------------------------
    async def ingest(self, event: TriggerEvent, source: str = "api") -> IngestResult:
        """Record and apply ``event`` once per ``event_id`` (also under concurrent duplicates)."""
        now = self.clock()
        payload = event.payload()
        try:
            async with self.sessions() as session, session.begin():
                existing = await session.get(JourneyEvent, event.event_id)
                if existing is not None:
                    same = same_payload(existing.payload, payload)
                    return IngestResult("duplicate" if same else "conflict", existing.result)
                if event.external_userid and await session.get(Customer, event.external_userid) is None:
                    raise EventError(f"external_userid: {event.external_userid!r} is not a known customer")
                record = JourneyEvent(
                    event_id=event.event_id,
                    type=event.type,
                    external_userid=event.external_userid,
                    payload=payload,
                    result={},
                    source=source,
                )
                session.add(record)
                await session.flush()
                result = await self.apply(session, event, now)
                record.result = result
        except IntegrityError:  # a concurrent copy of the same event committed first
            async with self.sessions() as session:
                existing = await session.get(JourneyEvent, event.event_id)
            return IngestResult("duplicate", existing.result if existing else {})
        return IngestResult("applied", result)

    async def apply(self, session: AsyncSession, event: TriggerEvent, now: datetime) -> dict[str, Any]:
        """Exit and enter journeys for the event's customers; returns what happened (JSON-ready)."""
        entered: list[str] = []
        exited = 0
        customers = await customers_for(session, event)
        for journey in self.journeys.values():
            subject = event.subject_for(journey.subject)
            if event.type in journey.exit_on:
                for customer in customers:
                    exited += await self._exit(session, journey, customer.external_userid, subject, now)
            if journey.trigger != event.type or not passes(journey, event):
                continue
            for customer in customers:
                if journey.segments and customer.tier not in journey.segments:
                    continue
                state = await self.enter(session, journey, customer, subject, event.data, now)
                if state is not None:
                    entered.append(f"{journey.id}:{customer.external_userid}:{subject}")
        return {"entered": entered, "exited": exited, "customers": len(customers)}

    async def enter(
        self,
        session: AsyncSession,
        journey: Journey,
        customer: Customer,
        subject: str,
        data: Mapping[str, Any],
        now: datetime,
    ) -> JourneyState | None:
        """Start (or, by the re-entry rule, restart) ``journey`` for ``customer``; None when not allowed."""
        statement = select(JourneyState).where(
            JourneyState.journey == journey.id,
            JourneyState.external_userid == customer.external_userid,
            JourneyState.subject == subject,
        )
        state = (await session.execute(statement)).scalar_one_or_none()
        fresh = {"entered_at": now.isoformat(), "event": dict(data), "history": []}
        if state is None:
            state = JourneyState(
                journey=journey.id,
                external_userid=customer.external_userid,
                subject=subject,
                step=journey.steps[0].id,
                status="active",
                data={**fresh, "run": 1},
            )
            state.next_at = self.due_at(journey.steps[0], now)
            session.add(state)
            await session.flush()
            return state
        if journey.reentry == "never":
            return None
        if state.status == "active" and journey.reentry != "always":
            return None
        if journey.reentry == "after_done" and state.updated_at and now - state.updated_at < journey.cooldown:
            return None
        state.data = {**fresh, "run": int((state.data or {}).get("run", 1)) + 1}
        state.step, state.status, state.next_at = (
            journey.steps[0].id,
            "active",
            self.due_at(journey.steps[0], now),
        )
        return state

    async def _exit(
        self, session: AsyncSession, journey: Journey, ext: str, subject: str, now: datetime
    ) -> int:
        statement = select(JourneyState).where(
            JourneyState.journey == journey.id,
            JourneyState.external_userid == ext,
            JourneyState.subject == subject,
            JourneyState.status == "active",
        )
        state = (await session.execute(statement)).scalar_one_or_none()
        if state is None:
            return 0
        self._finish(state, "cancelled", {"step": state.step, "outcome": "exit_event", "at": now.isoformat()})
        return 1

    # -- time --------------------------------------------------------------------------------------
    def due_at(self, step: Step, entered: datetime) -> datetime:
        """``entered + after``; with ``at``, that day's local time (the next day's when already past)."""
        base = entered + step.after
        if step.at is None:
            return base
        local = base.astimezone(self.tz)
        moment = datetime.combine(local.date(), step.at, tzinfo=self.tz)
        return moment if moment >= entered else moment + timedelta(days=1)

    async def tick(self, now: datetime | None = None) -> dict[str, Any]:
        """Advance every due journey, then send due reminders; returns counts."""
        now = now or self.clock()
        advanced = await self.advance_due(now)
        async with self.sessions() as session, session.begin():
            reminders = await self.reminders.dispatch(session, now)
        return {"advanced": advanced, "reminders": reminders}

    async def advance_due(self, now: datetime, limit: int = 500) -> int:
        async with self.sessions() as session:
            ids = list(
                (
                    await session.execute(
                        select(JourneyState.id)
                        .where(JourneyState.status == "active", JourneyState.next_at <= now)
                        .order_by(JourneyState.next_at, JourneyState.id)
                        .limit(limit)
                    )
                ).scalars()
            )
        done = 0
        for state_id in ids:
            async with self.sessions() as session, session.begin():
                statement = select(JourneyState).where(
                    JourneyState.id == state_id, JourneyState.status == "active", JourneyState.next_at <= now
                )
                if session.bind.dialect.name == "postgresql":
                    statement = statement.with_for_update(skip_locked=True)
                state = (await session.execute(statement)).scalar_one_or_none()
                if state is not None:
                    await self._advance(session, state, now)
                    done += 1
        return done

    # -- steps -------------------------------------------------------------------------------------
    async def _advance(self, session: AsyncSession, state: JourneyState, now: datetime) -> None:
        journey = self.journeys.get(state.journey)
        customer = await session.get(Customer, state.external_userid)
        if journey is None or customer is None or customer.removed_at is not None:
            why = "journey_removed" if journey is None else "customer_gone"
            self._finish(state, "cancelled", {"step": state.step, "outcome": why, "at": now.isoformat()})
            return
        entered = datetime.fromisoformat(state.data["entered_at"])
        for _ in range(MAX_STEPS_PER_ADVANCE):
            step = journey.step(state.step)
            if step is None:
                self._finish(
                    state, "done", {"step": state.step, "outcome": "unknown_step", "at": now.isoformat()}
                )
                return
            due = self.due_at(step, entered)
            if due > now:
                state.next_at = due
                return
            outcome, goto = await self._run(session, journey, step, state, customer, now)
            self._log(state, {"step": step.id, "outcome": outcome, "at": now.isoformat()})
            following = journey.step(goto) if goto else journey.next_step(step.id)
            if outcome == "exit" or following is None:
                self._finish(state, "done")
                return
            state.step = following.id
        state.next_at = now  # a long chain of instant steps: continue on the next tick

    async def _run(
        self,
        session: AsyncSession,
        journey: Journey,
        step: Step,
        state: JourneyState,
        customer: Customer,
        now: datetime,
    ) -> tuple[str, str]:
        """Run one step; returns (outcome, goto step or "")."""
        key = f"journey|{state.id}|{state.data.get('run', 1)}|{step.id}"
        if step.action == "exit":
            return "exit", ""
        facts = await customer_facts(session, customer, state.subject)
        context = {
            **facts,
            "event": state.data.get("event", {}),
            "journey": {"id": journey.id, "label": journey.label},
        }
        if step.action == "branch":
            return "branch", self._branch(step, context, facts)
        manager = await manager_of(session, customer)
        if manager is None:
            return "no_manager", ""
        if step.action == "remind":
            status = await self.reminders.create(
                session,
                key=key,
                customer=customer,
                manager=manager,
                reason=step.reason,
                facts=_reminder_facts(context),
                due_at=now,
                journey_state_id=state.id,
            )
            return f"reminder_{status}", ""
        if customer.opt_out:  # opted-out customers never get journey content, nor tags from journeys
            return "skipped_opt_out", ""
        if step.action == "tag":
            return await self._tag(session, customer, manager, step.tag), ""
        if step.channel == "customer_task":
            result = await self.sender.to_customer(
                session,
                key=key,
                customer=customer,
                manager=manager,
                template=step.template,
                content_kind=step.content_kind,
                context=context,
                planned=now,
                time_bound=step.time_bound,
                label=journey.label,
            )
        else:
            result = await self.sender.to_manager(
                session,
                key=key,
                manager=manager,
                template=step.template,
                content_kind=step.content_kind,
                context=context,
                planned=now,
                segment=customer.tier,
                forward_to=customer if step.channel == "manager_forward" else None,
            )
        if result.findings:
            log.warning("journey %s step %s blocked by compliance: %s", journey.id, step.id, result.findings)
        return result.status, ""

    def _branch(self, step: Step, context: dict[str, Any], facts: dict[str, Any]) -> str:
        for branch in step.when:
            if branch.field == "holds_subject":
                value: Any = facts.get("holding") is not None
            else:
                scope, _, name = branch.field.partition(".")
                value = (context["customer"] if scope == "customer" else context["event"]).get(name)
            if _compare(value, branch.op, branch.value):
                return branch.goto
        return step.otherwise

    async def _tag(self, session: AsyncSession, customer: Customer, manager: str, name: str) -> str:
        tag = (
            await session.execute(
                select(CorpTag).where(CorpTag.name == name, CorpTag.deleted.is_(False)).limit(1)
            )
        ).scalar_one_or_none()
        if tag is None:
            return "unknown_tag"
        await insert_ignore(
            session,
            CustomerTag,
            [{"external_userid": customer.external_userid, "tag_id": tag.tag_id, "userid": manager}],
        )
        if self.tagger is not None:
            try:
                await self.tagger(manager, customer.external_userid, add_tag=[tag.tag_id])
            except Exception as exc:  # the local tag stands; WeCom catches up on the next full sync
                log.warning("mark_tag %s for %s failed: %r", name, customer.external_userid, exc)
                return "tagged_locally"
        return "tagged"

    def _log(self, state: JourneyState, entry: dict[str, Any]) -> None:
        data = dict(state.data or {})
        data["history"] = [*data.get("history", []), entry][-50:]
        state.data = data  # a new dict, so the JSON column is written

    def _finish(self, state: JourneyState, status: str, entry: dict[str, Any] | None = None) -> None:
        if entry:
            self._log(state, entry)
        state.status, state.next_at = status, None


def _compare(value: Any, op: str, expected: Any) -> bool:
    try:
        if op == "true":
            return bool(value)
        if op == "false":
            return not value
        if op == "eq":
            return bool(value == expected)
        if op == "ne":
            return bool(value != expected)
        if op == "in":
            return value in expected
        if value is None:
            return False
        return {
            "gte": value >= expected,
            "lte": value <= expected,
            "gt": value > expected,
            "lt": value < expected,
        }[op]
    except TypeError:
        return False


def _reminder_facts(context: dict[str, Any]) -> dict[str, Any]:
    """What a reminder keeps (JSON-ready): the event, the subject fund and holding, the journey."""
    holdings = context.get("holdings", [])
    return {
        "event": context.get("event", {}),
        "fund": context.get("fund"),
        "holding": context.get("holding"),
        "journey": context.get("journey", {}),
        "holdings_count": len(holdings),
        "total_value": context.get("total_value", 0),
        "holdings": holdings[:10],
    }
