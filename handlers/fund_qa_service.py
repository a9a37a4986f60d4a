"""The fund Q&A service behind the router: who asks, what they get, the gate, the hand-over.

Managers (any member writing to the app) get figures, as text or markdown ready to forward; only
members whose role is ``rm`` get 客户持仓诊断, and only for their own customers. Customers (kf) are
looked up by ``external_userid`` for their tier (wording), risk tolerance (suitability) and manager
(hand-over); asking for a person, about their own account, or anything the bot cannot answer hands
the session to that manager. Every rendered fund answer passes the compliance gate (kind ``fund``);
a blocked answer is never sent: it is logged, counted and replaced by a safe fallback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from prometheus_client import Counter

from bot import keys
from bot.content import Renderer
from bot.kf.handover import HandoverRequest
from bot.settings import SettingsError
from bot.wecom.events import Event, KfCustomerMessage
from bot.wecom.replies import MarkdownReply, Reply, TextReply
from handlers.faq import FaqIndex
from handlers.fund_intents import Intent
from handlers.fund_metrics import risk_free_rate
from handlers.fund_qa_answers import Answer, Answerer, Asker, audience_of
from handlers.fund_qa_data import FundData
from handlers.fund_qa_holdings import CustomerProfile, find_customers, holdings_context, load_customer

log = logging.getLogger("wecombot.fund_qa")
SERVICE = "fund_qa"


class FundQaService:
    """Registered as ``services["fund_qa"]``; the router's handlers call into it."""

    def __init__(
        self,
        data: FundData,
        render: Renderer,
        compliance: Any,
        faq: FaqIndex | None,
        disclosure: str,
        blocked_counter: Any = None,
    ) -> None:
        self.data = data
        self.render = render
        self.compliance = compliance
        self.faq = faq
        self.disclosure = disclosure
        self.answerer = Answerer(data, render, faq, disclosure)
        self.blocked = 0
        self._blocked_counter = blocked_counter

    # -- the gate -------------------------------------------------------------------------------
    def _gated(self, answer: Answer, asker: Asker, channel: str) -> str:
        audience = asker.risk_level if asker.is_customer and answer.product_risk else None
        result = self.compliance.check(
            answer.text,
            kind="fund",
            product_risk=answer.product_risk if audience else None,
            audience_risk=audience,
            template=answer.template,
            template_version=answer.version,
        )
        if result.passed:
            return answer.text
        self.blocked += 1
        if self._blocked_counter is not None:
            self._blocked_counter.labels(answer.template).inc()
        log.error("fund answer blocked by the compliance gate (%s): %s", answer.template, result.blocking)
        return self.render.text("fund_qa/blocked", channel=channel, disclosure=self.disclosure)

    # -- managers -----------------------------------------------------------------------------
    async def for_staff(self, event: Event, intent: Intent, directory: Any) -> Reply:
        name = await directory.display_name(event.sender) if directory is not None else None
        if intent.kind == "holdings_diagnose":
            return await self._holdings(event, intent, directory)
        asker = Asker("staff", False, None, name)
        answer = self.answerer.answer(intent, asker, "app_text")
        text = self._gated(answer, asker, "app_text")
        return MarkdownReply(text) if answer.markdown and text == answer.text else TextReply(text)

    async def _holdings(self, event: Event, intent: Intent, directory: Any) -> Reply:
        role = await directory.role_of(event.sender) if directory is not None else None
        if role != "rm":
            return TextReply(self.render.text("fund_qa/staff_only", channel="app_text"))
        name = intent.customer_name or ""
        found = await find_customers(self.data.sessionmaker, event.sender, name) if name else []
        exact = [c for c in found if c.name == name]
        chosen = exact if len(exact) == 1 else found if len(found) == 1 else []
        if not chosen:
            return TextReply(
                self.render.text("fund_qa/holdings_pick", channel="app_text", name=name, found=found)
            )
        ctx = holdings_context(self.data, chosen[0])
        as_of = self.data.snapshot.as_of
        text = self.render.text(
            "fund_qa/holdings", channel="app_markdown", disclosure=self.disclosure, as_of=as_of, **ctx
        )
        check = self.compliance.check(text, kind="fund", template="fund_qa/holdings")
        if not check.passed:
            self.blocked += 1
            log.error("holdings summary blocked by the compliance gate: %s", check.blocking)
            return TextReply(
                self.render.text("fund_qa/blocked", channel="app_text", disclosure=self.disclosure)
            )
        return MarkdownReply(text)

    # -- customers ----------------------------------------------------------------------------
    async def for_customer(self, event: KfCustomerMessage, intent: Intent, kf: Any) -> Reply | None:
        profile = await load_customer(self.data.sessionmaker, event.external_user_id)
        if intent.kind in ("human", "own_account", "unknown", "holdings_diagnose"):
            reason = "own_account" if intent.kind == "holdings_diagnose" else intent.kind
            return await self.hand_over(event, reason, profile, kf)
        asker = (
            Asker(audience_of(profile.tier), True, profile.risk_level, profile.name)
            if profile is not None
            else Asker("long_tail", True)
        )
        answer = self.answerer.answer(intent, asker, "kf_text")
        return TextReply(self._gated(answer, asker, "kf_text"))

    async def hand_over(
        self, event: KfCustomerMessage, reason: str, profile: CustomerProfile | None, kf: Any
    ) -> Reply | None:
        """Hand the session to the customer's manager; reply only if the notice could not go out with it."""
        if kf is None:
            text = self.render.text(
                "kf/handover_customer", channel="kf_text", reason=reason, rm_name=None, moved=False
            )
            return TextReply(text)
        request = HandoverRequest(
            open_kfid=event.open_kfid,
            external_userid=event.external_user_id,
            customer_msgid=event.msg_id,
            question=event.content,
            reason=reason,
            customer_name=profile.name if profile else None,
            rm_userid=profile.rm_userid if profile else None,
            rm_name=profile.rm_name if profile else None,
        )
        result = await kf.handover.hand_over(request)
        return None if result.customer_notified else TextReply(result.customer_text)


async def fund_qa_context(app: web.Application) -> AsyncIterator[None]:
    """Start-up: load the fund data and warm the FAQ segmenter (off the loop) before the first question."""
    resources = app[keys.DISPATCHER].resources
    if resources.db is None:
        yield
        return
    section = resources.settings.section("fund_qa")
    data = FundData(resources.db, risk_free_rate(section))
    faq = FaqIndex.from_file()
    await asyncio.get_running_loop().run_in_executor(None, faq.warm)
    await data.reload()
    counter = Counter(
        "wecombot_fund_qa_blocked_total",
        "Fund answers stopped by the compliance gate, by template",
        ["template"],
        registry=app[keys.METRICS].registry,
    )
    disclosure = section.get("disclosure")
    if not isinstance(disclosure, str) or not disclosure.strip():
        raise SettingsError("[fund_qa].disclosure: the risk disclosure every fund answer carries is missing")
    resources.services[SERVICE] = FundQaService(
        data, resources.render, resources.compliance, faq, disclosure, counter
    )
    yield
    resources.services.pop(SERVICE, None)
