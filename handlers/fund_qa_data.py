"""The fund data service: funds and NAV series from the database, in memory, fresh after every import.

Questions are answered from memory (a :class:`FundIndex`, one adjusted :class:`Series` per fund, cached
diagnoses and peer Sharpe ratios), so a diagnosis costs microseconds, not a query. Before each question
:meth:`FundData.ensure_fresh` runs one cheap query (row counts, the latest NAV date and the latest fund
change); when that marker moved (``wecombot import funds|navs`` ran, in any process) the snapshot is
rebuilt, so imported funds are answerable at once. ``reload()`` forces it.

Usage::

    data = FundData(sessionmaker, risk_free=0.015)
    await data.ensure_fresh()
    snap = data.snapshot          # index, funds, series, as_of
    data.diagnosis("000001")      # cached per snapshot
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Fund, FundNav
from handlers.fund_lookup import FundIndex, FundRef
from handlers.fund_metrics import (
    DEFAULT_RISK_FREE,
    Diagnosis,
    NavPoint,
    Series,
    adjusted_series,
    diagnose,
    rank_within_type,
    window_metrics,
)

log = logging.getLogger("wecombot.fund_qa.data")


@dataclass(frozen=True, slots=True)
class FundInfo:
    """What answers show about a fund (plain values; the templates word them)."""

    code: str
    name: str
    short_name: str
    type: str
    risk_level: str
    manager: str
    manager_since: date | None
    company: str
    inception_date: date | None
    mgmt_fee: float
    custody_fee: float
    size_cny: float | None


@dataclass
class Snapshot:
    """One consistent view of the fund data; replaced whole on reload."""

    marker: tuple[Any, ...]
    funds: dict[str, FundInfo]
    index: FundIndex
    series: dict[str, Series]
    navs: dict[str, NavPoint]  # latest published NAV per fund
    as_of: date | None  # the latest NAV date of all funds: the end of every period
    by_type: dict[str, list[str]]
    _diagnoses: dict[str, Diagnosis] = field(default_factory=dict)
    _peer_sharpes: dict[tuple[str, str], dict[str, float | None]] = field(default_factory=dict)


def _build_snapshot(marker: tuple[Any, ...], funds: dict[str, FundInfo], nav_rows: Any) -> Snapshot:
    """Pure: NAV rows (ordered by fund and date) -> adjusted series, index and latest NAVs."""
    points: dict[str, list[NavPoint]] = defaultdict(list)
    for code, day, nav, acc in nav_rows:
        points[code].append(NavPoint(day, float(nav), float(acc) if acc is not None else None))
    series: dict[str, Series] = {}
    for code, pts in points.items():
        try:
            series[code] = adjusted_series(pts)
        except ValueError as exc:  # a bad NAV row must not take every other fund down
            log.error("fund %s: NAV series rejected: %s", code, exc)
    by_type: dict[str, list[str]] = defaultdict(list)
    for info in funds.values():
        by_type[info.type].append(info.code)
    refs = [FundRef(f.code, f.name, f.short_name, f.type, f.company) for f in funds.values()]
    as_of = max((s.dates[-1] for s in series.values() if len(s)), default=None)
    navs = {code: pts[-1] for code, pts in points.items() if pts}
    return Snapshot(marker, funds, FundIndex(refs), series, navs, as_of, dict(by_type))


def _empty() -> Snapshot:
    return Snapshot((), {}, FundIndex([]), {}, {}, None, {})


class FundData:
    """Funds + NAVs in memory, rebuilt when the database's import marker changes."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], risk_free: float = DEFAULT_RISK_FREE):
        self.sessionmaker = sessionmaker
        self.risk_free = risk_free
        self.snapshot = _empty()
        self.reloads = 0
        self._lock = asyncio.Lock()

    async def _marker(self, session: AsyncSession) -> tuple[Any, ...]:
        """Fund count and last change, NAV count and last date: one round trip, indexes only."""
        parts = (
            select(func.count()).select_from(Fund),
            select(func.max(Fund.updated_at)),
            select(func.count()).select_from(FundNav),
            select(func.max(FundNav.date)),
        )
        row = (await session.execute(select(*(p.scalar_subquery() for p in parts)))).one()
        return tuple(str(v) for v in row)

    async def ensure_fresh(self) -> Snapshot:
        """The current snapshot, rebuilt first when an import changed the funds or NAVs."""
        async with self.sessionmaker() as session:
            marker = await self._marker(session)
        if marker != self.snapshot.marker:
            async with self._lock:
                if marker != self.snapshot.marker:  # another question may have rebuilt it meanwhile
                    await self.reload()
        return self.snapshot

    async def reload(self) -> Snapshot:
        """Read every fund and NAV and swap in a new snapshot (about 0.3 s for 36 funds x 5 years).

        The rows are fetched on the event loop; building the series runs in a worker thread so the
        loop keeps answering callbacks meanwhile.
        """
        async with self.sessionmaker() as session:
            marker = await self._marker(session)
            fund_rows = (await session.execute(select(Fund).order_by(Fund.code))).scalars().all()
            nav_rows = (
                await session.execute(
                    select(FundNav.fund_code, FundNav.date, FundNav.nav, FundNav.acc_nav).order_by(
                        FundNav.fund_code, FundNav.date
                    )
                )
            ).all()
        funds = {f.code: _info(f) for f in fund_rows}
        loop = asyncio.get_running_loop()
        self.snapshot = await loop.run_in_executor(None, _build_snapshot, marker, funds, nav_rows)
        self.reloads += 1
        log.info(
            "fund data loaded: %d funds, %d NAVs, as of %s", len(funds), len(nav_rows), self.snapshot.as_of
        )
        return self.snapshot

    def diagnosis(self, code: str) -> Diagnosis | None:
        """1y and 3y windows of a fund as of the snapshot's date (cached per snapshot)."""
        snap = self.snapshot
        if code not in snap.series or snap.as_of is None:
            return None
        cached = snap._diagnoses.get(code)
        if cached is None:
            cached = snap._diagnoses[code] = diagnose(snap.series[code], snap.as_of, self.risk_free)
        return cached

    def sharpe_rank(self, code: str, period: str) -> tuple[int, int] | None:
        """Rank of the fund's Sharpe ratio among funds of its type over ``period`` (1 = best)."""
        snap = self.snapshot
        info = snap.funds.get(code)
        if info is None or snap.as_of is None:
            return None
        key = (info.type, period)
        peers = snap._peer_sharpes.get(key)
        if peers is None:
            peers = {}
            for peer in snap.by_type.get(info.type, []):
                series = snap.series.get(peer)
                window = window_metrics(series, snap.as_of, period, self.risk_free) if series else None
                peers[peer] = window.sharpe if window else None
            snap._peer_sharpes[key] = peers
        return rank_within_type(peers, code)


def _info(f: Fund) -> FundInfo:
    return FundInfo(
        code=f.code,
        name=f.name,
        short_name=f.short_name or "",
        type=f.type,
        risk_level=f.risk_level,
        manager=f.manager or "",
        manager_since=f.manager_since,
        company=f.company or "",
        inception_date=f.inception_date,
        mgmt_fee=float(f.mgmt_fee or 0),
        custody_fee=float(f.custody_fee or 0),
        size_cny=float(f.size_cny) if f.size_cny is not None else None,
    )
