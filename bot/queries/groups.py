"""Customer groups (客户群): a searchable list with member counts, and one group with its members.

``scope`` is a manager's userid: they see the groups they own, nothing else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, CustomerGroup, GroupMember, Staff
from bot.queries.paging import clamp, iso, one_page, paged, search
from bot.queries.people import followed_by

Sessions = async_sessionmaker[AsyncSession]
STAFF, EXTERNAL = 1, 2  # GroupMember.member_type, as WeCom numbers them


def _conditions(scope: str | None, q: str | None, owner: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(CustomerGroup.owner_userid == scope)
    if owner:
        conditions.append(CustomerGroup.owner_userid == owner)
    text = search(q, CustomerGroup.name, CustomerGroup.chat_id)
    if text is not None:
        conditions.append(text)
    return conditions


def _counts() -> Any:
    return (
        select(
            GroupMember.chat_id,
            func.count().label("members"),
            func.sum(case((GroupMember.member_type == EXTERNAL, 1), else_=0)).label("customers"),
        )
        .group_by(GroupMember.chat_id)
        .subquery()
    )


def _view(
    group: CustomerGroup, owner_name: str | None, members: int | None, customers: int | None
) -> dict[str, Any]:
    return {
        "chat_id": group.chat_id,
        "name": group.name,
        "owner_userid": group.owner_userid,
        "owner_name": owner_name or "",
        "kind": group.kind,
        "member_count": int(members or 0),
        "customer_count": int(customers or 0),
        "dismissed_at": iso(group.dismissed_at),
        "synced_at": iso(group.synced_at),
    }


def _statement(counts: Any) -> Any:
    return (
        select(CustomerGroup, Staff.name, counts.c.members, counts.c.customers)
        .outerjoin(Staff, Staff.userid == CustomerGroup.owner_userid)
        .outerjoin(counts, counts.c.chat_id == CustomerGroup.chat_id)
    )


async def list_groups(
    db: Sessions,
    *,
    scope: str | None = None,
    q: str | None = None,
    owner: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of groups in name order, with owner, member and customer counts."""
    limit, offset = clamp(limit, offset)
    conditions = _conditions(scope, q, owner)
    by_name = _statement(_counts()).order_by(CustomerGroup.name, CustomerGroup.chat_id)
    async with db() as session:
        total, page = await one_page(session, CustomerGroup, conditions, by_name, limit, offset)
        rows = [_view(*row) for row in page.all()]
    return paged("groups", rows, total, limit, offset)


async def group_detail(db: Sessions, chat_id: str, *, scope: str | None = None) -> dict[str, Any] | None:
    """A group with its members (staff and customers), or None when unknown or outside ``scope``."""
    async with db() as session:
        statement = _statement(_counts()).where(
            CustomerGroup.chat_id == chat_id, *_conditions(scope, None, None)
        )
        found = (await session.execute(statement)).first()
        if found is None:
            return None
        members = (
            select(GroupMember, Customer.name, Staff.name)
            .outerjoin(
                Customer,
                (Customer.external_userid == GroupMember.member_id) & (GroupMember.member_type == EXTERNAL),
            )
            .outerjoin(Staff, (Staff.userid == GroupMember.member_id) & (GroupMember.member_type == STAFF))
            .where(GroupMember.chat_id == chat_id)
            .order_by(GroupMember.member_type, GroupMember.join_time, GroupMember.member_id)
        )
        rows = (await session.execute(members)).all()
        own = set((await session.execute(followed_by(scope))).scalars()) if scope is not None else None
        listed = [
            {
                "member_id": member.member_id,
                "kind": "staff" if member.member_type == STAFF else "customer",
                "name": member.name or customer_name or staff_name or "",
                "known_customer": customer_name is not None,
                # Whether this caller may open the customer's page (a manager: only their own customers).
                "viewable": customer_name is not None and (own is None or member.member_id in own),
                "joined_at": iso(member.join_time),
            }
            for member, customer_name, staff_name in rows
        ]
    return _view(*found) | {"notice": found[0].notice, "members": listed}
