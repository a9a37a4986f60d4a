"""Who a member is (role and display name), for role filters and greetings.

Backed by the database's staff table when there is one; the static directory reads ``[staff]`` in the
configuration (``userid = { role = "rm", name = "张伟" }``) for deployments and tests without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Directory(Protocol):
    async def role_of(self, userid: str) -> str | None: ...

    async def display_name(self, userid: str) -> str | None: ...


class StaticDirectory:
    def __init__(self, staff: Mapping[str, Mapping[str, Any]]) -> None:
        self._staff = {uid: dict(info) for uid, info in staff.items()}

    async def role_of(self, userid: str) -> str | None:
        return self._staff.get(userid, {}).get("role")

    async def display_name(self, userid: str) -> str | None:
        return self._staff.get(userid, {}).get("name")
