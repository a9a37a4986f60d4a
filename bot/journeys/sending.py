"""The one place journeys and reminders send from: render -> compliance gate -> caps -> outbox row.

Everything leaves through issue 7's outbox (``bot.delivery.outbox.enqueue``: idempotency key, audit log on
send, the monthly cap ledger in ``bot.delivery.quota``), never through the client directly:

- ``customer_task``: an ``add_msg_template`` task the manager confirms (the only way to reach a customer
  outside kf); quiet hours and the per-day/week caps move it, the monthly cap turns it into a
  ``manager_forward`` (the manager gets the text to forward by hand) rather than losing it.
- ``manager_forward`` / ``manager_note``: an app message to the manager.
- cards: an app message with an interactive template card (reminders).

:func:`flush_outbox` sends due rows with issue 7's :class:`~bot.delivery.senders.Senders`; the journey
service calls it on each tick only while no delivery service of the app drains the outbox
(``[companion] drain_outbox``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.compliance import ComplianceGate
from bot.content import Rendered, Renderer
from bot.db.models import Customer
from bot.delivery import outbox, quota
from bot.delivery.outbox import Sessions
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.senders import Senders
from scheduler.timerules import next_send_time


@dataclass(frozen=True)
class SendResult:
    """``status``: queued | degraded (sent to the manager to forward) | blocked (compliance) | dropped."""

    status: str
    channel: str = ""
    outbox_id: int | None = None
    text: str = ""
    not_before: datetime | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)


class JourneySender:
    def __init__(self, render: Renderer, gate: ComplianceGate, policy: DeliveryPolicy) -> None:
        self.render = render
        self.gate = gate
        self.policy = policy

    def _checked(
        self,
        template: str,
        segment: str | None,
        channel: str,
        kind: str,
        context: dict[str, Any],
        product_risk: str | None = None,
        audience_risk: str | None = None,
    ) -> tuple[Rendered, list[dict[str, Any]]]:
        rendered = self.render.render(template, segment, channel, **context)
        result = self.gate.check(
            rendered.text,
            kind=kind,
            product_risk=product_risk,
            audience_risk=audience_risk if product_risk else None,
            template=rendered.template,
            template_version=rendered.version,
        )
        findings = [{"rule": f.rule_id, "message": f.message, "excerpt": f.excerpt} for f in result.blocking]
        return rendered, findings

    async def to_customer(
        self,
        session: AsyncSession,
        *,
        key: str,
        customer: Customer,
        manager: str,
        template: str,
        content_kind: str,
        context: dict[str, Any],
        planned: datetime,
        product_risk: str | None = None,
        time_bound: bool = False,
        label: str = "",
    ) -> SendResult:
        """A manager-confirmed task to one customer; the caller has checked opt-out and the relation."""
        rendered, findings = self._checked(
            template, customer.tier, "mass_text", content_kind, context, product_risk, customer.risk_level
        )
        if findings:
            return SendResult("blocked", "customer_task", text=rendered.text, findings=findings)
        recent = await quota.recent(session, "customer", planned - timedelta(days=8))
        when = next_send_time(
            planned,
            quiet=self.policy.quiet,
            sent_times=recent.get(customer.external_userid, ()),
            cap=self.policy.frequency,
            time_bound=time_bound,
        )
        if when is None:
            return SendResult("dropped", "customer_task", text=rendered.text)
        month = quota.month_of(when, self.policy.quiet.tz)
        used = (await quota.usage(session, "customer", month)).get(customer.external_userid, 0)
        if used >= self.policy.monthly_cap:
            forwarded = await self.to_manager(
                session,
                key=key,
                manager=manager,
                template=template,
                content_kind=content_kind,
                context=context,
                planned=planned,
                segment=customer.tier,
                forward_to=customer,
            )
            status = "degraded" if forwarded.status == "queued" else forwarded.status
            return SendResult(
                status, "manager_forward", forwarded.outbox_id, forwarded.text, forwarded.not_before
            )
        payload = {
            "chat_type": "single",
            "sender": manager,
            "external_userid": [customer.external_userid],
            "text": {"content": rendered.text},
            "_meta": {"segment": customer.tier or "long_tail", "label": label or template},
        }
        row = _row(key, "mass_task", manager, manager, payload, rendered, when)
        ids = await outbox.enqueue(session, [row])
        row_id = ids[row["idempotency_key"]]
        await quota.reserve(
            session,
            [
                {
                    "target_kind": "customer",
                    "target_id": customer.external_userid,
                    "month": month,
                    "outbox_id": row_id,
                }
            ],
        )
        return SendResult("queued", "customer_task", row_id, rendered.text, when)

    async def to_manager(
        self,
        session: AsyncSession,
        *,
        key: str,
        manager: str,
        template: str,
        content_kind: str,
        context: dict[str, Any],
        planned: datetime,
        segment: str | None = None,
        forward_to: Customer | None = None,
    ) -> SendResult:
        """An app message to the manager; with ``forward_to`` it wraps customer content to forward."""
        channel = "mass_text" if forward_to is not None else "app_text"
        rendered, findings = self._checked(template, segment, channel, content_kind, context)
        if findings:
            return SendResult(
                "blocked",
                "manager_forward" if forward_to else "manager_note",
                text=rendered.text,
                findings=findings,
            )
        text = rendered.text
        if forward_to is not None:
            text = self.render.text(
                "companion/forward",
                channel="app_text",
                customer=forward_to.name or forward_to.external_userid,
                content=rendered.text,
            )
        payload = {"msgtype": "text", "text": {"content": text}}
        row = _row(
            key,
            "app_message",
            manager,
            None,
            payload,
            Rendered(text, rendered.template, rendered.version),
            planned,
        )
        ids = await outbox.enqueue(session, [row])
        return SendResult(
            "queued",
            "manager_forward" if forward_to else "manager_note",
            ids[row["idempotency_key"]],
            text,
            planned,
        )

    async def card(
        self,
        session: AsyncSession,
        *,
        key: str,
        manager: str,
        card: dict[str, Any],
        rendered: Rendered,
        planned: datetime,
    ) -> SendResult:
        """An interactive template card to the manager (``rendered`` is what the audit log records)."""
        payload = {"msgtype": "template_card", "template_card": card}
        row = _row(key, "app_message", manager, None, payload, rendered, planned)
        ids = await outbox.enqueue(session, [row])
        return SendResult("queued", "card", ids[row["idempotency_key"]], rendered.text, planned)


def _row(
    key: str,
    channel: str,
    target: str,
    sender: str | None,
    payload: dict[str, Any],
    rendered: Rendered,
    not_before: datetime,
) -> dict[str, Any]:
    return {
        "idempotency_key": key[:191],
        "channel": channel,
        "target": target[:128],
        "sender": sender,
        "payload": payload,
        "template_key": rendered.template,
        "template_version": rendered.version,
        "rendered_text": rendered.text,
        "approved_by": None,
        "status": "pending",
        "not_before": not_before,
        "fire_id": None,
    }


async def flush_outbox(
    sessions: Sessions,
    wecom: Any,
    render: Renderer,
    policy: DeliveryPolicy,
    now: datetime,
    owner: str = "journeys",
    rounds: int = 5,
) -> int:
    """Send every due outbox row through issue 7's senders; returns how many were sent."""
    senders = Senders(sessions, wecom, render, policy)
    sent = 0
    for _ in range(rounds):  # a sent mass task queues the manager's card: a second round sends it
        rows = await outbox.claim(sessions, owner, now, limit=policy.batch_size)
        if not rows:
            break
        for row in rows:
            sent += await senders.send(row, owner, now) == "sent"
    return sent
