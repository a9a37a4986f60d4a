"""Progress of a WeCom full sync, so an interrupted sync resumes where it stopped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, created_at, updated_at


class SyncCheckpoint(Base):
    __tablename__ = "sync_checkpoints"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Phase reached ("members", "customers", "groups", "tags", "done") and its paging position.
    phase: Mapped[str] = mapped_column(String(16), default="members")
    position: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_started_at: Mapped[datetime] = created_at()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = updated_at()
