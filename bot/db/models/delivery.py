"""Delivery: the outbox, mass-message tasks and their receipts, and the monthly quota ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at, utcnow

CHANNELS = ("app_message", "mass_task", "welcome", "group_welcome", "kf_reply", "group_robot", "appchat")
OUTBOX_STATUSES = ("pending", "claimed", "sent", "failed", "cancelled", "blocked")
MASS_TASK_STATUSES = ("created", "partly_sent", "sent", "cancelled", "failed")
QUOTA_TARGETS = ("customer", "group")


class Outbox(Base):
    """One message to send. Senders claim rows by (status, not_before); the key makes inserts idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        choice("channel", CHANNELS),
        choice("status", OUTBOX_STATUSES),
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_fire_id", "fire_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(128))  # userid, external_userid, chat_id or robot name
    sender: Mapped[str | None] = mapped_column(String(64))  # the RM for mass tasks
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template_key: Mapped[str] = mapped_column(String(128), default="")
    template_version: Mapped[str | None] = mapped_column(String(32))  # Renderer.version (a hash)
    rendered_text: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fire_id: Mapped[int | None] = mapped_column(ForeignKey("fires.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MassTask(Base):
    """An add_msg_template task: WeCom sends nothing until ``sender`` confirms it in the client."""

    __tablename__ = "mass_tasks"
    __table_args__ = (
        choice("status", MASS_TASK_STATUSES),
        choice("chat_type", ("single", "group")),
        Index("ix_mass_tasks_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), unique=True)
    msgid: Mapped[str | None] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(64))
    chat_type: Mapped[str] = mapped_column(String(8), default="single")
    status: Mapped[str] = mapped_column(String(16), default="created")
    target_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    fail_list: Mapped[list[Any]] = mapped_column(JSON, default=list)
    remind_count: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MassTaskReceipt(Base):
    """Per-target result of a mass task (get_groupmsg_send_result).

    ``status``: 0 unsent, 1 sent, 2 not a friend, 3 already got another mass message (capped).
    """

    __tablename__ = "mass_task_receipts"
    __table_args__ = (UniqueConstraint("mass_task_id", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mass_task_id: Mapped[int] = mapped_column(ForeignKey("mass_tasks.id", ondelete="CASCADE"))
    userid: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))  # external_userid or chat_id
    target_kind: Mapped[str] = mapped_column(String(8), default="customer")
    status: Mapped[int] = mapped_column(Integer, default=0)
    send_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = updated_at()


class QuotaEntry(Base):
    """One mass message counted against a customer's or group's monthly cap (month as ``YYYY-MM``).

    Unique per (target, outbox row) so a retried insert never counts twice; the month's usage is the
    count of entries.
    """

    __tablename__ = "quota_ledger"
    __table_args__ = (
        choice("target_kind", QUOTA_TARGETS),
        UniqueConstraint("target_kind", "target_id", "outbox_id"),
        Index("ix_quota_ledger_target_kind_target_id_month", "target_kind", "target_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    mass_task_id: Mapped[int | None] = mapped_column(ForeignKey("mass_tasks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
