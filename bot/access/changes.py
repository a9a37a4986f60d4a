"""The change log: one append-only row per change made through the API, the console or the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models.access import ChangeEntry


class Actor(Protocol):
    @property
    def actor(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class ChatActor:
    """Someone who changed something by writing in WeCom: a member to our app, or a kf customer."""

    actor: str
    role: str

    @classmethod
    def member(cls, userid: str, staff_role: str | None) -> ChatActor:
        from bot.access.roles import STAFF_ROLE_TO_CONSOLE

        return cls(f"wecom:{userid}", STAFF_ROLE_TO_CONSOLE.get(staff_role or "", staff_role or "member"))

    @classmethod
    def customer(cls, external_userid: str) -> ChatActor:
        return cls(f"customer:{external_userid}", "customer")


def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add the entry to ``session``: it commits (or rolls back) with the change itself."""
    if actor is None:
        return
    session.add(
        ChangeEntry(
            actor=actor.actor[:96],
            actor_role=actor.role,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:128],
            detail=detail or {},
        )
    )
