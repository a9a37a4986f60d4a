"""What the read endpoints share: the session factory (503 without a database), the caller's manager
scope, the paging parameters every list declares, and turning a :class:`QueryError` into a 400."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keys
from bot.api.spec import ApiError, principal
from bot.queries.paging import DEFAULT_LIMIT, MAX_LIMIT, QueryError

T = TypeVar("T")

PAGING: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "offset": {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
}
TEXT = {"type": "string", "maxLength": 200}
DAY = {"type": "string", "maxLength": 40, "description": "ISO date (a Shanghai day) or time"}


def database(request: web.Request) -> async_sessionmaker[AsyncSession]:
    db = request.app[keys.DB]
    if db is None:
        raise ApiError(503, "no database configured")
    return db  # type: ignore[no-any-return]


def scope(request: web.Request) -> str | None:
    """The manager whose customers are the only ones this caller may see; None for every other role."""
    return principal(request).manager_scope


async def answer(query: Awaitable[T]) -> T:
    """Await a query; a wrong argument becomes a 400 naming its field."""
    try:
        return await query
    except QueryError as exc:
        raise ApiError(400, str(exc), exc.field) from None
