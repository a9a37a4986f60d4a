"""The reply policy for WeChat Customer Service: who may speak in a session, and how often.

WeCom accepts ``kf/send_msg`` only in states 0 (new) and 1 (bot), within 48 h of the customer's last
message and at most 5 times per customer message (wecom-kf.md §4.1). So before every reply:
``service_state/get``; 0 -> ``trans`` to 1 (the bot claims the session); 1 -> send; 2/3/4 -> a person or
nobody owns it: stay silent. The 5-per-message budget and the 48 h window are tracked in the
``kf_sessions`` table, so a reply over budget is never even attempted. 95018/95001/95002 update the
row and are not retried blindly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AuditEntry, KfSession
from bot.wecom.errors import KfSessionStateError, QuotaExceeded

log = logging.getLogger("wecombot.kf.sessions")

REPLIES_PER_MESSAGE = 5
REPLY_WINDOW = timedelta(hours=48)
BOT, POOL, HUMAN, ENDED = 1, 2, 3, 4
_MSGID_SAFE = re.compile(r"[^0-9A-Za-z_-]")


@dataclass(frozen=True, slots=True)
class SendResult:
    sent: bool
    reason: str  # "sent" | "budget" | "window" | "state_<n>" | "errcode_<n>"


def reply_msgid(customer_msgid: str, n: int) -> str:
    """A client msgid for the n-th reply to one customer message: a retry of the same reply is idempotent."""
    return (f"r{n}_" + _MSGID_SAFE.sub("", customer_msgid))[:32]


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class KfSessions:
    """Session rows + the state checks around ``kf/send_msg``; one per process."""

    def __init__(
        self, wecom: Any, sessionmaker: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self.wecom = wecom
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.skipped: dict[str, int] = {}  # reason -> count, for metrics and tests

    async def _row(self, session: AsyncSession, open_kfid: str, external_userid: str) -> KfSession:
        row = await session.scalar(
            select(KfSession).where(
                KfSession.open_kfid == open_kfid, KfSession.external_userid == external_userid
            )
        )
        if row is None:
            row = KfSession(open_kfid=open_kfid, external_userid=external_userid, service_state=4,
                            replies_since_customer_msg=0)  # fmt: skip
            session.add(row)
        return row

    async def customer_wrote(self, open_kfid: str, external_userid: str, msgid: str, when: datetime) -> None:
        """A customer message opens a new allowance of 5 replies within 48 h; an ended session reopens."""
        async with self.sessionmaker() as session, session.begin():
            row = await self._row(session, open_kfid, external_userid)
            row.last_customer_msg_at = when
            row.replies_since_customer_msg = 0
            row.last_msgid = msgid
            if row.service_state in (None, ENDED):
                row.service_state, row.servicer_userid = 0, None

    async def set_state(
        self, open_kfid: str, external_userid: str, state: int, servicer_userid: str | None = None
    ) -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await self._row(session, open_kfid, external_userid)
            row.service_state, row.servicer_userid = state, servicer_userid

    async def get(self, open_kfid: str, external_userid: str) -> KfSession | None:
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(KfSession).where(
                    KfSession.open_kfid == open_kfid, KfSession.external_userid == external_userid
                )
            )

    def _skip(self, reason: str) -> SendResult:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        log.info("kf reply not sent: %s", reason)
        return SendResult(False, reason)

    async def claim_for_bot(self, open_kfid: str, external_userid: str) -> int:
        """Ask WeCom who owns the session; take a new one (0 -> 1). Returns the state after that."""
        answer = await self.wecom.kf_service_state_get(open_kfid, external_userid)
        state = int(answer.get("service_state", ENDED))
        if state == 0:
            try:
                await self.wecom.kf_service_state_trans(open_kfid, external_userid, BOT)
                state = BOT
            except KfSessionStateError as exc:  # someone else moved it first: re-read, never force
                log.info("kf claim refused (%s); re-reading the state", exc.errcode)
                state = int(
                    (await self.wecom.kf_service_state_get(open_kfid, external_userid)).get(
                        "service_state", 4
                    )
                )
        servicer = answer.get("servicer_userid") or None
        await self.set_state(open_kfid, external_userid, state, servicer if state == HUMAN else None)
        return state

    async def send_text(
        self, open_kfid: str, external_userid: str, text: str, customer_msgid: str
    ) -> SendResult:
        """Send one text reply if the session, the window and the budget allow it."""
        row = await self.get(open_kfid, external_userid)
        now = self.clock()
        if row is not None:
            last = _aware(row.last_customer_msg_at)
            if last is None or now - last > REPLY_WINDOW:
                return self._skip("window")
            if row.replies_since_customer_msg >= REPLIES_PER_MESSAGE:
                return self._skip("budget")
        state = await self.claim_for_bot(open_kfid, external_userid)
        if state != BOT:
            return self._skip(f"state_{state}")
        n = row.replies_since_customer_msg if row is not None else 0
        msgid = reply_msgid(customer_msgid, n)
        try:
            await self.wecom.kf_send_msg(external_userid, open_kfid, "text", {"content": text}, msgid=msgid)
        except KfSessionStateError as exc:  # 95018 & co: someone took over meanwhile; record who, no retry
            answer = await self.wecom.kf_service_state_get(open_kfid, external_userid)
            state = int(answer.get("service_state", ENDED))
            await self.set_state(open_kfid, external_userid, state, answer.get("servicer_userid") or None)
            return self._skip(f"errcode_{exc.errcode}")
        except QuotaExceeded as exc:  # 95001 budget spent / 95002 window closed: wait for the customer
            await self._exhaust(open_kfid, external_userid)
            return self._skip(f"errcode_{exc.errcode}")
        async with self.sessionmaker() as session, session.begin():
            stored = await self._row(session, open_kfid, external_userid)
            stored.replies_since_customer_msg = (stored.replies_since_customer_msg or 0) + 1
            session.add(  # every message that leaves is in the audit log
                AuditEntry(
                    channel="kf",
                    target=external_userid,
                    sender=open_kfid,
                    rendered_text=text,
                    idempotency_key=f"kf:{open_kfid}:{msgid}",
                    wecom_msgid=msgid,
                    result={"customer_msgid": customer_msgid},
                )
            )
        return SendResult(True, "sent")

    async def _exhaust(self, open_kfid: str, external_userid: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await self._row(session, open_kfid, external_userid)
            row.replies_since_customer_msg = REPLIES_PER_MESSAGE
