"""People and their WeCom relations: staff, customers, manager relations, corp tags, customer groups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import (
    RISK_TOLERANCES,
    STAFF_ROLES,
    TIERS,
    Base,
    UTCDateTime,
    choice,
    created_at,
    updated_at,
)


class Staff(Base):
    """A corp member: relationship manager, operations or compliance reviewer."""

    __tablename__ = "staff"
    __table_args__ = (choice("role", STAFF_ROLES),)

    userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16), default="rm")
    department: Mapped[str] = mapped_column(String(128), default="")
    mobile: Mapped[str | None] = mapped_column(String(32))
    # True when WeCom lists the member in get_follow_user_list (customer-contact permission).
    can_contact_customers: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Customer(Base):
    """A WeCom external contact, enriched with the bank's segment data (tier, AUM band, risk)."""

    __tablename__ = "customers"
    __table_args__ = (
        choice("tier", TIERS),
        choice("risk_level", RISK_TOLERANCES),
        Index("ix_customers_rm_userid", "rm_userid"),
    )

    external_userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    gender: Mapped[int] = mapped_column(Integer, default=0)  # WeCom: 0 unknown, 1 male, 2 female
    contact_type: Mapped[int] = mapped_column(Integer, default=1)  # 1 WeChat user, 2 WeCom user
    unionid: Mapped[str | None] = mapped_column(String(64))
    corp_name: Mapped[str | None] = mapped_column(String(128))
    # Primary relationship manager from the bank's data (WeCom may list several followers).
    rm_userid: Mapped[str | None] = mapped_column(String(64), ForeignKey("staff.userid", ondelete="SET NULL"))
    tier: Mapped[str | None] = mapped_column(String(16))
    aum_band: Mapped[str | None] = mapped_column(String(32))
    risk_level: Mapped[str | None] = mapped_column(String(2))
    birthday: Mapped[date | None] = mapped_column(Date)
    opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Consent to receive marketing content (as recorded by the bank); opt-out always wins.
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when no staff member follows the customer any more (all relations removed).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class CustomerManager(Base):
    """One follow relation (member follows customer), with the contact-way State it came from."""

    __tablename__ = "customer_managers"
    __table_args__ = (
        UniqueConstraint("external_userid", "userid"),
        choice("removed_by", ("member", "customer", "transfer")),
        Index("ix_customer_managers_userid", "userid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE")
    )
    userid: Mapped[str] = mapped_column(String(64), ForeignKey("staff.userid", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(64), default="")
    add_way: Mapped[int | None] = mapped_column(Integer)
    remark: Mapped[str] = mapped_column(String(128), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(16))
    # Last time a full sync saw the relation in WeCom (relations a sync no longer sees were removed).
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = updated_at()


class CorpTagGroup(Base):
    __tablename__ = "corp_tag_groups"

    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = updated_at()


class CorpTag(Base):
    __tablename__ = "corp_tags"
    __table_args__ = (Index("ix_corp_tags_name", "name"),)

    tag_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("corp_tag_groups.group_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = updated_at()


class CustomerTag(Base):
    """A corp tag on a customer; ``userid`` is the follower who marked it (None when imported)."""

    __tablename__ = "customer_tags"
    __table_args__ = (Index("ix_customer_tags_tag_id", "tag_id"),)

    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("corp_tags.tag_id", ondelete="CASCADE"), primary_key=True
    )
    userid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()


class CustomerGroup(Base):
    """A customer group chat (客户群) and its owner."""

    __tablename__ = "customer_groups"
    __table_args__ = (Index("ix_customer_groups_owner_userid", "owner_userid"),)

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    owner_userid: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str | None] = mapped_column(String(32))
    notice: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer, default=0)  # groupchat/list status (0 normal, 1-3 transfer)
    member_version: Mapped[str | None] = mapped_column(String(64))
    wecom_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = updated_at()


class GroupMember(Base):
    """A member of a customer group: staff (type 1) or external contact (type 2)."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_member_id", "member_id"),)

    chat_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("customer_groups.chat_id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_type: Mapped[int] = mapped_column(Integer, default=2)
    name: Mapped[str] = mapped_column(String(64), default="")
    join_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    join_scene: Mapped[int | None] = mapped_column(Integer)
