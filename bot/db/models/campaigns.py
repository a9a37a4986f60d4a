"""Campaign life cycle and market inputs (issue 7), beside the core ``campaigns`` row.

``CampaignSpec`` carries what the core ``Campaign`` row has no columns for: the full life cycle
(draft -> submitted -> approved/rejected -> scheduled -> running -> done/cancelled), the reviewer and
the recorded reason, channel, content kind, variables, schedule and expiry. ``Campaign.status`` is
kept as the nearest value of its own vocabulary (see ``scheduler.campaign_lifecycle.CORE_STATUS``).
``MarketInput`` holds the day's index moves, news and theme posted through the API or CLI.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at

LIFECYCLE = ("draft", "submitted", "approved", "rejected", "scheduled", "running", "done", "cancelled")


class CampaignSpec(Base):
    __tablename__ = "campaign_specs"
    __table_args__ = (choice("lifecycle", LIFECYCLE),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    lifecycle: Mapped[str] = mapped_column(String(16), default="draft")
    channel: Mapped[str] = mapped_column(String(16), default="mass_task")
    content_kind: Mapped[str] = mapped_column(String(32), default="market")
    product_code: Mapped[str | None] = mapped_column(String(32))
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str] = mapped_column(Text, default="")
    last_plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = updated_at()


class MarketInput(Base):
    """Inputs of one day's slot content (``slot`` empty = every slot of that day)."""

    __tablename__ = "market_inputs"
    __table_args__ = (UniqueConstraint("day", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    posted_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = created_at()
