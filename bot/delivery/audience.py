"""Who a push reaches: an audience spec (segments, tiers, tags, groups, managers, fund holders) resolved
against the database into customers (by their manager), customer groups (by owner) and staff.

Opt-outs and suitability are filtered here, so every later step only sees people who may get the
content; what was left out is reported by reason (``Selection.skipped``) for the preview and the plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.compliance import parse_level
from bot.db.base import TIERS
from bot.db.models import (
    CorpTag,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    GroupMember,
    Holding,
    Staff,
)

CHAT_TYPES = ("single", "group", "both", "none")
_LIST_FIELDS = ("segments", "aum_bands", "tags", "groups", "managers", "staff", "robots")


class AudienceError(ValueError):
    """A malformed audience spec; the message names the field."""


@dataclass(frozen=True)
class Audience:
    """Filters combine with AND; an empty list means "no filter on this field".

    ``chat_type``: ``single`` (customers), ``group`` (customer groups), ``both`` or ``none`` (staff only).
    ``staff``: member userids for app messages, or ``["@rm"]`` for every relationship manager.
    ``robots``: internal team groups (robot names in ``[delivery.robots]``) that get the group robot.
    """

    segments: tuple[str, ...] = ()
    aum_bands: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    holders_of: str | None = None
    chat_type: str = "single"
    staff: tuple[str, ...] = ()
    robots: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Audience:
        raw = dict(raw or {})
        unknown = set(raw) - {*_LIST_FIELDS, "tiers", "holders_of", "chat_type"}
        if unknown:
            raise AudienceError(f"audience: unknown field(s) {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name in _LIST_FIELDS:
            value = raw.get(name, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise AudienceError(f"audience.{name}: must be a list of non-empty strings")
            values[name] = tuple(value)
        values["segments"] = tuple(dict.fromkeys((*values["segments"], *raw.get("tiers", []))))
        bad = [s for s in values["segments"] if s not in TIERS]
        if bad:
            raise AudienceError(f"audience.segments: unknown {bad}; known: {', '.join(TIERS)}")
        chat_type = raw.get("chat_type", "single")
        if chat_type not in CHAT_TYPES:
            raise AudienceError(f"audience.chat_type: must be one of {', '.join(CHAT_TYPES)}")
        holders = raw.get("holders_of")
        if holders is not None and (not isinstance(holders, str) or not holders):
            raise AudienceError("audience.holders_of: must be a fund code")
        return cls(**values, holders_of=holders, chat_type=chat_type)

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {n: list(getattr(self, n)) for n in _LIST_FIELDS if getattr(self, n)}
        if self.holders_of:
            out["holders_of"] = self.holders_of
        out["chat_type"] = self.chat_type
        return out


@dataclass(frozen=True)
class CustomerTarget:
    external_userid: str
    manager: str
    segment: str
    risk_level: str | None


@dataclass(frozen=True)
class GroupTarget:
    chat_id: str
    owner: str
    segment: str
    risk_level: str | None  # the lowest tolerance among its customers


@dataclass
class Selection:
    customers: list[CustomerTarget] = field(default_factory=list)
    groups: list[GroupTarget] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def suitable(product_risk: str | None, risk_level: str | None) -> bool:
    """Product content only to customers whose assessed tolerance covers the product's risk."""
    if product_risk is None:
        return True
    if risk_level is None:
        return False
    return parse_level(risk_level, "C") >= parse_level(product_risk, "R")


async def _tagged(session: AsyncSession, tags: tuple[str, ...]) -> set[str]:
    statement = (
        select(CustomerTag.external_userid)
        .join(CorpTag, CorpTag.tag_id == CustomerTag.tag_id)
        .where((CorpTag.name.in_(tags)) | (CorpTag.tag_id.in_(tags)))
    )
    return set((await session.execute(statement)).scalars())


async def _holders(session: AsyncSession, fund_code: str) -> set[str]:
    statement = select(Holding.external_userid).where(Holding.fund_code == fund_code, Holding.shares > 0)
    return set((await session.execute(statement)).scalars())


async def select_customers(
    session: AsyncSession, audience: Audience, product_risk: str | None, selection: Selection
) -> None:
    statement = (
        select(
            Customer.external_userid, Customer.rm_userid, Customer.tier, Customer.risk_level, Customer.opt_out
        )
        .join(
            CustomerManager,
            (CustomerManager.external_userid == Customer.external_userid)
            & (CustomerManager.userid == Customer.rm_userid),
        )
        .where(Customer.removed_at.is_(None), CustomerManager.removed_at.is_(None))
        .order_by(Customer.rm_userid, Customer.external_userid)
    )
    if audience.segments:
        statement = statement.where(Customer.tier.in_(audience.segments))
    if audience.aum_bands:
        statement = statement.where(Customer.aum_band.in_(audience.aum_bands))
    if audience.managers:
        statement = statement.where(Customer.rm_userid.in_(audience.managers))
    tagged = await _tagged(session, audience.tags) if audience.tags else None
    holders = await _holders(session, audience.holders_of) if audience.holders_of else None
    for ext, rm, tier, risk, opt_out in (await session.execute(statement)).all():
        if (tagged is not None and ext not in tagged) or (holders is not None and ext not in holders):
            continue
        if opt_out:
            selection.skipped["opt_out"].append(ext)
        elif not suitable(product_risk, risk):
            selection.skipped["suitability"].append(ext)
        else:
            selection.customers.append(CustomerTarget(ext, rm, tier or "long_tail", risk))


async def select_groups(
    session: AsyncSession, audience: Audience, product_risk: str | None, selection: Selection
) -> None:
    statement = select(CustomerGroup.chat_id, CustomerGroup.owner_userid).where(
        CustomerGroup.dismissed_at.is_(None), CustomerGroup.owner_userid != ""
    )
    if audience.groups:
        statement = statement.where(CustomerGroup.chat_id.in_(audience.groups))
    if audience.managers:
        statement = statement.where(CustomerGroup.owner_userid.in_(audience.managers))
    groups = (await session.execute(statement.order_by(CustomerGroup.chat_id))).all()
    members = (
        select(GroupMember.chat_id, Customer.tier, Customer.risk_level)
        .join(Customer, Customer.external_userid == GroupMember.member_id)
        .where(GroupMember.member_type == 2)
    )
    tiers: dict[str, Counter[str]] = defaultdict(Counter)
    lowest: dict[str, int] = {}
    for chat_id, tier, risk in (await session.execute(members)).all():
        tiers[chat_id][tier or "long_tail"] += 1
        level = parse_level(risk, "C") if risk else 0
        lowest[chat_id] = min(lowest.get(chat_id, 9), level)
    for chat_id, owner in groups:
        counts = tiers.get(chat_id)
        # A group gets the style most of its customers have; ties go to the plainer style.
        segment = max(TIERS, key=lambda t: (counts[t], -TIERS.index(t))) if counts else "long_tail"
        if audience.segments and segment not in audience.segments:
            continue
        low = lowest.get(chat_id)
        risk = f"C{low}" if low else None
        if not suitable(product_risk, risk):
            selection.skipped["suitability"].append(chat_id)
            continue
        selection.groups.append(GroupTarget(chat_id, owner, segment, risk))


async def select_staff(session: AsyncSession, audience: Audience, selection: Selection) -> None:
    wanted = set(audience.staff)
    statement = select(Staff.userid, Staff.role).where(Staff.active.is_(True)).order_by(Staff.userid)
    for userid, role in (await session.execute(statement)).all():
        if userid in wanted or ("@rm" in wanted and role == "rm"):
            selection.staff.append(userid)


async def select_targets(
    session: AsyncSession, audience: Audience, product_risk: str | None = None
) -> Selection:
    """Resolve ``audience`` into targets; product content (``product_risk``) is filtered by suitability."""
    selection = Selection()
    if audience.chat_type in ("single", "both"):
        await select_customers(session, audience, product_risk, selection)
    if audience.chat_type in ("group", "both"):
        await select_groups(session, audience, product_risk, selection)
    if audience.staff:
        await select_staff(session, audience, selection)
    selection.robots = list(audience.robots)
    return selection


def check_robots(audience: Audience, known: Mapping[str, str]) -> None:
    """Refuse robots that ``[delivery.robots]`` does not name, at planning time rather than at send time."""
    unknown = [name for name in audience.robots if name not in known]
    if unknown:
        names = ", ".join(sorted(known)) or "none configured"
        raise AudienceError(f"audience.robots: unknown robot(s) {', '.join(unknown)}; known: {names}")
