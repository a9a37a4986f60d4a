"""Writes to the people tables shared by WeCom sync, callbacks and sample data.

Every function is an idempotent upsert in the caller's session (the caller owns the transaction), and
only changed values are written so ``updated_at`` means something.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.models import (
    CorpTag,
    CorpTagGroup,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    GroupMember,
    Staff,
)


def _apply(obj: Any, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


async def upsert(session: AsyncSession, model: Any, key: Any, values: Mapping[str, Any]) -> Any:
    """Insert ``model`` with primary key ``key`` or update the differing ``values``; returns the row."""
    obj = await session.get(model, key)
    if obj is None:
        pk_names = [column.key for column in model.__mapper__.primary_key]
        pk_values = key if isinstance(key, tuple) else (key,)
        obj = model(**dict(zip(pk_names, pk_values, strict=True)), **values)
        session.add(obj)
        await session.flush()
    else:
        _apply(obj, values)
    return obj


async def ensure_staff(session: AsyncSession, userid: str, **values: Any) -> Staff:
    return await upsert(session, Staff, userid, values)


async def ensure_customer(session: AsyncSession, external_userid: str, **values: Any) -> Customer:
    return await upsert(session, Customer, external_userid, values)


async def follow(session: AsyncSession, external_userid: str, userid: str, **values: Any) -> CustomerManager:
    """Record (or revive) the relation "member ``userid`` follows customer ``external_userid``"."""
    await ensure_staff(session, userid)
    customer = await ensure_customer(session, external_userid)
    customer.removed_at = None
    query = select(CustomerManager).where(
        CustomerManager.external_userid == external_userid, CustomerManager.userid == userid
    )
    relation = (await session.execute(query)).scalar_one_or_none()
    values = {"removed_at": None, "removed_by": None, **values}
    if relation is None:
        relation = CustomerManager(external_userid=external_userid, userid=userid, **values)
        session.add(relation)
        await session.flush()
    else:
        _apply(relation, values)
    return relation


async def unfollow(
    session: AsyncSession, external_userid: str, userid: str, removed_by: str, when: datetime | None = None
) -> bool:
    """Mark one relation removed; the customer is marked removed when nobody follows them any more."""
    query = select(CustomerManager).where(
        CustomerManager.external_userid == external_userid, CustomerManager.userid == userid
    )
    relation = (await session.execute(query)).scalar_one_or_none()
    if relation is None:
        # Not known yet (e.g. a full sync is still on its way): keep a tombstone, so a page fetched
        # before this event cannot bring the relation back.
        relation = await follow(session, external_userid, userid)
    elif relation.removed_at is not None:
        return False
    relation.removed_at, relation.removed_by = when or utcnow(), removed_by
    await session.flush()
    remaining = await session.execute(
        select(CustomerManager.id).where(
            CustomerManager.external_userid == external_userid, CustomerManager.removed_at.is_(None)
        )
    )
    if remaining.first() is None:
        customer = await session.get(Customer, external_userid)
        if customer is not None:
            customer.removed_at = when or utcnow()
    return True


async def set_customer_tags(
    session: AsyncSession, external_userid: str, tag_ids: Iterable[str], userid: str | None = None
) -> None:
    """Make the customer's corp tags exactly ``tag_ids`` (unknown tag ids are ignored)."""
    known = set(
        (await session.execute(select(CorpTag.tag_id).where(CorpTag.tag_id.in_(set(tag_ids))))).scalars()
    )
    query = select(CustomerTag.tag_id).where(CustomerTag.external_userid == external_userid)
    have = set((await session.execute(query)).scalars())
    if have - known:
        await session.execute(
            delete(CustomerTag).where(
                CustomerTag.external_userid == external_userid, CustomerTag.tag_id.in_(have - known)
            )
        )
    session.add_all(
        CustomerTag(external_userid=external_userid, tag_id=tag_id, userid=userid) for tag_id in known - have
    )
    await session.flush()


async def change_customer_tags(
    session: AsyncSession,
    external_userid: str,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    userid: str | None = None,
) -> None:
    """Apply an add/remove of corp tags (what mark_tag did) without touching the others."""
    query = select(CustomerTag.tag_id).where(CustomerTag.external_userid == external_userid)
    have = set((await session.execute(query)).scalars())
    await set_customer_tags(session, external_userid, (have | set(add)) - set(remove), userid)


async def replace_corp_tags(session: AsyncSession, tag_groups: Iterable[Mapping[str, Any]]) -> None:
    """Make the corp tag tables match WeCom's ``tag_group`` list; missing ones are marked deleted."""
    seen_groups: set[str] = set()
    seen_tags: set[str] = set()
    for group in tag_groups:
        seen_groups.add(group["group_id"])
        await upsert(
            session,
            CorpTagGroup,
            group["group_id"],
            {
                "name": group["group_name"],
                "order": int(group.get("order", 0)),
                "deleted": bool(group.get("deleted")),
            },
        )
        for tag in group.get("tag", []):
            seen_tags.add(tag["id"])
            values = {
                "group_id": group["group_id"],
                "name": tag["name"],
                "order": int(tag.get("order", 0)),
                "deleted": bool(tag.get("deleted")),
            }
            await upsert(session, CorpTag, tag["id"], values)
    for row in (await session.execute(select(CorpTagGroup))).scalars():
        if row.group_id not in seen_groups:
            row.deleted = True
    for row in (await session.execute(select(CorpTag))).scalars():
        if row.tag_id not in seen_tags:
            row.deleted = True
    await session.flush()


async def replace_group(
    session: AsyncSession, chat_id: str, values: Mapping[str, Any], members: Iterable[Mapping[str, Any]]
) -> CustomerGroup:
    """Store a group and make its member list exactly ``members`` (dicts with GroupMember fields)."""
    group = await upsert(
        session, CustomerGroup, chat_id, {**values, "dismissed_at": None, "synced_at": utcnow()}
    )
    wanted = {member["member_id"]: member for member in members}
    query = select(GroupMember).where(GroupMember.chat_id == chat_id)
    current = {row.member_id: row for row in (await session.execute(query)).scalars()}
    for member_id, row in current.items():
        if member_id not in wanted:
            await session.delete(row)
    for member_id, member in wanted.items():
        fields = {key: value for key, value in member.items() if key != "member_id"}
        if member_id in current:
            _apply(current[member_id], fields)
        else:
            session.add(GroupMember(chat_id=chat_id, member_id=member_id, **fields))
    await session.flush()
    return group


async def dismiss_group(session: AsyncSession, chat_id: str, when: datetime | None = None) -> None:
    group = await session.get(CustomerGroup, chat_id)
    if group is not None and group.dismissed_at is None:
        group.dismissed_at = when or utcnow()
        await session.execute(delete(GroupMember).where(GroupMember.chat_id == chat_id))
        await session.flush()
