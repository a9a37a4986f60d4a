"""Who may use the console and the API, and what they changed.

``console_accounts`` are people: a local account (username and password, for first set-up) or a WeCom
member who signs in with WeCom. ``api_keys`` are bank systems; only a hash of the key is kept.
``change_log`` is append-only like ``audit_log``: every change made through the API or the console,
with who made it (on PostgreSQL a trigger refuses UPDATE and DELETE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, choice, created_at, utcnow

CONSOLE_ROLES = ("admin", "operations", "reviewer", "manager")
ACCOUNT_KINDS = ("local", "wecom")


class ConsoleAccount(Base):
    __tablename__ = "console_accounts"
    __table_args__ = (choice("role", CONSOLE_ROLES), choice("kind", ACCOUNT_KINDS))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    # A local username, or the member's WeCom userid for kind "wecom".
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(96), default="")
    created_at: Mapped[datetime] = created_at()
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (choice("role", CONSOLE_ROLES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, so a key can be recognised
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(96), default="")
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChangeEntry(Base):
    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_at", "at"),
        Index("ix_change_log_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(96))  # "wecom:zhangsan", "local:admin", "apikey:core-banking"
    actor_role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(48))  # "campaign.create", "account.create", ...
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
