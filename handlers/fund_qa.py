"""Fund Q&A: managers in the app and customers through WeChat Customer Service ask about funds.

Two routers, included in ``handlers/__init__.py``:

* ``router`` (a domain router): texts whose parsed intent is a fund question, an FAQ, 客户持仓诊断,
  or, from a kf customer, a request for a person or about their own account;
* ``kf_fallback_router`` (after help, before the generic fallback): any other kf customer text is
  handed to the customer's manager with a pointer to what the bot can answer.

The :class:`FundQuestion` filter parses once (fresh fund data first, so imports answer at once) and
hands the :class:`Intent` to the handler. The numbers and wording live beside this module
(``fund_qa_data``, ``fund_qa_answers``, ``fund_qa_holdings``, ``fund_qa_service``).
"""

from __future__ import annotations

from typing import Any

from bot.content import Renderer
from bot.matchers import text_of
from bot.routing import Router
from bot.wecom.events import Event, KfCustomerMessage
from bot.wecom.replies import Reply, TextReply
from handlers.fund_intents import Intent, parse
from handlers.fund_qa_answers import FUND_KINDS
from handlers.fund_qa_holdings import load_customer
from handlers.fund_qa_service import SERVICE

router = Router(name=__name__)
kf_fallback_router = Router(name=__name__ + ".kf_fallback")

APP_KINDS = FUND_KINDS | {"faq", "holdings_diagnose"}
KF_KINDS = FUND_KINDS | {"faq", "holdings_diagnose", "human", "own_account"}


class FundQuestion:
    """Matches a text the fund Q&A answers; provides ``intent``."""

    provides = frozenset({"intent"})

    async def __call__(self, event: Event, resources: Any) -> dict[str, Intent] | None:
        text = text_of(event)
        service = resources.services.get(SERVICE)
        if not text or service is None:
            return None
        await service.data.ensure_fresh()
        intent = parse(text, service.data.snapshot.index, service.faq)
        wanted = KF_KINDS if event.channel == "kf" else APP_KINDS
        return {"intent": intent} if intent.kind in wanted else None


@router.text(FundQuestion())
async def fund_question(
    event: Event, intent: Intent, services: dict[str, Any], directory: Any
) -> Reply | None:
    service = services[SERVICE]
    if isinstance(event, KfCustomerMessage):
        return await service.for_customer(event, intent, services.get("kf"))
    return await service.for_staff(event, intent, directory)


@kf_fallback_router.kf()
async def kf_not_answered(event: Event, services: dict[str, Any], render: Renderer) -> Reply | None:
    """Nothing answered the customer: hand over to their manager rather than leave them alone."""
    service = services.get(SERVICE)
    if service is None or not isinstance(event, KfCustomerMessage):
        return None
    if (
        parse(event.content, service.data.snapshot.index).kind == "help"
    ):  # 你好 / 在吗: greet, don't hand over
        lines = [render.text(kind) for kind in render.list("help/lines", "customer_")]
        return TextReply(render.text("help/customer", extra=lines, channel="kf_text"))
    profile = await load_customer(service.data.sessionmaker, event.external_user_id)
    return await service.hand_over(event, "unknown", profile, services.get("kf"))
