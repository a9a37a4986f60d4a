"""Community operations: welcome records, group welcome templates, daily group stats, keyword rules.

Welcome records make a welcome code usable once even across instances (unique ``welcome_code``) and
keep missed windows visible; group welcome templates are created once per group kind and template
version; join/leave counts are kept per group per local day; keyword rules let operations add answers
without a deploy (config rules are merged with these).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, updated_at

WELCOME_STATUSES = ("pending", "sent", "missed", "skipped", "blocked", "failed")
KEYWORD_MATCHES = ("exact", "contains", "regex")


class WelcomeRecord(Base):
    """One add_external_contact welcome: what was chosen, whether it went out, and how fast."""

    __tablename__ = "community_welcomes"
    __table_args__ = (
        choice("status", WELCOME_STATUSES),
        Index("ix_community_welcomes_external_userid", "external_userid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    welcome_code: Mapped[str] = mapped_column(String(128), unique=True)
    userid: Mapped[str] = mapped_column(String(64))
    external_userid: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(32), default="")
    segment: Mapped[str] = mapped_column(String(16), default="long_tail")
    template: Mapped[str] = mapped_column(String(128), default="")
    template_version: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    errcode: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    event_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at()


class GroupWelcomeTemplate(Base):
    """The WeCom template id created for one group kind (edited when our template's version changes)."""

    __tablename__ = "community_group_welcome_templates"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(128), default="")
    template_version: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = updated_at()


class GroupDailyStat(Base):
    """Joins and leaves of one customer group on one local (Asia/Shanghai) day."""

    __tablename__ = "community_group_daily_stats"
    __table_args__ = (Index("ix_community_group_daily_stats_day", "day"),)

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = updated_at()


class KeywordRule(Base):
    """An operations-defined auto-reply; ``channels``/``roles`` are comma lists, empty meaning all."""

    __tablename__ = "community_keyword_rules"
    __table_args__ = (choice("match", KEYWORD_MATCHES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    match: Mapped[str] = mapped_column(String(16), default="exact")
    pattern: Mapped[str] = mapped_column(String(256))
    channels: Mapped[str] = mapped_column(String(32), default="")
    roles: Mapped[str] = mapped_column(String(64), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # Either a template kind under content_templates/ or the reply text written by operations.
    template: Mapped[str] = mapped_column(String(128), default="")
    reply_text: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = updated_at()
