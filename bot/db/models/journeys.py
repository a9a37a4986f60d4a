"""Companion journeys (purchase, market move, drawdown, maturity): where each customer is in each one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at

JOURNEY_STATUSES = ("active", "done", "cancelled")


class JourneyState(Base):
    """One customer in one journey about one subject (usually a fund code); ``next_at`` is the next step."""

    __tablename__ = "journey_states"
    __table_args__ = (
        UniqueConstraint("journey", "external_userid", "subject"),
        choice("status", JOURNEY_STATUSES),
        Index("ix_journey_states_status_next_at", "status", "next_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey: Mapped[str] = mapped_column(String(32))
    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(64), default="")
    step: Mapped[str] = mapped_column(String(32), default="start")
    status: Mapped[str] = mapped_column(String(16), default="active")
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
