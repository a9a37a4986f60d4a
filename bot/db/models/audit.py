"""The append-only audit log: every message that left, with template, version and rendered text.

There is no update or delete code path; on PostgreSQL a trigger (created by the migration) refuses
UPDATE and DELETE outright.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target_sent_at", "target", "sent_at"),
        Index("ix_audit_log_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str | None] = mapped_column(String(64))
    template_key: Mapped[str] = mapped_column(String(128), default="")
    template_version: Mapped[str | None] = mapped_column(String(32))  # Renderer.version (a hash)
    rendered_text: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    outbox_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives outbox pruning
    idempotency_key: Mapped[str | None] = mapped_column(String(191))
    wecom_msgid: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
