"""Companion messaging: the bank's journey events (applied once), reminders to managers, their choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at

REMINDER_STATUSES = ("pending", "sent", "done", "dismissed", "suppressed")


class JourneyEvent(Base):
    """One trigger event received from the bank (``POST /api/v1/events``) or a scan; ``event_id`` is unique,
    so an event sent twice is recorded (and applied) once. ``result`` says what it did."""

    __tablename__ = "journey_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    external_userid: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(16), default="api")
    received_at: Mapped[datetime] = created_at()


class Reminder(Base):
    """A marketing-opportunity reminder (营销机会提醒) for one manager about one customer.

    ``key`` makes creation idempotent (a journey step or scan creates it once); ``due_at`` is when it may
    next go out (moved by caps, staff quiet hours and "remind me later"); ``task_id`` is the interactive
    card's id, new for every card sent, so a button event finds its reminder.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        choice("status", REMINDER_STATUSES),
        Index("ix_reminders_status_due_at", "status", "due_at"),
        Index("ix_reminders_manager", "manager"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    manager: Mapped[str] = mapped_column(String(64))
    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remind_count: Mapped[int] = mapped_column(Integer, default=0)
    task_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    via_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    journey_state_id: Mapped[int | None] = mapped_column(ForeignKey("journey_states.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ReminderPreference(Base):
    """A manager's choice: one daily digest instead of cards, and an own daily cap (None = the default)."""

    __tablename__ = "reminder_preferences"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    last_digest_on: Mapped[str | None] = mapped_column(String(10))  # local date of the last digest
    updated_at: Mapped[datetime] = updated_at()
