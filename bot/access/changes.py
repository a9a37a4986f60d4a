"""The change log: one append-only row per change made through the API, the console or the CLI."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models.access import ChangeEntry


class Actor(Protocol):
    @property
    def actor(self) -> str: ...

    @property
    def role(self) -> str: ...


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
