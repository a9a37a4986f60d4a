"""One sender per channel: call WeCom for a claimed outbox row and record the outcome in one transaction.

- ``mass_task``: ``add_msg_template`` for one manager; stores the ``MassTask``, releases the cap
  reservations of targets WeCom refused (``fail_list``) and queues the manager's template card.
- ``app_message``: ``message/send`` (text or template card) to a member.
- ``group_robot``: the internal team group's robot webhook (key looked up by robot name in config).

Every message that leaves is written to the append-only audit log with template, version, text and
approver, in the same transaction that marks the row sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Renderer
from bot.db.models import AuditEntry, MassTask, Outbox
from bot.delivery import outbox, quota
from bot.delivery.outbox import Sessions
from bot.delivery.policy import DeliveryPolicy
from bot.wecom.errors import CONNECTION_ERROR, HTTP_ERROR, TIMEOUT, RetryLater, WeComError

log = logging.getLogger("wecombot.delivery")
# Transport failures after which WeCom may or may not have acted on the request.
UNCERTAIN = (TIMEOUT, CONNECTION_ERROR, HTTP_ERROR)


def wecom_payload(row: Outbox) -> dict[str, Any]:
    """What goes on the wire: the stored payload without our own ``_meta``."""
    return {k: v for k, v in (row.payload or {}).items() if k != "_meta"}


class Senders:
    def __init__(self, sessions: Sessions, wecom: Any, render: Renderer, policy: DeliveryPolicy) -> None:
        self.sessions = sessions
        self.wecom = wecom
        self.render = render
        self.policy = policy

    async def call(self, row: Outbox) -> dict[str, Any]:
        """The WeCom call of ``row``'s channel; returns WeCom's answer."""
        payload = wecom_payload(row)
        if row.channel == "mass_task":
            return dict(await self.wecom.add_msg_template(payload))
        if row.channel == "app_message":
            return dict(await self.wecom.send_message({**payload, "touser": row.target}))
        if row.channel == "group_robot":
            key = self.policy.robots.get(row.target)
            if not key:
                raise WeComError(-1, f"no webhook key configured for robot {row.target!r}", "webhook/send")
            return dict(await self.wecom.webhook_send(key, payload))
        raise WeComError(-1, f"channel {row.channel!r} has no sender", "")

    async def send(self, row: Outbox, owner: str, now: datetime) -> str:
        """Send one claimed row; returns the row's new status."""
        if "attempt_at" in (row.result or {}):
            from bot.delivery.reconcile import resolve  # reconcile builds on this module

            return await resolve(self, row, owner, now)  # an earlier attempt may have reached WeCom
        if not await outbox.mark_attempt(self.sessions, row, owner, now):
            return "lost_claim"
        try:
            answer = await self.call(row)
        except RetryLater as exc:
            later = now + timedelta(seconds=exc.retry_after)
            if exc.errcode in UNCERTAIN:
                # The request may have reached WeCom: keep attempt_at, so the next claim reconciles first.
                await outbox.retry_later(self.sessions, row, later, str(exc), forget_attempt=False)
                return "uncertain"
            await outbox.retry_later(self.sessions, row, later, str(exc), forget_attempt=True)
            return "pending"
        except (WeComError, ValueError) as exc:
            await self.fail(row, str(exc))
            return "failed"
        await self.record_sent(row, answer, now)
        return "sent"

    async def fail(self, row: Outbox, error: str) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Outbox).where(Outbox.id == row.id).values(status="failed", last_error=error[:1000])
            )
            await quota.release(session, row.id)
        log.warning("outbox %s (%s to %s) failed: %s", row.id, row.channel, row.target, error)

    async def record_sent(self, row: Outbox, answer: dict[str, Any], now: datetime) -> None:
        """Mark sent, audit, and for a mass task store it and queue the manager's card."""
        msgid = answer.get("msgid") or answer.get("msg_id")
        result = {**(row.result or {}), "msgid": msgid, "errcode": answer.get("errcode", 0)}
        fail_list = [str(x) for x in answer.get("fail_list", [])]
        if fail_list:
            result["fail_list"] = fail_list
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Outbox)
                .where(Outbox.id == row.id)
                .values(status="sent", sent_at=now, result=result, last_error="")
            )
            session.add(
                AuditEntry(
                    sent_at=now,
                    channel=row.channel,
                    target=row.target,
                    sender=row.sender,
                    template_key=row.template_key,
                    template_version=row.template_version,
                    rendered_text=row.rendered_text,
                    approved_by=row.approved_by,
                    outbox_id=row.id,
                    idempotency_key=row.idempotency_key,
                    wecom_msgid=str(msgid) if msgid else None,
                    result=result,
                )
            )
            if row.channel == "mass_task" and msgid:
                await self._store_task(session, row, str(msgid), fail_list, now)

    async def _store_task(
        self, session: AsyncSession, row: Outbox, msgid: str, fail_list: list[str], now: datetime
    ) -> None:
        payload = row.payload or {}
        targets = payload.get("external_userid") or payload.get("chat_id_list") or []
        task = MassTask(
            outbox_id=row.id,
            msgid=msgid,
            sender=row.sender or row.target,
            chat_type=payload.get("chat_type", "single"),
            status="created",
            target_count=len(targets) - len(fail_list),
            fail_list=fail_list,
        )
        session.add(task)
        await quota.release(session, row.id, fail_list)
        await outbox.enqueue(session, [self.manager_card(row, len(targets) - len(fail_list), now)])

    def manager_card(self, row: Outbox, count: int, now: datetime) -> dict[str, Any]:
        """The app message (template card) telling the manager what to confirm, as an outbox row."""
        meta = (row.payload or {}).get("_meta", {})
        chat_type = (row.payload or {}).get("chat_type", "single")
        deadline = (now + self.policy.confirm_deadline).astimezone(self.policy.quiet.tz)
        ctx = {"label": meta.get("label", ""), "count": count, "chat_type": chat_type, "deadline": deadline}
        title = self.render.render("campaigns/card/title", **ctx)
        desc = self.render.render("campaigns/card/desc", **ctx)
        body = self.render.render("campaigns/card/body", **ctx)
        card = {
            "card_type": "text_notice",
            "main_title": {"title": title.text[:36], "desc": desc.text[:44]},
            "sub_title_text": body.text[:120],
            "card_action": {"type": 1, "url": self.policy.console_url},
        }
        return {
            "idempotency_key": f"{row.idempotency_key}|card"[:191],
            "channel": "app_message",
            "target": row.sender or row.target,
            "sender": None,
            "payload": {"msgtype": "template_card", "template_card": card},
            "template_key": body.template,
            "template_version": body.version,
            "rendered_text": body.text,
            "approved_by": None,
            "status": "pending",
            "not_before": now,
            "fire_id": row.fire_id,
        }
