"""Products and positions: funds with NAV history, other products, holdings and transactions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import FUND_TYPES, RISK_LEVELS, Base, choice, created_at, updated_at

PRODUCT_KINDS = ("wealth", "private_fund", "insurance", "structured_deposit")
TRANSACTION_KINDS = ("buy", "sell", "dividend", "switch_in", "switch_out")


class Fund(Base):
    """A public fund (公募基金); ``short_name`` is what people type when they ask about it."""

    __tablename__ = "funds"
    __table_args__ = (
        choice("type", FUND_TYPES),
        choice("risk_level", RISK_LEVELS),
        Index("ix_funds_short_name", "short_name"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(64), default="")
    type: Mapped[str] = mapped_column(String(16))
    risk_level: Mapped[str] = mapped_column(String(2))
    manager: Mapped[str] = mapped_column(String(64), default="")
    manager_since: Mapped[date | None] = mapped_column(Date)
    company: Mapped[str] = mapped_column(String(128), default="")
    inception_date: Mapped[date | None] = mapped_column(Date)
    mgmt_fee: Mapped[Decimal] = mapped_column(Numeric(8, 6), default=Decimal(0))
    custody_fee: Mapped[Decimal] = mapped_column(Numeric(8, 6), default=Decimal(0))
    size_cny: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class FundNav(Base):
    """One published net value per fund and day; ``acc_nav`` includes distributed dividends."""

    __tablename__ = "fund_navs"

    fund_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("funds.code", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    nav: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    acc_nav: Mapped[Decimal] = mapped_column(Numeric(12, 4))


class Product(Base):
    """A non-fund product (bank wealth product, private fund, insurance) with its risk level."""

    __tablename__ = "products"
    __table_args__ = (choice("kind", PRODUCT_KINDS), choice("risk_level", RISK_LEVELS))

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    risk_level: Mapped[str] = mapped_column(String(2))
    issuer: Mapped[str] = mapped_column(String(128), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    maturity_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at()


class Holding(Base):
    """A customer's current position in one fund, as exported by the bank."""

    __tablename__ = "holdings"
    __table_args__ = (
        UniqueConstraint("external_userid", "fund_code"),
        Index("ix_holdings_fund_code", "fund_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE")
    )
    fund_code: Mapped[str] = mapped_column(String(6), ForeignKey("funds.code", ondelete="RESTRICT"))
    shares: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    cost: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    purchase_date: Mapped[date] = mapped_column(Date)
    maturity_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = updated_at()


class Transaction(Base):
    """A trade or distribution; ``ref`` is the bank's own id, unique so re-imports do not duplicate."""

    __tablename__ = "transactions"
    __table_args__ = (
        choice("kind", TRANSACTION_KINDS),
        Index("ix_transactions_external_userid_trade_date", "external_userid", "trade_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    external_userid: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.external_userid", ondelete="CASCADE")
    )
    fund_code: Mapped[str] = mapped_column(String(6), ForeignKey("funds.code", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    trade_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    shares: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    nav: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    created_at: Mapped[datetime] = created_at()
