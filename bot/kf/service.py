"""What the kf puller does with each pulled item, by ``origin`` (wecom-kf.md §3, §11).

* 3, a customer wrote: open a new reply allowance, then (unless a person owns the session) dispatch a
  :class:`KfCustomerMessage` through the same router as app messages and send the reply under the
  session rules of :mod:`bot.kf.sessions`; non-text messages get a short "text only" answer.
* 4, an event: ``enter_session`` with a ``welcome_code`` gets the templated welcome at once (the code
  lives 20 s); ``session_status_change`` updates the session row; ``msg_send_fail`` is logged.
* 5, a servicer wrote from the WeCom client: a person is active, the bot records it and stays quiet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.content import Renderer
from bot.kf.handover import Handover
from bot.kf.puller import Item, KfPuller
from bot.kf.sessions import HUMAN, POOL, KfSessions
from bot.wecom.errors import WeComError
from bot.wecom.events import KfCustomerMessage
from bot.wecom.replies import reply_text

log = logging.getLogger("wecombot.kf")

# session_status_change.change_type -> our state (1 picked from pool, 2 transferred, 3 ended, 4 reopened)
_CHANGE_STATE = {1: HUMAN, 2: HUMAN, 3: 4, 4: HUMAN}


class KfService:
    """The kf side of the bot: ``puller``, ``sessions``, ``handover``; registered as ``services["kf"]``."""

    def __init__(
        self,
        *,
        wecom: Any,
        sessionmaker: Any,
        state: Any,
        dispatcher: Any,
        render: Renderer,
        compliance: Any,
        clock: Callable[[], datetime],
        corp_id: str = "",
        cold_start_grace: float = 120.0,
    ) -> None:
        self.wecom = wecom
        self.dispatcher = dispatcher
        self.render = render
        self.compliance = compliance
        self.corp_id = corp_id
        self.sessions = KfSessions(wecom, sessionmaker, clock)
        self.handover = Handover(wecom, self.sessions, render)
        self.puller = KfPuller(
            wecom, sessionmaker, state, self.handle, clock, cold_start_grace=cold_start_grace
        )
        self.send_failures: list[Item] = []

    async def handle(self, item: Item) -> None:
        origin = int(item.get("origin") or 0)
        if origin == 3:
            await self._customer(item)
        elif origin == 4 and item.get("msgtype") == "event":
            await self._event(item.get("event") or {})
        elif origin == 5:
            await self.sessions.set_state(
                str(item.get("open_kfid", "")), str(item.get("external_userid", "")), HUMAN,
                str(item.get("servicer_userid") or "") or None,
            )  # fmt: skip
            log.info("kf: servicer %s is answering; the bot stays quiet", item.get("servicer_userid"))

    async def _customer(self, item: Item) -> None:
        open_kfid, ext = str(item.get("open_kfid", "")), str(item.get("external_userid", ""))
        msgid = str(item.get("msgid", ""))
        sent_at = datetime.fromtimestamp(float(item.get("send_time") or 0), UTC)
        await self.sessions.customer_wrote(open_kfid, ext, msgid, sent_at)
        row = await self.sessions.get(open_kfid, ext)
        if row is not None and row.service_state in (POOL, HUMAN):
            log.info(
                "kf: %s writes in a session a person owns (state %s); not answering", ext, row.service_state
            )
            return
        if item.get("msgtype") != "text":
            text = self.render.text("kf/text_only", channel="kf_text")
            await self.sessions.send_text(open_kfid, ext, text, msgid)
            return
        event = KfCustomerMessage(
            raw=item, to_user=self.corp_id, from_user=ext, create_time=int(sent_at.timestamp()),
            msg_type="text", agent_id=None, msg_id=msgid, open_kfid=open_kfid, external_user_id=ext,
            content=str((item.get("text") or {}).get("content", "")),
        )  # fmt: skip
        result = await self.dispatcher.dispatch(event)
        if result.reply is not None:
            await self.sessions.send_text(open_kfid, ext, reply_text(result.reply), msgid)

    async def _event(self, event: Item) -> None:
        kind = event.get("event_type")
        open_kfid, ext = str(event.get("open_kfid", "")), str(event.get("external_userid", ""))
        if kind == "enter_session" and event.get("welcome_code"):
            rendered = self.render.render("kf/welcome", channel="kf_text", scene=event.get("scene") or "")
            check = self.compliance.check(rendered.text, kind="service", template=rendered.template)
            if not check.passed:
                log.error("kf welcome blocked by the compliance gate: %s", check.blocking)
                return
            try:
                await self.wecom.kf_send_msg_on_event(
                    event["welcome_code"], "text", {"content": rendered.text}
                )
            except WeComError as exc:  # the 20 s code expired or was used: nothing to retry
                log.warning("kf welcome not sent: %s", exc)
        elif kind == "session_status_change":
            state = _CHANGE_STATE.get(int(event.get("change_type") or 0))
            if state is not None:
                servicer = str(event.get("new_servicer_userid") or "") or None
                await self.sessions.set_state(open_kfid, ext, state, servicer if state == HUMAN else None)
        elif kind == "msg_send_fail":
            self.send_failures.append(event)
            log.warning(
                "kf message %s to %s failed: fail_type %s",
                event.get("fail_msgid"),
                ext,
                event.get("fail_type"),
            )
        else:
            log.debug("kf event %s ignored", kind)
