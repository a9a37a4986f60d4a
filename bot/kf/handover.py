"""Hand a kf session to the customer's relationship manager, and tell the manager why.

``service_state/trans`` to 3 with the manager's userid; when WeCom refuses (the manager is not a
receiving servicer of the account: 95014/95019) the session goes to the pool (2) instead. The notice to
the customer goes out with the ``msg_code`` the move returns (``send_msg_on_event``, the only way to
speak once a person owns the session); the manager gets an app message with the customer, the question
and the reason. After a hand-over the bot stays silent in that session until it ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.content import Renderer
from bot.kf.sessions import HUMAN, POOL, KfSessions, reply_msgid
from bot.wecom.errors import ConfigError, KfSessionStateError, WeComError

log = logging.getLogger("wecombot.kf.handover")


@dataclass(frozen=True, slots=True)
class HandoverResult:
    """What happened: the session's new state (None = unchanged), whether each party was told."""

    state: int | None
    rm_userid: str | None
    customer_notified: bool
    rm_notified: bool
    customer_text: str  # the notice; the caller replies with it when ``customer_notified`` is False


@dataclass(frozen=True, slots=True)
class HandoverRequest:
    open_kfid: str
    external_userid: str
    customer_msgid: str
    question: str
    reason: str  # "human" | "own_account" | "unknown" | "unsuitable"
    customer_name: str | None
    rm_userid: str | None
    rm_name: str | None


class Handover:
    def __init__(self, wecom: Any, sessions: KfSessions, render: Renderer) -> None:
        self.wecom = wecom
        self.sessions = sessions
        self.render = render
        self.count = 0

    async def _move(self, req: HandoverRequest) -> tuple[int | None, str | None]:
        """Trans to the manager (3), else to the pool (2); returns (state, msg_code)."""
        targets: list[tuple[int, str | None]] = [(HUMAN, req.rm_userid)] if req.rm_userid else []
        targets.append((POOL, None))
        for state, servicer in targets:
            try:
                answer = await self.wecom.kf_service_state_trans(
                    req.open_kfid, req.external_userid, state, servicer
                )
            except ConfigError as exc:  # 95014: the manager is not a servicer of this account
                log.warning("kf hand-over to %s refused (%s); trying the pool", servicer, exc.errcode)
                continue
            except KfSessionStateError as exc:
                if exc.errcode == 95019 and state == HUMAN:  # the manager stopped receiving
                    continue
                log.warning("kf hand-over impossible in this session state (%s)", exc.errcode)
                return None, None
            await self.sessions.set_state(req.open_kfid, req.external_userid, state, servicer)
            return state, answer.get("msg_code") or None
        return None, None

    async def hand_over(self, req: HandoverRequest) -> HandoverResult:
        state, msg_code = await self._move(req)
        to_rm = state == HUMAN
        text = self.render.text(
            "kf/handover_customer",
            channel="kf_text",
            reason=req.reason,
            rm_name=req.rm_name if to_rm else None,
            moved=state is not None,
        )
        customer_notified = False
        if msg_code:
            try:
                await self.wecom.kf_send_msg_on_event(
                    msg_code, "text", {"content": text}, msgid=reply_msgid("h" + req.customer_msgid, 0)
                )
                customer_notified = True
            except WeComError as exc:  # the code expired or the state moved on: nothing more to try
                log.warning("kf hand-over notice not sent: %s", exc)
        rm_notified = False
        if req.rm_userid:
            note = self.render.text(
                "kf/handover_rm", channel="app_text", customer_name=req.customer_name or req.external_userid,
                question=req.question[:200], reason=req.reason, state=state,
            )  # fmt: skip
            try:
                await self.wecom.send_text(req.rm_userid, note)
                rm_notified = True
            except WeComError as exc:
                log.error("manager %s not told about the kf hand-over: %s", req.rm_userid, exc)
        self.count += 1
        return HandoverResult(state, req.rm_userid, customer_notified, rm_notified, text)
