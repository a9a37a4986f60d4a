"""Opt-out of marketing content: a customer's 退订 / TD through kf, or the manager's 退订 NAME.

The flag is ``customers.opt_out`` (with ``opt_out_at``), written at once; everything that plans
marketing (campaigns, journeys, mass tasks) reads it, so the opt-out holds everywhere from the next
plan on. The confirmation says how to opt back in. Service answers (a question the customer asks) are
not marketing and still work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import changes
from bot.content import Renderer
from bot.db import people_repo
from bot.db.base import utcnow
from bot.db.models import Customer, CustomerManager
from bot.matchers import Role, text_of
from bot.routing import Router
from bot.wecom.events import Event, KfCustomerMessage
from bot.wecom.replies import TextReply
from handlers.community_service import community_of

router = Router(name=__name__)


async def set_opt_out(
    session: AsyncSession,
    external_userid: str,
    opted_out: bool,
    when: datetime | None = None,
    by: changes.Actor | None = None,
) -> bool:
    """Set the flag; returns True when it changed. Unknown customers get a row, so the flag holds.

    A change is in the change log under ``by``: compliance asks who stopped (or resumed) a customer's
    marketing, and when.
    """
    customer = await people_repo.ensure_customer(session, external_userid)
    if bool(customer.opt_out) == opted_out:
        return False
    customer.opt_out = opted_out
    customer.opt_out_at = (when or utcnow()) if opted_out else None
    action = "customer.opt_out" if opted_out else "customer.opt_in"
    changes.record(session, by, action, "customer", external_userid, {"via": "wecom"})
    await session.flush()
    return True


async def is_opted_out(session: AsyncSession, external_userid: str) -> bool:
    customer = await session.get(Customer, external_userid)
    return bool(customer is not None and customer.opt_out)


async def find_customers(session: AsyncSession, name: str, userid: str | None) -> list[Customer]:
    """Customers called ``name`` (exact name or remark first, then partial), of ``userid`` if given."""
    query = select(Customer).join(
        CustomerManager, CustomerManager.external_userid == Customer.external_userid
    )
    if userid is not None:
        query = query.where(CustomerManager.userid == userid, CustomerManager.removed_at.is_(None))
    exact = query.where((Customer.name == name) | (CustomerManager.remark == name))
    rows = list(dict.fromkeys((await session.execute(exact)).scalars()))
    if not rows:
        partial = query.where(Customer.name.contains(name) | CustomerManager.remark.contains(name))
        rows = list(dict.fromkeys((await session.execute(partial.limit(20))).scalars()))
    return rows


def _word_filter(which: str) -> Any:
    def matches(event: Event, resources: Any) -> bool:
        if not isinstance(event, KfCustomerMessage):
            return False
        config = community_of(resources.services, resources.settings).config
        words = config.opt_out_words if which == "out" else config.opt_in_words
        text = (text_of(event) or "").lower()
        return text in {w.lower() for w in words}

    return matches


@router.kf(_word_filter("out"))
async def customer_opts_out(event: KfCustomerMessage, db: Any, render: Renderer) -> TextReply:
    if db is not None:
        async with db() as session, session.begin():
            by = changes.ChatActor.customer(event.external_user_id)
            await set_opt_out(session, event.external_user_id, True, by=by)
    return TextReply(render.text("community/optout/confirmed", channel="kf_text"))


@router.kf(_word_filter("in"))
async def customer_opts_in(event: KfCustomerMessage, db: Any, render: Renderer) -> TextReply:
    if db is not None:
        async with db() as session, session.begin():
            by = changes.ChatActor.customer(event.external_user_id)
            await set_opt_out(session, event.external_user_id, False, by=by)
    return TextReply(render.text("community/optout/resumed", channel="kf_text"))


async def manager_sets(
    event: Event, args: str, role: str, db: Any, render: Renderer, opted_out: bool
) -> TextReply:
    name = args.strip()
    if not name or db is None:
        return TextReply(
            render.text("community/optout/manager_usage", channel="app_text", opted_out=opted_out)
        )
    async with db() as session, session.begin():
        found = await find_customers(session, name, None if role == "ops" else event.sender)
        if len(found) != 1:
            names = [c.name for c in found[:10]]
            text = render.text(
                "community/optout/manager_ambiguous", channel="app_text", query=name, names=names
            )
            return TextReply(text)
        by = changes.ChatActor.member(event.sender, role)
        changed = await set_opt_out(session, found[0].external_userid, opted_out, by=by)
    context = {"name": found[0].name, "opted_out": opted_out, "changed": changed}
    return TextReply(render.text("community/optout/manager_done", channel="app_text", **context))


def _command(which: str) -> Any:
    def matches(event: Event, resources: Any) -> dict[str, Any] | None:
        from bot.matchers import Command

        config = community_of(resources.services, resources.settings).config
        word = config.manager_opt_out_command if which == "out" else config.manager_opt_in_command
        return Command(word)(event) if event.channel == "app" else None

    matches.provides = frozenset({"args"})  # type: ignore[attr-defined]
    return matches


@router.any(_command("in"), Role("rm", "ops"))
async def manager_opts_in(event: Event, args: str, role: str, db: Any, render: Renderer) -> TextReply:
    return await manager_sets(event, args, role, db, render, opted_out=False)


@router.any(_command("out"), Role("rm", "ops"))
async def manager_opts_out(event: Event, args: str, role: str, db: Any, render: Renderer) -> TextReply:
    return await manager_sets(event, args, role, db, render, opted_out=True)
