"""Validation of the bank's CSV exports, one row at a time, before anything touches the database.

Each kind (customers, holdings, funds, navs) declares its required and optional columns and a parser that
turns one row into clean Python values or raises :class:`RowError` with a reason a person can act on.
Decimals are checked against the scale of their column, so what is stored is exactly what was read and a
re-import compares equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.db.base import FUND_TYPES, RISK_LEVELS, RISK_TOLERANCES, TIERS

Row = Mapping[str, str]


class RowError(ValueError):
    """One bad value in one row; the importer adds the line number."""


_ID_RE = re.compile(r"^[A-Za-z0-9_\-@.]{1,64}$")
_CODE_RE = re.compile(r"^\d{6}$")
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否", ""}
# Chinese labels a bank export may use for fund types.
FUND_TYPE_ALIASES = {
    "货币型": "money_market",
    "债券型": "bond",
    "混合型": "mixed",
    "股票型": "equity",
    "指数型": "index",
    "qdii": "qdii",
}


def _value(row: Row, column: str) -> str:
    return (row.get(column) or "").strip()


def text(row: Row, column: str, *, required: bool = True, max_len: int = 128) -> str:
    value = _value(row, column)
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_len:
        raise RowError(f"{column} is longer than {max_len} characters")
    return value


def identifier(row: Row, column: str, *, required: bool = True) -> str | None:
    value = _value(row, column)
    if not value:
        if required:
            raise RowError(f"{column} is empty")
        return None
    if not _ID_RE.match(value):
        raise RowError(f"{column} {value!r} is not a valid WeCom id")
    return value


def fund_code(row: Row, column: str) -> str:
    value = _value(row, column)
    if not _CODE_RE.match(value):
        raise RowError(f"{column} {value!r} is not a 6-digit fund code")
    return value


def one_of(row: Row, column: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
    value = _value(row, column)
    if not value and not required:
        return None
    if value.upper() in allowed:
        return value.upper()
    if value in allowed:
        return value
    raise RowError(f"{column} {value!r} is not one of {', '.join(allowed)}")


def iso_date(row: Row, column: str, *, required: bool = True) -> date | None:
    value = _value(row, column)
    if not value:
        if required:
            raise RowError(f"{column} is empty")
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(column, value)
    except ValueError:
        return _bad_date(column, value)


def _bad_date(column: str, value: str) -> date:
    raise RowError(f"{column} {value!r} is not an ISO date (YYYY-MM-DD)")


def decimal(
    row: Row, column: str, *, scale: int, required: bool = True, positive: bool = False
) -> Decimal | None:
    value = _value(row, column)
    if not value:
        if required:
            raise RowError(f"{column} is empty")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(f"{column} {value!r} is not a decimal number") from None
    if not number.is_finite():
        raise RowError(f"{column} {value!r} is not a decimal number")
    if number < 0 or (positive and number == 0):
        raise RowError(f"{column} {value} must be {'greater than 0' if positive else 'at least 0'}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale:
        raise RowError(f"{column} {value} has more than {scale} decimal places")
    return number


def boolean(row: Row, column: str) -> bool:
    value = _value(row, column).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError(f"{column} {value!r} is not true/false (or 1/0)")


def customer_row(row: Row) -> dict[str, Any]:
    tags = [tag.strip() for tag in _value(row, "tags").split(";") if tag.strip()]
    gender = _value(row, "gender") or "0"
    if gender not in ("0", "1", "2"):
        raise RowError(f"gender {gender!r} is not 0 (unknown), 1 (male) or 2 (female)")
    return {
        "external_userid": identifier(row, "external_userid"),
        "name": text(row, "name", max_len=64),
        "tier": one_of(row, "tier", TIERS),
        "aum_band": text(row, "aum_band", required=False, max_len=32) or None,
        "risk_level": one_of(row, "risk_level", RISK_TOLERANCES),
        "rm_userid": identifier(row, "rm_userid", required=False),
        "birthday": iso_date(row, "birthday", required=False),
        "opt_out": boolean(row, "opt_out"),
        "consent": boolean(row, "consent"),
        "gender": int(gender),
        "tags": tags,
    }


def holding_row(row: Row) -> dict[str, Any]:
    purchase = iso_date(row, "purchase_date")
    maturity = iso_date(row, "maturity_date", required=False)
    if purchase and maturity and maturity < purchase:
        raise RowError(f"maturity_date {maturity} is before purchase_date {purchase}")
    return {
        "external_userid": identifier(row, "external_userid"),
        "fund_code": fund_code(row, "fund_code"),
        "shares": decimal(row, "shares", scale=4),
        "cost": decimal(row, "cost", scale=2),
        "purchase_date": purchase,
        "maturity_date": maturity,
    }


def fund_row(row: Row) -> dict[str, Any]:
    raw_type = _value(row, "type")
    fund_type = FUND_TYPE_ALIASES.get(raw_type.lower(), FUND_TYPE_ALIASES.get(raw_type, raw_type))
    if fund_type not in FUND_TYPES:
        raise RowError(f"type {raw_type!r} is not one of {', '.join(FUND_TYPES)}")
    name = text(row, "name")
    return {
        "code": fund_code(row, "code"),
        "name": name,
        "short_name": text(row, "short_name", required=False, max_len=64) or name[:64],
        "type": fund_type,
        "risk_level": one_of(row, "risk_level", RISK_LEVELS),
        "manager": text(row, "manager", required=False, max_len=64),
        "manager_since": iso_date(row, "manager_since", required=False),
        "company": text(row, "company", required=False),
        "inception_date": iso_date(row, "inception_date"),
        "mgmt_fee": decimal(row, "mgmt_fee", scale=6),
        "custody_fee": decimal(row, "custody_fee", scale=6),
        "size_cny": decimal(row, "size_cny", scale=2, required=False),
    }


def nav_row(row: Row) -> dict[str, Any]:
    return {
        "fund_code": fund_code(row, "code"),
        "date": iso_date(row, "date"),
        "nav": decimal(row, "nav", scale=4, positive=True),
        "acc_nav": decimal(row, "acc_nav", scale=4, positive=True),
    }


@dataclass(frozen=True)
class CsvKind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    parse: Callable[[Row], dict[str, Any]]
    key: tuple[str, ...]  # what makes a row unique within a file


KINDS: dict[str, CsvKind] = {
    "customers": CsvKind(
        "customers",
        ("external_userid", "name", "tier", "aum_band", "risk_level", "rm_userid", "birthday", "opt_out"),
        ("gender", "consent", "tags"),
        customer_row,
        ("external_userid",),
    ),
    "holdings": CsvKind(
        "holdings",
        ("external_userid", "fund_code", "shares", "cost", "purchase_date"),
        ("maturity_date",),
        holding_row,
        ("external_userid", "fund_code"),
    ),
    "funds": CsvKind(
        "funds",
        (
            "code",
            "name",
            "type",
            "risk_level",
            "manager",
            "company",
            "inception_date",
            "mgmt_fee",
            "custody_fee",
        ),
        ("short_name", "manager_since", "size_cny"),
        fund_row,
        ("code",),
    ),
    "navs": CsvKind("navs", ("code", "date", "nav", "acc_nav"), (), nav_row, ("fund_code", "date")),
}
