"""Who is staff: the directory first (config ``[staff]``), then the staff table (synced from WeCom)."""

from __future__ import annotations

from typing import Any

from bot.db.models import Staff
from bot.wecom.events import Event


async def role_of(resources: Any, userid: str) -> str | None:
    if resources.directory is not None:
        role = await resources.directory.role_of(userid)
        if role:
            return str(role)
    if resources.db is None:
        return None
    async with resources.db() as session:
        staff = await session.get(Staff, userid)
        return staff.role if staff is not None and staff.active else None


class StaffRole:
    """The sender writes to the app and is staff with one of ``roles``; hands over ``role``."""

    provides = frozenset({"role"})

    def __init__(self, *roles: str) -> None:
        self.roles = set(roles)

    async def __call__(self, event: Event, resources: Any) -> dict[str, Any] | None:
        if event.channel != "app":
            return None
        role = await role_of(resources, event.sender)
        return {"role": role} if role in self.roles else None
