"""Data for the embedded default: migrate the SQLite file and load the synthetic sample once."""

from __future__ import annotations

from typing import Any


async def embedded_overrides() -> dict[str, Any]:
    """Overrides for create_app in demo/chat: migrate the embedded database on start."""
    return {"migrate_database": True}
