"""What every list query shares: the answer's shape, search terms, and date windows in Shanghai time.

A bad argument raises :class:`QueryError` naming the field, which the API answers as a 400 with that
``field`` and the console shows as a notice, so both report a wrong date the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Result, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_LIMIT = 500
# Dates a query may name: anything outside is a typo, and 0001 or 9999 overflow when shifted a day.
YEARS = (2000, 2099)
DEFAULT_LIMIT = 50


class QueryError(ValueError):
    """A query argument is wrong; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def paged(key: str, items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    """``{key: items, total, limit, offset, next_offset}``; ``next_offset`` is None on the last page."""
    more = offset + len(items) < total
    return {
        key: items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + len(items) if more else None,
    }


def clamp(limit: int, offset: int) -> tuple[int, int]:
    """Limits from the console's query string are not schema-checked: keep them in range here too."""
    return max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))


def search(text: str | None, *columns: InstrumentedAttribute[Any]) -> ColumnElement[bool] | None:
    """Case-insensitive substring on any of ``columns``; ``%`` and ``_`` in the text are literal."""
    text = (text or "").strip()
    if not text:
        return None
    return or_(*(column.icontains(text, autoescape=True) for column in columns))


def parse_when(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """An ISO date or time as an aware datetime; a plain date is a day in Shanghai.

    ``end=True`` makes a plain date inclusive: ``until=2026-11-30`` means before 2026-12-01 00:00 (+08:00).
    A time without an offset is Shanghai time.
    """
    value = (value or "").strip()
    if not value:
        return None
    plain_date = len(value) == 10
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(field, f"an ISO date (2026-11-30) or time, not {value!r}") from None
    if not YEARS[0] <= moment.year <= YEARS[1]:  # also keeps day + 1 and time zones in range
        raise QueryError(field, f"a date from {YEARS[0]} to {YEARS[1]}, not {value!r}")
    if plain_date:
        day = moment.date()
        return datetime.combine(day + timedelta(days=1) if end else day, time(), SHANGHAI)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def between(column: Any, start: datetime | None, stop: datetime | None) -> list[ColumnElement[bool]]:
    """``column`` in ``[start, stop)``; an open end adds no condition."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if stop is not None:
        conditions.append(column < stop)
    return conditions


async def one_page(
    session: AsyncSession,
    table: Any,
    conditions: Sequence[ColumnElement[bool]],
    statement: Select[Any],
    limit: int,
    offset: int,
) -> tuple[int, Result[Any]]:
    """How many rows of ``table`` meet ``conditions``, and that page of the ordered ``statement``."""
    count = select(func.count()).select_from(table).where(*conditions)
    total = int((await session.execute(count)).scalar_one())
    return total, await session.execute(statement.where(*conditions).limit(limit).offset(offset))


def window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``since`` inclusive, ``until`` exclusive (a plain ``until`` date counts its whole day)."""
    start, stop = parse_when(since, "since"), parse_when(until, "until", end=True)
    if start is not None and stop is not None and stop <= start:
        raise QueryError("until", "must be after since")
    return start, stop


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
