"""Rows whose send may have happened: find out from WeCom instead of sending again.

A row carries ``result.attempt_at`` from the moment its sender called WeCom. When that sender died
(its claim went stale) or the call ended in a timeout/connection error, the outcome is unknown:

- ``mass_task``: WeCom lists the tasks a manager created (``get_groupmsg_list_v2``, ``creator``); a
  task created since the attempt with the same text and not yet adopted by another row is ours -> the
  row is recorded as sent with that msgid. None -> WeCom never created it -> back to ``pending``.
- ``app_message`` / ``group_robot``: WeCom offers no look-up, so the row is marked ``failed`` with
  "uncertain" for an operator to check, never repeated (a duplicate to a member is the worse error).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.db.models import MassTask, Outbox
from bot.delivery import outbox
from bot.delivery.senders import Senders, wecom_payload

log = logging.getLogger("wecombot.delivery")
UNCERTAIN_NOTE = "uncertain: the call may have reached WeCom; not resent, check before sending again"


async def _adopted(senders: Senders, msgids: list[str]) -> set[str]:
    if not msgids:
        return set()
    async with senders.sessions() as session:
        rows = await session.execute(select(MassTask.msgid).where(MassTask.msgid.in_(msgids)))
        return {m for m in rows.scalars() if m}


async def find_mass_task(senders: Senders, row: Outbox, now: datetime) -> dict[str, Any] | None:
    """The WeCom task created by ``row``'s attempt, if any (matched by creator, time and text)."""
    attempt = datetime.fromisoformat(str((row.result or {})["attempt_at"]))
    payload = wecom_payload(row)
    query = {
        "chat_type": payload.get("chat_type", "single"),
        "start_time": int((attempt - timedelta(minutes=5)).timestamp()),
        "end_time": int((now + timedelta(minutes=1)).timestamp()),
        "creator": row.sender or "",
        "filter_type": 2,
        "limit": 100,
    }
    text = payload.get("text", {}).get("content")
    cursor = ""
    while True:
        page = await senders.wecom.get_groupmsg_list_v2(**query, cursor=cursor)
        found = [m for m in page.get("group_msg_list", []) if (m.get("text") or {}).get("content") == text]
        taken = await _adopted(senders, [str(m["msgid"]) for m in found])
        for item in found:
            if str(item["msgid"]) not in taken:
                return {"msgid": str(item["msgid"]), "fail_list": [], "errcode": 0, "reconciled": True}
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return None


async def resolve(senders: Senders, row: Outbox, owner: str, now: datetime) -> str:
    """Settle a row with an unknown outcome; returns ``sent``, ``pending`` or ``failed``."""
    if "attempt_at" not in (row.result or {}):
        await outbox.retry_later(senders.sessions, row, now, "claim expired before sending", True)
        return "pending"
    if row.channel == "mass_task":
        found = await find_mass_task(senders, row, now)
        if found is not None:
            log.warning("outbox %s: adopting task %s created before a crash", row.id, found["msgid"])
            await senders.record_sent(row, found, now)
            return "sent"
        await outbox.retry_later(senders.sessions, row, now, "no task found at WeCom: resending", True)
        return "pending"
    async with senders.sessions() as session, session.begin():
        await session.execute(
            update(Outbox).where(Outbox.id == row.id).values(status="failed", last_error=UNCERTAIN_NOTE)
        )
    log.error("outbox %s (%s to %s): %s", row.id, row.channel, row.target, UNCERTAIN_NOTE)
    return "failed"


async def reconcile_stale(
    senders: Senders, owner: str, now: datetime, older_than: timedelta
) -> dict[str, int]:
    """Take over claims older than ``older_than`` and settle each; returns counts per outcome."""
    outcomes: dict[str, int] = {}
    for row in await outbox.stale_claims(senders.sessions, now, older_than):
        if not await outbox.take_over(senders.sessions, row, owner, now):
            continue
        outcome = await resolve(senders, row, owner, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
