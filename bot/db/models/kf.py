"""WeChat Customer Service (kf): the durable sync_msg cursor per account and per-customer sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, created_at, updated_at


class KfCursor(Base):
    """Where kf/sync_msg stopped for one account; survives restarts so no message is pulled twice."""

    __tablename__ = "kf_cursors"

    open_kfid: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(256), default="")
    updated_at: Mapped[datetime] = updated_at()


class KfSession(Base):
    """A customer's conversation with one kf account: service state and the 48 h / 5-reply window."""

    __tablename__ = "kf_sessions"
    __table_args__ = (UniqueConstraint("open_kfid", "external_userid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    open_kfid: Mapped[str] = mapped_column(String(64))
    external_userid: Mapped[str] = mapped_column(String(64))
    service_state: Mapped[int] = mapped_column(Integer, default=0)  # 0 new .. 4 ended (kf/service_state)
    servicer_userid: Mapped[str | None] = mapped_column(String(64))
    last_customer_msg_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replies_since_customer_msg: Mapped[int] = mapped_column(Integer, default=0)
    last_msgid: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
