"""营销机会提醒: reminder cards to relationship managers, with buttons, caps, staff hours and a daily digest.

A reminder is created once per key (a journey step, a scan) as ``pending`` with a ``due_at``. Each tick
:meth:`ReminderBook.dispatch` sends the due ones inside staff hours: an interactive card (reason, the
customer's key facts, a suggested script) per reminder, at most the manager's daily cap (the rest move
to the next morning), or, for managers who chose it, one digest message a day. The card's buttons come
back as ``template_card_event``: done, remind me later (due again after ``later``), not relevant.

Opted-out customers: a *marketing* reason (new fund, idle balance, maturity, birthday) is recorded as
``suppressed`` and never sent; a *service* reason (drawdown, market move, review, summary) still reaches
the manager, with the service-only script that says not to market to the customer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Rendered, Renderer
from bot.db.models import Customer, Reminder, ReminderPreference
from bot.delivery.sqlutil import insert_ignore
from bot.journeys.sending import JourneySender
from scheduler.timerules import QuietHours

TASK_PREFIX = "rmd-"
BUTTONS = ("done", "later", "irrelevant")


@dataclass(frozen=True)
class ReminderPolicy:
    daily_cap: int = 8
    later: timedelta = timedelta(hours=3)
    staff_hours: QuietHours = field(default_factory=lambda: QuietHours(time(19, 0), time(9, 0)))  # 09-19h
    digest_at: time = time(9, 0)
    marketing_reasons: frozenset[str] = frozenset({"new_fund", "idle_balance", "maturity", "birthday"})


@dataclass(frozen=True)
class ButtonOutcome:
    """``action``: done | later | irrelevant | already (answered before) | unknown (not ours / not found)."""

    action: str
    reminder: Reminder | None = None


def task_id_of(reminder_id: int, count: int) -> str:
    return f"{TASK_PREFIX}{reminder_id}-{count}"


def _reminder_id(task_id: str) -> int:
    """``rmd-<id>-<count>`` -> id (0, which matches nothing, for anything else)."""
    parts = task_id.removeprefix(TASK_PREFIX).split("-")
    return int(parts[0]) if len(parts) == 2 and all(p.isdigit() for p in parts) else 0


class ReminderBook:
    def __init__(self, render: Renderer, sender: JourneySender, policy: ReminderPolicy) -> None:
        self.render = render
        self.sender = sender
        self.policy = policy

    async def create(
        self,
        session: AsyncSession,
        *,
        key: str,
        customer: Customer,
        manager: str,
        reason: str,
        facts: dict[str, Any],
        due_at: datetime,
        journey_state_id: int | None = None,
    ) -> str:
        """Record a reminder once per ``key``; returns its status (``pending`` or ``suppressed``)."""
        status = "suppressed" if customer.opt_out and reason in self.policy.marketing_reasons else "pending"
        context = {**facts, "opt_out": bool(customer.opt_out)}
        await insert_ignore(
            session,
            Reminder,
            [
                {
                    "key": key[:191],
                    "manager": manager,
                    "external_userid": customer.external_userid,
                    "reason": reason,
                    "status": status,
                    "due_at": due_at,
                    "remind_count": 0,
                    "via_digest": False,
                    "context": context,
                    "journey_state_id": journey_state_id,
                }
            ],
        )
        return status

    async def dispatch(self, session: AsyncSession, now: datetime) -> dict[str, int]:
        """Send what is due now (cards or digests) within caps; returns counts by outcome."""
        counts: dict[str, int] = defaultdict(int)
        if self.policy.staff_hours.contains(now):
            return dict(counts)
        due = (
            (
                await session.execute(
                    select(Reminder)
                    .where(Reminder.status == "pending", Reminder.due_at <= now)
                    .order_by(Reminder.due_at, Reminder.id)
                )
            )
            .scalars()
            .all()
        )
        by_manager: dict[str, list[Reminder]] = defaultdict(list)
        for reminder in due:
            by_manager[reminder.manager].append(reminder)
        for manager, items in sorted(by_manager.items()):
            pref = await session.get(ReminderPreference, manager)
            if pref is not None and pref.digest:
                counts["digest"] += await self._digest(session, manager, items, pref, now)
                continue
            cap = pref.daily_cap if pref is not None and pref.daily_cap is not None else self.policy.daily_cap
            room = max(0, cap - await self._sent_today(session, manager, now))
            for reminder in items[:room]:
                await self._send_card(session, reminder, now)
                counts["cards"] += 1
            tomorrow = self._next_morning(now)
            for reminder in items[room:]:
                reminder.due_at = tomorrow
                counts["deferred"] += 1
        return dict(counts)

    def _local_day_start(self, now: datetime) -> datetime:
        tz = self.policy.staff_hours.tz
        return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)

    def _next_morning(self, now: datetime) -> datetime:
        tz = self.policy.staff_hours.tz
        day = now.astimezone(tz).date() + timedelta(days=1)
        return datetime.combine(day, self.policy.staff_hours.end, tzinfo=tz)

    async def _sent_today(self, session: AsyncSession, manager: str, now: datetime) -> int:
        statement = (
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.manager == manager,
                Reminder.sent_at >= self._local_day_start(now),
                Reminder.via_digest.is_(False),
            )
        )
        return int((await session.execute(statement)).scalar_one())

    async def _customer(self, session: AsyncSession, reminder: Reminder) -> Customer | None:
        return await session.get(Customer, reminder.external_userid)

    def _context(self, reminder: Reminder, customer: Customer | None) -> dict[str, Any]:
        facts = dict(reminder.context or {})
        return {
            "reason": reminder.reason,
            "facts": facts,
            "customer": {
                "name": (customer.name if customer else "") or reminder.external_userid,
                "tier": (customer.tier if customer else None) or "",
                "risk_level": (customer.risk_level if customer else None) or "",
                "opt_out": bool(customer.opt_out) if customer else False,
            },
            "opt_out": bool(customer.opt_out) if customer else bool(facts.get("opt_out")),
            "remind_count": reminder.remind_count,
        }

    def build_card(
        self, reminder: Reminder, context: dict[str, Any], task_id: str
    ) -> tuple[dict[str, Any], Rendered]:
        """The button_interaction card; every word comes from content_templates/reminders/."""
        kind = f"reminders/{reminder.reason}"
        title = self.render.text(f"{kind}/title", **context)
        script_kind = "reminders/script_opt_out" if context["opt_out"] else f"{kind}/script"
        script = self.render.render(script_kind, **context)
        checked = self.sender.gate.check(
            script.text, kind="service", template=script.template, template_version=script.version
        )
        if checked.blocking:  # a script a manager would read out to the customer obeys the same rules
            script = self.render.render("reminders/script_blocked", **context)
        facts = self.render.text("reminders/card/facts", **context).splitlines()
        buttons = self.render.text("reminders/card/buttons", **context).splitlines()
        card = {
            "card_type": "button_interaction",
            "source": {"desc": self.render.text("reminders/card/source", **context)[:13]},
            "main_title": {
                "title": title[:36],
                "desc": self.render.text("reminders/card/desc", **context)[:44],
            },
            "sub_title_text": script.text[:120],
            "horizontal_content_list": [
                {"keyname": k.strip()[:5], "value": v.strip()[:26]}
                for k, _, v in (line.partition("：") for line in facts if "：" in line)
            ][:6],
            "task_id": task_id,
            "button_list": [
                {"text": text.strip()[:10], "style": index + 1, "key": key}
                for index, (key, text) in enumerate(zip(BUTTONS, buttons, strict=False))
            ],
        }
        summary = "\n".join([title, *facts, script.text])
        return card, Rendered(summary, script.template, script.version)

    async def _send_card(self, session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        reminder.remind_count += 1
        task_id = task_id_of(reminder.id, reminder.remind_count)
        context = self._context(reminder, await self._customer(session, reminder))
        card, rendered = self.build_card(reminder, context, task_id)
        await self.sender.card(
            session,
            key=f"reminder|{reminder.id}|{reminder.remind_count}",
            manager=reminder.manager,
            card=card,
            rendered=rendered,
            planned=now,
        )
        reminder.task_id, reminder.status, reminder.sent_at = task_id, "sent", now

    async def _digest(
        self,
        session: AsyncSession,
        manager: str,
        items: list[Reminder],
        pref: ReminderPreference,
        now: datetime,
    ) -> int:
        local = now.astimezone(self.policy.staff_hours.tz)
        today = local.date().isoformat()
        if local.time() < self.policy.digest_at or pref.last_digest_on == today:
            return 0
        entries = [self._context(r, await self._customer(session, r)) for r in items]
        for entry, reminder in zip(entries, items, strict=True):
            entry["title"] = self.render.text(f"reminders/{reminder.reason}/title", **entry)
        await self.sender.to_manager(
            session,
            key=f"reminder-digest|{manager}|{today}",
            manager=manager,
            template="reminders/digest",
            content_kind="service",
            context={"entries": entries, "day": today},
            planned=now,
        )
        for reminder in items:
            reminder.status, reminder.sent_at, reminder.via_digest = "sent", now, True
        pref.last_digest_on = today
        return len(items)

    async def respond(
        self, session: AsyncSession, userid: str, task_id: str, button: str, now: datetime
    ) -> ButtonOutcome:
        """Apply a button press; only the card's own manager, only the latest card, only once."""
        reminder = await session.get(Reminder, _reminder_id(task_id))
        if reminder is None or reminder.manager != userid or button not in BUTTONS:
            return ButtonOutcome("unknown", reminder)
        if reminder.status != "sent" or reminder.task_id != task_id:  # answered, or an older card of it
            return ButtonOutcome("already", reminder)
        reminder.answered_at = now
        if button == "done":
            reminder.status = "done"
        elif button == "irrelevant":
            reminder.status = "dismissed"
        else:
            reminder.status, reminder.due_at = "pending", now + self.policy.later
        return ButtonOutcome(button, reminder)

    async def set_digest(self, session: AsyncSession, userid: str, digest: bool) -> None:
        pref = await session.get(ReminderPreference, userid)
        if pref is None:
            session.add(ReminderPreference(userid=userid, digest=digest))
        else:
            pref.digest = digest

    async def today(self, session: AsyncSession, userid: str, now: datetime) -> list[dict[str, Any]]:
        """The manager's open reminders: sent and unanswered, or due before the end of today."""
        end = self._local_day_start(now) + timedelta(days=1)
        rows = (
            (
                await session.execute(
                    select(Reminder)
                    .where(
                        Reminder.manager == userid,
                        (
                            (Reminder.status == "sent")
                            | ((Reminder.status == "pending") & (Reminder.due_at < end))
                        ),
                    )
                    .order_by(Reminder.due_at, Reminder.id)
                )
            )
            .scalars()
            .all()
        )
        out = []
        for reminder in rows:
            context = self._context(reminder, await self._customer(session, reminder))
            context["title"] = self.render.text(f"reminders/{reminder.reason}/title", **context)
            context["status"] = reminder.status
            out.append(context)
        return out
