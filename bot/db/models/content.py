"""Content and timing: templates with reviewed versions, schedules, campaigns and their fires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at

VERSION_STATUSES = ("draft", "pending_review", "approved", "rejected", "retired")
CAMPAIGN_STATUSES = ("draft", "pending_review", "approved", "running", "done", "cancelled")
FIRE_STATUSES = ("running", "done", "failed", "skipped")


class ContentTemplate(Base):
    """A named piece of content (e.g. ``morning_report``), one per kind, channel and segment style."""

    __tablename__ = "content_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32), default="")
    segment: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128), default="")
    current_version: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class TemplateVersion(Base):
    """An immutable body of a template; only approved versions may be sent."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"), choice("status", VERSION_STATUSES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("content_templates.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_userid: Mapped[str] = mapped_column(String(64), default="")
    reviewer_userid: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at()


class Schedule(Base):
    """A recurring content slot; the scheduler is rebuilt from these rows, never from pickled jobs."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    cron: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    template_key: Mapped[str] = mapped_column(String(128), default="")
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trading_days_only: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Campaign(Base):
    """A one-off or time-boxed push (a product launch, an event invitation) with its audience."""

    __tablename__ = "campaigns"
    __table_args__ = (choice("status", CAMPAIGN_STATUSES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    template_key: Mapped[str] = mapped_column(String(128), default="")
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64), default="")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Fire(Base):
    """One run of a schedule or campaign; unique (name, intended_at) so it is delivered once."""

    __tablename__ = "fires"
    __table_args__ = (
        UniqueConstraint("name", "intended_at"),
        choice("status", FIRE_STATUSES),
        Index("ix_fires_campaign_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    intended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="running")
    instance: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = created_at()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
