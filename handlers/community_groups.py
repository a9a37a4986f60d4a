"""Customer group events: members kept current (re-fetch), daily join/leave counts, group welcomes.

create/update re-fetch the group (``bot.db.sync.on_group_changed``); dismiss marks it dismissed.
Member changes count into ``community_group_daily_stats`` per local day with one atomic upsert, so
concurrent events on two instances never lose a count. The group welcome template of the group's kind
is created once (``group_welcome_template/add``), its id kept, and edited when our template changes.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from jinja2 import TemplateNotFound
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Renderer
from bot.db.models import GroupDailyStat, GroupWelcomeTemplate
from bot.routing import Router
from bot.state import locked
from bot.wecom.errors import WeComError
from bot.wecom.events import ExternalChatEvent
from handlers.community_service import community_of

log = logging.getLogger("wecombot.community.groups")
router = Router(name=__name__)


async def count_members(
    session: AsyncSession, chat_id: str, day: date, joins: int = 0, leaves: int = 0
) -> None:
    """Add to the day's counts of one group atomically (INSERT ... ON CONFLICT DO UPDATE)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(GroupDailyStat).values(chat_id=chat_id, day=day, joins=joins, leaves=leaves)
    stmt = stmt.on_conflict_do_update(
        index_elements=["chat_id", "day"],
        set_={"joins": GroupDailyStat.joins + joins, "leaves": GroupDailyStat.leaves + leaves},
    )
    await session.execute(stmt)


def _template_for(render: Renderer, kind: str) -> Any:
    try:
        return render.render(f"community/group_welcome/{kind}", channel="welcome_text")
    except TemplateNotFound:
        return render.render("community/group_welcome/default", channel="welcome_text")


async def ensure_group_welcome(db: Any, wecom: Any, render: Renderer, state: Any, kind: str) -> str | None:
    """The WeCom template id for ``kind``: added once, edited when our template's version changed."""
    rendered = _template_for(render, kind)
    async with db() as session:
        row = await session.get(GroupWelcomeTemplate, kind)
        if row is not None and row.template_version == rendered.version:
            return row.template_id
    async with locked(state, f"community:group_welcome:{kind}", ttl=30, wait=30):
        async with db() as session, session.begin():
            row = await session.get(GroupWelcomeTemplate, kind)
            if row is not None and row.template_version == rendered.version:
                return row.template_id
            payload = {"text": {"content": rendered.text}}
            if row is None:
                template_id = await wecom.add_group_welcome_template(payload)
                session.add(
                    GroupWelcomeTemplate(
                        kind=kind,
                        template_id=template_id,
                        template=rendered.template,
                        template_version=rendered.version,
                    )
                )
                return template_id
            await wecom.edit_group_welcome_template(row.template_id, payload)
            row.template, row.template_version = rendered.template, rendered.version
            return row.template_id


@router.event("change_external_chat", ("create", "update"))
async def on_group_changed(
    event: ExternalChatEvent,
    wecom: Any,
    db: Any,
    render: Renderer,
    state: Any,
    services: dict[str, Any],
    settings: Any,
    clock: Any,
) -> None:
    if db is None:
        return None
    from bot.db import sync

    day = clock().date()
    changed = event.mem_change_cnt or len(event.mem_change_list)
    async with db() as session, session.begin():
        group = await sync.on_group_changed(session, wecom, event.chat_id)
        kind = group.kind or "default"
        if event.update_detail == "add_member":
            await count_members(session, event.chat_id, day, joins=changed)
        elif event.update_detail == "del_member":
            await count_members(session, event.chat_id, day, leaves=changed)
    if kind in community_of(services, settings).config.group_kinds or kind == "default":
        try:
            await ensure_group_welcome(db, wecom, render, state, kind)
        except WeComError as exc:
            log.error("group welcome template for %s not ready: %s", kind, exc)
    return None


@router.event("change_external_chat", "dismiss")
async def on_group_dismissed(event: ExternalChatEvent, db: Any) -> None:
    if db is None:
        return None
    from bot.db import sync

    async with db() as session, session.begin():
        await sync.on_group_dismissed(session, event.chat_id)
    return None
