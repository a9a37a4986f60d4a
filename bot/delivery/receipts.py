"""Mass-task receipts, reminders and coverage.

WeCom sends nothing until the manager confirms a task in the client, so after queueing we poll
``get_groupmsg_task`` (who confirmed) and ``get_groupmsg_send_result`` (per customer/group result),
store the results, and remind managers who have not confirmed by the deadline: WeCom's own reminder
(``remind_groupmsg_send``, at most 3 per 24 h) plus an app message from us.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.content import Renderer
from bot.db.models import Fire, MassTask, MassTaskReceipt, Outbox
from bot.delivery import outbox, quota
from bot.delivery.outbox import Sessions
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.sqlutil import insert_ignore
from bot.wecom.errors import RetryLater, WeComError

log = logging.getLogger("wecombot.delivery")
OPEN = ("created", "partly_sent")


async def _pages(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = await call(**kwargs, cursor=cursor)
        items += page.get(key, [])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return items


class ReceiptPoller:
    def __init__(self, sessions: Sessions, wecom: Any, render: Renderer, policy: DeliveryPolicy) -> None:
        self.sessions = sessions
        self.wecom = wecom
        self.render = render
        self.policy = policy

    async def poll(self, now: datetime, limit: int = 200) -> dict[str, int]:
        """Refresh open tasks; returns counts (polled, confirmed, reminded)."""
        async with self.sessions() as session:
            statement = select(MassTask).where(MassTask.status.in_(OPEN)).order_by(MassTask.id).limit(limit)
            tasks = list((await session.execute(statement)).scalars())
        counts = {"polled": 0, "confirmed": 0, "reminded": 0}
        for task in tasks:
            try:
                confirmed = await self._poll_task(task, now)
            except RetryLater as exc:
                log.info("receipts of task %s not available yet: %s", task.msgid, exc)
                continue
            except WeComError as exc:  # WeCom does not know the task (any more): stop polling it
                log.warning("task %s cannot be polled, marked failed: %s", task.msgid, exc)
                await self._set(task, status="failed", last_polled_at=now)
                continue
            counts["polled"] += 1
            if confirmed:
                counts["confirmed"] += 1
            elif await self._maybe_remind(task, now):
                counts["reminded"] += 1
        return counts

    async def _set(self, task: MassTask, **values: Any) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(update(MassTask).where(MassTask.id == task.id).values(**values))

    async def _poll_task(self, task: MassTask, now: datetime) -> bool:
        rows = await _pages(self.wecom.get_groupmsg_task, "task_list", msgid=task.msgid)
        mine = [r for r in rows if r.get("userid") == task.sender]
        if not mine or int(mine[0].get("status", 0)) != 2:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(MassTask).where(MassTask.id == task.id).values(last_polled_at=now)
                )
            return False
        results = await _pages(
            self.wecom.get_groupmsg_send_result, "send_list", msgid=task.msgid, userid=task.sender
        )
        receipts = []
        refused = []
        for r in results:
            target = r.get("external_userid") or r.get("chat_id") or ""
            status = int(r.get("status", 0))
            sent_at = datetime.fromtimestamp(int(r["send_time"]), now.tzinfo) if r.get("send_time") else None
            receipts.append(
                {
                    "mass_task_id": task.id,
                    "userid": task.sender,
                    "target_id": target,
                    "target_kind": "customer" if r.get("external_userid") else "group",
                    "status": status,
                    "send_time": sent_at,
                }
            )
            if status in (2, 3):  # not a friend any more / capped by WeCom: not counted against our cap
                refused.append(target)
        sent = sum(1 for r in receipts if r["status"] == 1)
        async with self.sessions() as session, session.begin():
            await insert_ignore(session, MassTaskReceipt, receipts)
            await session.execute(
                update(MassTask)
                .where(MassTask.id == task.id)
                .values(status="sent", sent_count=sent, last_polled_at=now)
            )
            if task.outbox_id is not None and refused:
                await quota.release(session, task.outbox_id, refused)
        return True

    async def _maybe_remind(self, task: MassTask, now: datetime) -> bool:
        if (
            now - task.created_at < self.policy.confirm_deadline
            or task.remind_count >= self.policy.max_reminders
        ):
            return False
        if task.last_reminded_at and now - task.last_reminded_at < self.policy.remind_every:
            return False
        try:
            await self.wecom.remind_groupmsg_send(task.msgid)
        except WeComError as exc:
            log.warning("reminder for task %s refused: %s", task.msgid, exc)
        number = task.remind_count + 1
        rendered = self.render.render("campaigns/reminder", count=task.target_count, number=number)
        row = {
            "idempotency_key": f"remind|{task.msgid}|{number}",
            "channel": "app_message",
            "target": task.sender,
            "sender": None,
            "payload": {"msgtype": "text", "text": {"content": rendered.text}},
            "template_key": rendered.template,
            "template_version": rendered.version,
            "rendered_text": rendered.text,
            "approved_by": None,
            "status": "pending",
            "not_before": now,
            "fire_id": None,
        }
        async with self.sessions() as session, session.begin():
            await outbox.enqueue(session, [row])
            await session.execute(
                update(MassTask)
                .where(MassTask.id == task.id)
                .values(remind_count=number, last_reminded_at=now)
            )
        return True


async def coverage(
    sessions: Sessions, *, fire_ids: list[int] | None = None, campaign_id: int | None = None
) -> dict[str, Any]:
    """Tasks created / confirmed, targets planned and delivered, for some fires or a campaign."""
    async with sessions() as session:
        if campaign_id is not None:
            ids = select(Fire.id).where(Fire.campaign_id == campaign_id)
            fire_ids = list((await session.execute(ids)).scalars())
        fire_ids = fire_ids or []
        tasks = (
            select(
                MassTask.status, func.count(), func.sum(MassTask.target_count), func.sum(MassTask.sent_count)
            )
            .join(Outbox, Outbox.id == MassTask.outbox_id)
            .where(Outbox.fire_id.in_(fire_ids))
            .group_by(MassTask.status)
        )
        by_status = {
            s: (int(n), int(t or 0), int(d or 0)) for s, n, t, d in (await session.execute(tasks)).all()
        }
        rows = await outbox.counts(session, fire_ids)
        failed = (
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.fire_id.in_(fire_ids), Outbox.channel == "mass_task", Outbox.status == "failed")
        )
        failed_tasks = int((await session.execute(failed)).scalar_one())
    return {
        "fires": fire_ids,
        "outbox": rows,
        "tasks_created": sum(n for n, _, _ in by_status.values()),
        "tasks_confirmed": by_status.get("sent", (0, 0, 0))[0],
        "tasks_failed": failed_tasks,
        "targets_planned": sum(t for _, t, _ in by_status.values()),
        "targets_delivered": sum(d for _, _, d in by_status.values()),
    }
