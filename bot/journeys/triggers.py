"""Trigger events: the documented schema (bank API and scans share it), validation with the reason, who an
event concerns, and the scheduler's scans that turn the database into events.

Event JSON (``POST /api/v1/events``)::

    {"event_id": "bank-20261130-0001",        # 1-64 of A-Z a-z 0-9 _ . : -; sent twice = applied once
     "type": "purchase",                      # see EVENT_FIELDS
     "occurred_at": "2026-11-30T10:00:00+08:00",  # optional, with offset; default now
     "external_userid": "wmXXXX",             # required, except for market_move (must be absent)
     "data": {"fund_code": "000001", "amount": 50000}}

Scans (run by the journey service on its schedule) produce the same events with ids ``scan:...``, so a
scan that runs twice, or on two instances, enters nobody twice: customer_added (relations added in the
last two days; chosen over a hook in the welcome handler so issue 5's code needs no change), birthday,
drawdown (a holding's loss on cost at the latest NAV past the journeys' threshold), new_fund (funds
launched in the last 14 days, to customers whose risk level suits them) and monthly (high-net-worth
customers with holdings, once per month). Market moves, maturities and idle balances come from the bank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.compliance import check_suitability
from bot.db.models import Customer, CustomerManager, Fund, Holding

_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_FUND = re.compile(r"^\d{6}$")
# type -> {field: (kind, required)}; kinds: fund, number, fraction, signed_fraction, date, text, funds
EVENT_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "customer_added": {"userid": ("text", False)},
    "purchase": {"fund_code": ("fund", True), "amount": ("number", False)},
    "redemption": {"fund_code": ("fund", True), "amount": ("number", False)},
    "drawdown": {"fund_code": ("fund", True), "drawdown": ("fraction", True)},
    "market_move": {
        "index": ("text", True),
        "change": ("signed_fraction", True),
        "fund_codes": ("funds", True),
        "move_id": ("text", False),
    },
    "maturity": {
        "product_code": ("text", True),
        "maturity_date": ("date", True),
        "product_name": ("text", False),
    },
    "birthday": {},
    "idle_balance": {"amount": ("number", True)},
    "new_fund": {"fund_code": ("fund", True)},
    "monthly": {"month": ("text", True)},
}


class EventError(ValueError):
    """Bad event input; the message is the reason given back to the caller (HTTP 400)."""


@dataclass(frozen=True)
class TriggerEvent:
    event_id: str
    type: str
    occurred_at: datetime
    external_userid: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_given: bool = True  # False: occurred_at is the time it arrived, not part of what was sent

    def payload(self) -> dict[str, Any]:
        """JSON form, compared with a stored copy to tell a duplicate from a conflicting re-use of an id.

        A time the sender did not give is left out: a bank system retrying the same event later must
        get "duplicate", not "conflict".
        """
        return {
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_given else None,
            "external_userid": self.external_userid,
            "data": dict(self.data),
        }

    def subject_for(self, name: str) -> str:
        if not name:
            return ""
        return self.event_id if name == "event_id" else str(self.data.get(name, ""))[:64]


def _field(kind: str, value: Any, where: str) -> Any:
    if kind == "fund":
        if not isinstance(value, str) or not _FUND.match(value):
            raise EventError(f"{where}: must be a 6-digit fund code")
    elif kind == "funds":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and _FUND.match(v) for v in value)
        ):
            raise EventError(f"{where}: must be a non-empty list of 6-digit fund codes")
    elif kind in ("number", "fraction", "signed_fraction"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EventError(f"{where}: must be a number")
        if kind == "number" and value <= 0:
            raise EventError(f"{where}: must be positive")
        if kind == "fraction" and not 0 < value < 1:
            raise EventError(f"{where}: must be a fraction between 0 and 1 (0.12 = 12%)")
        if kind == "signed_fraction" and not -1 < value < 1:
            raise EventError(f"{where}: must be a fraction between -1 and 1 (-0.03 = -3%)")
    elif kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise EventError(f"{where}: must be a date YYYY-MM-DD") from None
    elif not isinstance(value, str) or not value or len(value) > 64:
        raise EventError(f"{where}: must be a non-empty string of at most 64 characters")
    return value


def parse_event(raw: Any, now: datetime) -> TriggerEvent:
    """Validate the documented JSON; EventError names the first problem."""
    if not isinstance(raw, dict):
        raise EventError("body: must be a JSON object")
    unknown = set(raw) - {"event_id", "type", "occurred_at", "external_userid", "data"}
    if unknown:
        raise EventError(f"body: unknown field(s) {', '.join(sorted(unknown))}")
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not _ID.match(event_id) or event_id.startswith("scan:"):
        raise EventError("event_id: 1-64 characters of A-Z a-z 0-9 _ . : - (not starting with 'scan:')")
    kind = raw.get("type")
    if kind not in EVENT_FIELDS or kind == "monthly":
        allowed = ", ".join(k for k in EVENT_FIELDS if k != "monthly")
        raise EventError(f"type: must be one of {allowed}")
    occurred = now
    if raw.get("occurred_at") is not None:
        try:
            occurred = datetime.fromisoformat(str(raw["occurred_at"]))
        except ValueError:
            raise EventError("occurred_at: must be an ISO 8601 timestamp") from None
        if occurred.tzinfo is None:
            raise EventError("occurred_at: needs a UTC offset (e.g. +08:00)")
    ext = raw.get("external_userid")
    if kind == "market_move":
        if ext is not None:
            raise EventError(
                "external_userid: not allowed for market_move (it reaches the holders of fund_codes)"
            )
    elif not isinstance(ext, str) or not ext or len(ext) > 64:
        raise EventError("external_userid: required, a string of at most 64 characters")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise EventError("data: must be a JSON object")
    spec = EVENT_FIELDS[kind]
    extra = set(data) - set(spec)
    if extra:
        raise EventError(f"data: unknown field(s) {', '.join(sorted(extra))} for {kind}")
    for name, (field_kind, required) in spec.items():
        if name in data:
            _field(field_kind, data[name], f"data.{name}")
        elif required:
            raise EventError(f"data.{name}: required for {kind}")
    if kind == "market_move":
        data = {**data, "move_id": data.get("move_id") or event_id}
    given = raw.get("occurred_at") is not None
    return TriggerEvent(event_id, kind, occurred, ext, data, occurred_given=given)


def same_payload(stored: Mapping[str, Any], given: Mapping[str, Any]) -> bool:
    """The same event: equal payloads, with ``occurred_at`` compared as an instant, since a retry may
    give the same time in another offset (02:00+00:00 is 10:00+08:00)."""

    def instant(payload: Mapping[str, Any]) -> Any:
        value = payload.get("occurred_at")
        try:
            return datetime.fromisoformat(value).timestamp() if value else value
        except (TypeError, ValueError):
            return value

    def rest(payload: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payload.items() if k != "occurred_at"}

    return rest(stored) == rest(given) and instant(stored) == instant(given)


def passes(journey: Any, event: TriggerEvent) -> bool:
    """The journey's trigger conditions over the event's data."""
    conditions = journey.conditions or {}
    data = event.data
    if "min_drawdown" in conditions and float(data.get("drawdown", 0)) < conditions["min_drawdown"]:
        return False
    if "min_change" in conditions and abs(float(data.get("change", 0))) < conditions["min_change"]:
        return False
    if "min_amount" in conditions and float(data.get("amount", 0)) < conditions["min_amount"]:
        return False
    if "within_days" in conditions and "maturity_date" in data:
        days = (date.fromisoformat(data["maturity_date"]) - event.occurred_at.date()).days
        if not 0 <= days <= conditions["within_days"]:
            return False
    return True


async def customers_for(session: AsyncSession, event: TriggerEvent) -> list[Customer]:
    """The event's customer, or for a market move the holders of its funds; customers no longer followed
    by anyone are left out."""
    if event.type == "market_move":
        statement = (
            select(Customer)
            .join(Holding, Holding.external_userid == Customer.external_userid)
            .where(Holding.fund_code.in_(list(event.data["fund_codes"])))
            .distinct()
            .order_by(Customer.external_userid)
        )
        found: Iterable[Customer] = (await session.execute(statement)).scalars().all()
    else:
        customer = await session.get(Customer, event.external_userid) if event.external_userid else None
        found = [customer] if customer else []
    return [c for c in found if c.removed_at is None]


async def scan(
    session: AsyncSession, now: datetime, tz: Any, drawdown_threshold: float
) -> list[TriggerEvent]:
    """Events the database implies at ``now`` (local day in ``tz``); ids make repeated scans harmless."""
    from bot.journeys.facts import holdings_of

    today = now.astimezone(tz).date()
    events: list[TriggerEvent] = []
    added = (
        await session.execute(
            select(CustomerManager.external_userid, CustomerManager.userid).where(
                CustomerManager.removed_at.is_(None),
                CustomerManager.added_at >= now - timedelta(days=2),
                CustomerManager.added_at <= now,
            )
        )
    ).all()
    for ext, userid in added:
        events.append(TriggerEvent(f"scan:added:{ext}", "customer_added", now, ext, {"userid": userid}))
    birthdays = (
        await session.execute(
            select(Customer.external_userid).where(
                Customer.removed_at.is_(None),
                extract("month", Customer.birthday) == today.month,
                extract("day", Customer.birthday) == today.day,
            )
        )
    ).scalars()
    for ext in birthdays:
        events.append(TriggerEvent(f"scan:birthday:{ext}:{today.year}", "birthday", now, ext, {}))
    launched = (
        (
            await session.execute(
                select(Fund).where(
                    Fund.inception_date >= today - timedelta(days=14), Fund.inception_date <= today
                )
            )
        )
        .scalars()
        .all()
    )
    if launched:
        customers = (
            (
                await session.execute(
                    select(Customer).where(Customer.removed_at.is_(None), Customer.risk_level.is_not(None))
                )
            )
            .scalars()
            .all()
        )
        for fund in launched:
            for customer in customers:
                if check_suitability(fund.risk_level, customer.risk_level or "C1"):
                    events.append(
                        TriggerEvent(
                            f"scan:new_fund:{fund.code}:{customer.external_userid}",
                            "new_fund",
                            now,
                            customer.external_userid,
                            {"fund_code": fund.code},
                        )
                    )
    holders = (await session.execute(select(Holding.external_userid).distinct())).scalars().all()
    month = today.strftime("%Y-%m")
    for ext in holders:
        customer = await session.get(Customer, ext)
        if customer is None or customer.removed_at is not None:
            continue
        for holding in await holdings_of(session, ext):
            loss = -(holding["return"] or 0)
            if loss >= drawdown_threshold:
                events.append(
                    TriggerEvent(
                        f"scan:drawdown:{ext}:{holding['fund_code']}:{holding['nav_date']}",
                        "drawdown",
                        now,
                        ext,
                        {"fund_code": holding["fund_code"], "drawdown": round(loss, 4)},
                    )
                )
        if customer.tier == "hnw":
            events.append(TriggerEvent(f"scan:monthly:{ext}:{month}", "monthly", now, ext, {"month": month}))
    return events
