"""Channel attribution: the State of a new contact becomes corp tags (mark_tag once) and local rows.

WeCom sends no callback for our own ``mark_tag``, so the local record is updated in the same step
(``bot.db.sync.record_tag_marked``). Tags are configured by name; ids come from the local corp tag
table, refreshed from WeCom once when a name is missing there.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from bot.db.models import CorpTag, CustomerTag
from bot.state import PREFIX
from bot.wecom.errors import WeComError
from handlers.community_config import CommunityConfig

log = logging.getLogger("wecombot.community.attribution")

TAGGED_KEY = PREFIX + "community:tagged:"
TAGGED_TTL = 86400


async def tag_ids_by_name(db: Any, names: tuple[str, ...]) -> dict[str, str]:
    async with db() as session:
        query = select(CorpTag.name, CorpTag.tag_id).where(
            CorpTag.name.in_(names), CorpTag.deleted.is_(False)
        )
        return {name: tag_id for name, tag_id in (await session.execute(query)).all()}


async def resolve_tags(db: Any, wecom: Any, names: tuple[str, ...]) -> list[str]:
    """Tag ids for ``names``; a name unknown locally triggers one refresh of the corp tag list."""
    found = await tag_ids_by_name(db, names)
    if set(names) - set(found):
        from bot.db import sync

        try:
            async with db() as session, session.begin():
                await sync.on_tags_changed(session, wecom)
        except WeComError as exc:
            log.warning("corp tag list not refreshed: %s", exc)
        found = await tag_ids_by_name(db, names)
    missing = set(names) - set(found)
    if missing:
        log.error("channel tags %s do not exist in WeCom; create them or fix [community] channels", missing)
    return [found[n] for n in names if n in found]


async def attribute_channel(
    config: CommunityConfig,
    wecom: Any,
    db: Any,
    state: Any,
    userid: str,
    external_userid: str,
    contact_state: str,
    once_key: str,
) -> list[str]:
    """Mark the channel's tags missing on the customer, once per add event (``once_key``).

    The caller has just re-fetched the customer, so tags WeCom already has are not marked again; a
    customer who left and came back (a new relation without tags) is tagged again.
    """
    rule, _ = config.channel_of(contact_state)
    if rule is None or not rule.tags or db is None:
        return []
    claim = f"{TAGGED_KEY}{once_key}"
    if not await state.claim(claim, TAGGED_TTL):
        return []
    wanted = await resolve_tags(db, wecom, rule.tags)
    async with db() as session:
        query = select(CustomerTag.tag_id).where(CustomerTag.external_userid == external_userid)
        have = set((await session.execute(query)).scalars())
    add = [tag_id for tag_id in wanted if tag_id not in have]
    if not add:
        return []
    try:
        await wecom.mark_tag(userid, external_userid, add_tag=add)
    except WeComError as exc:
        await state.delete(claim)  # a retry of the same event may try again
        log.error("channel tags for %s not marked: %s", external_userid, exc)
        return []
    from bot.db import sync

    async with db() as session, session.begin():
        await sync.record_tag_marked(session, userid, external_userid, add_tag=add)
    return add
