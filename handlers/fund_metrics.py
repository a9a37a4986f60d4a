"""Fund performance metrics on plain NAV data: the numbers behind 基金诊断 and returns questions.

Pure functions, no I/O: the fund Q&A handler feeds rows from the database and renders the results.

Definitions (quoted by the README):

* **Series.** The NAV adjusted for dividends. Cumulative distributions per unit are
  ``D_t = acc_nav_t - nav_t``; the dividend paid between two points is ``d_t = max(0, D_t - D_{t-1})``.
  The dividend-reinvested series is ``S_0 = nav_0`` and ``S_t = S_{t-1} * (nav_t + d_t) / nav_{t-1}``.
  When ``acc_nav`` equals ``nav`` throughout (or is missing), ``S`` is the NAV itself.
* **Period start.** A period starts at the last point on or before its start date; when the series
  starts after that date there is not enough history and the metric is ``None``.
* **Annualised return** ``(end / start) ** (365 / days) - 1`` with ``days`` the calendar days between.
* **Annualised volatility** the *sample* standard deviation (ddof=1) of daily simple returns
  ``S_t / S_{t-1} - 1`` times ``sqrt(252)``.
* **Maximum drawdown** ``max_t (1 - S_t / max_{s<=t} S_s)`` over the period's points.
* **Sharpe ratio** ``(annualised return - risk-free) / volatility``; risk-free from config
  (``[fund_qa].risk_free_rate``, default 1.5%).
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

PERIODS = ("1m", "3m", "6m", "ytd", "1y", "3y", "since_inception")
DIAGNOSIS_PERIODS = ("1y", "3y")
DEFAULT_RISK_FREE = 0.015
TRADING_DAYS = 252
_MONTHS = {"1m": 1, "3m": 3, "6m": 6, "1y": 12, "3y": 36}


@dataclass(frozen=True, slots=True)
class NavPoint:
    """One published NAV: unit NAV and accumulated NAV (unit NAV plus all distributions per unit)."""

    date: date
    nav: float
    acc_nav: float | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """A dividend-adjusted series: parallel tuples of strictly increasing dates and positive values."""

    dates: tuple[date, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.dates)


def adjusted_series(points: Sequence[NavPoint]) -> Series:
    """Build the dividend-reinvested series (formula in the module docstring).

    Raises ValueError on unsorted or duplicate dates and on non-positive NAVs, so bad imports are loud.
    """
    dates: list[date] = []
    values: list[float] = []
    prev: NavPoint | None = None
    prev_dist = 0.0
    for point in points:
        if not point.nav > 0 or not math.isfinite(point.nav):
            raise ValueError(f"NAV on {point.date} must be positive, got {point.nav!r}")
        dist = 0.0 if point.acc_nav is None else point.acc_nav - point.nav
        if prev is None:
            values.append(point.nav)
        else:
            if point.date <= prev.date:
                raise ValueError(f"NAV dates must increase strictly: {point.date} after {prev.date}")
            dividend = max(0.0, dist - prev_dist)
            values.append(values[-1] * (point.nav + dividend) / prev.nav)
        dates.append(point.date)
        prev, prev_dist = point, dist
    return Series(tuple(dates), tuple(values))


def risk_free_rate(section: Mapping[str, object]) -> float:
    """``risk_free_rate`` from the ``[fund_qa]`` config section (default 1.5%), validated."""
    value = section.get("risk_free_rate", DEFAULT_RISK_FREE)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(f"[fund_qa].risk_free_rate must be a fraction in [0, 1), got {value!r}")
    return float(value)


def period_start(series: Series, start_date: date) -> int | None:
    """Index of the last point on or before ``start_date``; None when the series starts after it."""
    i = bisect_right(series.dates, start_date) - 1
    return i if i >= 0 else None


def _shift_months(day: date, months: int) -> date:
    """Same day ``months`` earlier, clamped to the month's end (31 Mar - 1m = 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_bounds(as_of: date, period: str, inception: date | None = None) -> tuple[date, date]:
    """Start and end dates of a named period ending at ``as_of``.

    ``ytd`` starts on 31 December of the previous year, so it begins at the last NAV of that year.
    ``since_inception`` needs ``inception`` (the first NAV date).
    """
    if period in _MONTHS:
        return _shift_months(as_of, _MONTHS[period]), as_of
    if period == "ytd":
        return date(as_of.year - 1, 12, 31), as_of
    if period == "since_inception":
        if inception is None:
            raise ValueError("since_inception needs the inception date")
        return inception, as_of
    raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def annualised_return(start: float, end: float, days: int) -> float:
    """``(end / start) ** (365 / days) - 1``."""
    if days <= 0:
        raise ValueError(f"days must be positive, got {days}")
    if start <= 0 or end <= 0:
        raise ValueError("values must be positive")
    return (end / start) ** (365.0 / days) - 1.0


def annualised_volatility(values: Sequence[float]) -> float | None:
    """Sample std (ddof=1) of daily returns times sqrt(252); None with fewer than two returns."""
    n = len(values) - 1
    if n < 2:
        return None
    rets = [values[i] / values[i - 1] - 1.0 for i in range(1, len(values))]
    mean = sum(rets) / n
    var = sum((r - mean) ** 2 for r in rets) / (n - 1)
    return math.sqrt(var) * math.sqrt(TRADING_DAYS)


def max_drawdown(values: Sequence[float]) -> float:
    """``max(1 - v_t / max_{s<=t} v_s)``; 0.0 for a series that never falls (or is empty)."""
    peak = -math.inf
    worst = 0.0
    for v in values:
        if v > peak:
            peak = v
        else:
            dd = 1.0 - v / peak
            if dd > worst:
                worst = dd
    return worst


def current_drawdown(values: Sequence[float]) -> float:
    """How far the last value sits below the highest value so far (0.0 at a new high)."""
    if not values:
        return 0.0
    return 1.0 - values[-1] / max(values)


def sharpe(ann_return: float, volatility: float | None, risk_free: float = DEFAULT_RISK_FREE) -> float | None:
    """``(annualised return - risk-free) / volatility``; None when volatility is zero or unknown."""
    if volatility is None or volatility <= 0:
        return None
    return (ann_return - risk_free) / volatility


def _window(series: Series, as_of: date, start_date: date) -> tuple[int, int] | None:
    end = period_start(series, as_of)
    start = period_start(series, start_date)
    if end is None or start is None or start >= end:
        return None
    return start, end


def period_return(series: Series, as_of: date, period: str) -> float | None:
    """Total return over a named period ending at the last NAV on or before ``as_of``."""
    if not series.dates:
        return None
    start_date, _ = period_bounds(as_of, period, series.dates[0])
    win = _window(series, as_of, start_date)
    if win is None:
        return None
    return series.values[win[1]] / series.values[win[0]] - 1.0


def returns_table(series: Series, as_of: date) -> dict[str, float | None]:
    """Every period in PERIODS -> total return (None where history is too short)."""
    return {p: period_return(series, as_of, p) for p in PERIODS}


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    """The metrics of one diagnosis window (1y or 3y)."""

    period: str
    start: date
    end: date
    total_return: float
    annualised_return: float
    volatility: float | None
    max_drawdown: float
    sharpe: float | None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Diagnosis windows by period; a window is None when history does not cover it."""

    as_of: date
    windows: Mapping[str, WindowMetrics | None]


def window_metrics(
    series: Series, as_of: date, period: str, risk_free: float = DEFAULT_RISK_FREE
) -> WindowMetrics | None:
    """Return, annualised return, volatility, max drawdown and Sharpe over one named period."""
    if not series.dates:
        return None
    start_date, _ = period_bounds(as_of, period, series.dates[0])
    win = _window(series, as_of, start_date)
    if win is None:
        return None
    s, e = win
    values = series.values[s : e + 1]
    days = (series.dates[e] - series.dates[s]).days
    ann = annualised_return(values[0], values[-1], days)
    vol = annualised_volatility(values)
    return WindowMetrics(
        period=period,
        start=series.dates[s],
        end=series.dates[e],
        total_return=values[-1] / values[0] - 1.0,
        annualised_return=ann,
        volatility=vol,
        max_drawdown=max_drawdown(values),
        sharpe=sharpe(ann, vol, risk_free),
    )


def diagnose(series: Series, as_of: date, risk_free: float = DEFAULT_RISK_FREE) -> Diagnosis:
    """The 1y and 3y windows of a fund, for 基金诊断."""
    return Diagnosis(
        as_of=as_of,
        windows={p: window_metrics(series, as_of, p, risk_free) for p in DIAGNOSIS_PERIODS},
    )


def rank_within_type(
    metric_by_code: Mapping[str, float | None], code: str, higher_is_better: bool = True
) -> tuple[int, int] | None:
    """Competition rank (1 = best; ties share a rank) of ``code`` among funds with a value.

    Returns ``(rank, total)``, or None when ``code`` has no value.
    """
    mine = metric_by_code.get(code)
    if mine is None:
        return None
    known = [v for v in metric_by_code.values() if v is not None]
    better = sum(1 for v in known if (v > mine if higher_is_better else v < mine))
    return better + 1, len(known)


def last_on_or_before(series: Series, as_of: date) -> tuple[date, float] | None:
    """The latest adjusted point on or before ``as_of``."""
    i = period_start(series, as_of)
    return None if i is None else (series.dates[i], series.values[i])


@dataclass(frozen=True, slots=True)
class Verdict:
    """Plain-language bands for a diagnosis window; templates turn them into words for each audience.

    ``rank_band`` is a quartile of the Sharpe rank within the fund's type (None without peers).
    """

    rank_band: str | None  # "top" | "upper" | "lower" | "bottom"
    risk_band: str | None  # "low" | "medium" | "high" (annualised volatility)
    drawdown_band: str  # "mild" | "moderate" | "deep"
    beat_risk_free: bool


def verdict(
    window: WindowMetrics, rank: tuple[int, int] | None, risk_free: float = DEFAULT_RISK_FREE
) -> Verdict:
    """Band a window's metrics: volatility <5% low, <15% medium; drawdown <5% mild, <20% moderate."""
    rank_band = None
    if rank is not None and rank[1] > 1:
        q = (rank[0] - 1) / rank[1]
        rank_band = "top" if q < 0.25 else "upper" if q < 0.5 else "lower" if q < 0.75 else "bottom"
    vol = window.volatility
    risk_band = None if vol is None else "low" if vol < 0.05 else "medium" if vol < 0.15 else "high"
    dd = window.max_drawdown
    drawdown_band = "mild" if dd < 0.05 else "moderate" if dd < 0.20 else "deep"
    return Verdict(rank_band, risk_band, drawdown_band, window.annualised_return > risk_free)


@dataclass(frozen=True, slots=True)
class Position:
    """One holding of a customer: market value and the fund's risk level (1-5 for R1-R5)."""

    code: str
    value: float
    risk_level: int


@dataclass(frozen=True, slots=True)
class HoldingsSummary:
    """What 客户持仓诊断 reports: concentration, suitability gaps and current drawdowns."""

    total_value: float
    weights: Mapping[str, float]
    largest_code: str
    largest_share: float
    hhi: float  # Herfindahl index: sum of squared weights; 1.0 = a single fund
    over_risk: tuple[str, ...]  # positions whose R-level exceeds the customer's C-level
    drawdowns: Mapping[str, float | None]  # current drawdown from the highest NAV so far


def holdings_summary(
    positions: Sequence[Position],
    customer_level: int,
    series_by_code: Mapping[str, Series],
    as_of: date,
) -> HoldingsSummary:
    """Summarise a customer's holdings; positions of the same fund are added together."""
    if not 1 <= customer_level <= 5:
        raise ValueError(f"customer risk level must be C1-C5, got {customer_level}")
    values: dict[str, float] = {}
    levels: dict[str, int] = {}
    for pos in positions:
        if pos.value < 0 or not math.isfinite(pos.value):
            raise ValueError(f"position {pos.code}: value must be non-negative, got {pos.value!r}")
        if not 1 <= pos.risk_level <= 5:
            raise ValueError(f"position {pos.code}: risk level must be R1-R5, got {pos.risk_level}")
        values[pos.code] = values.get(pos.code, 0.0) + pos.value
        levels[pos.code] = pos.risk_level
    total = sum(values.values())
    if total <= 0:
        raise ValueError("holdings have no value")
    weights = {code: v / total for code, v in values.items()}
    largest = max(weights, key=lambda c: weights[c])
    drawdowns: dict[str, float | None] = {}
    for code in values:
        series = series_by_code.get(code)
        end = None if series is None else period_start(series, as_of)
        if series is None or end is None:
            drawdowns[code] = None
        else:
            drawdowns[code] = current_drawdown(series.values[: end + 1])
    return HoldingsSummary(
        total_value=total,
        weights=weights,
        largest_code=largest,
        largest_share=weights[largest],
        hhi=sum(w * w for w in weights.values()),
        over_risk=tuple(c for c in values if levels[c] > customer_level),
        drawdowns=drawdowns,
    )
