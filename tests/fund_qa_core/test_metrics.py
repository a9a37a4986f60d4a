"""Fund metrics against values worked out by hand on small (synthetic) series."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from handlers.fund_metrics import (
    NavPoint,
    Position,
    WindowMetrics,
    adjusted_series,
    annualised_return,
    annualised_volatility,
    current_drawdown,
    diagnose,
    holdings_summary,
    max_drawdown,
    period_bounds,
    period_return,
    period_start,
    rank_within_type,
    returns_table,
    risk_free_rate,
    sharpe,
    verdict,
)

D = date


def series_of(*rows: tuple[date, float] | tuple[date, float, float]):
    return adjusted_series([NavPoint(*row) for row in rows])


# Five daily NAVs 1.00, 1.10, 0.99, 1.05, 1.20 (acc_nav = nav: no dividends).
FIVE = [1.0, 1.1, 0.99, 1.05, 1.2]


def test_volatility_is_sample_std_of_daily_returns_times_sqrt_252() -> None:
    # daily returns: +0.10, -0.10, 1.05/0.99-1 = 0.0606061, 1.20/1.05-1 = 0.1428571
    # mean = 0.2034632 / 4 = 0.0508658
    # squared deviations: 0.0024142, 0.0227605, 0.0000949, 0.0084624 -> sum 0.0337319
    # sample variance (ddof=1) = 0.0337319 / 3 = 0.0112440; std = 0.1060376
    # annualised: 0.1060376 * sqrt(252) = 0.1060376 * 15.874508 = 1.6832952
    assert annualised_volatility(FIVE) == pytest.approx(1.6832952, abs=1e-6)


def test_volatility_needs_two_returns() -> None:
    assert annualised_volatility([1.0, 1.1]) is None
    assert annualised_volatility([1.0, 1.0, 1.0]) == 0.0


def test_max_drawdown_from_running_peak() -> None:
    # peak 1.10 then trough 0.99: 1 - 0.99 / 1.10 = 0.10; the later 1.20 is a new high
    assert max_drawdown(FIVE) == pytest.approx(0.10)
    # two falls: 2.0 -> 1.5 (25%) and 3.0 -> 2.4 (20%): the deeper one counts
    assert max_drawdown([1.0, 2.0, 1.5, 3.0, 2.4]) == pytest.approx(0.25)
    assert max_drawdown([1.0, 1.1, 1.2]) == 0.0
    # current drawdown: 1 - 2.4 / 3.0 = 0.20
    assert current_drawdown([1.0, 2.0, 1.5, 3.0, 2.4]) == pytest.approx(0.20)


def test_annualised_return_and_sharpe() -> None:
    # one year, +20% -> 20% a year; two years (730 days), +21% -> 1.21 ** 0.5 - 1 = 10% a year
    assert annualised_return(1.0, 1.2, 365) == pytest.approx(0.20)
    assert annualised_return(1.0, 1.21, 730) == pytest.approx(0.10)
    # (0.20 - 0.015) / 0.25 = 0.74
    assert sharpe(0.20, 0.25, 0.015) == pytest.approx(0.74)
    assert sharpe(0.20, 0.0) is None
    assert sharpe(0.20, None) is None
    with pytest.raises(ValueError):
        annualised_return(1.0, 1.2, 0)


def test_series_without_dividends_is_the_nav() -> None:
    s = series_of((D(2024, 1, 2), 1.0, 1.0), (D(2024, 1, 3), 1.1, 1.1), (D(2024, 1, 4), 1.05))
    assert s.values == (1.0, 1.1, 1.05)


def test_dividend_is_reinvested() -> None:
    # day 3: a 0.10 dividend is paid, NAV drops 1.10 -> 1.00 and acc_nav stays 1.10 (D: 0 -> 0.10)
    # S2 = S1 * (1.00 + 0.10) / 1.10 = 1.10; day 4: NAV 1.05, no dividend: S3 = 1.10 * 1.05 / 1.00 = 1.155
    # so the total return is 15.5% (NAV alone says 5%, acc_nav says 15%)
    s = series_of(
        (D(2024, 1, 2), 1.00, 1.00),
        (D(2024, 1, 3), 1.10, 1.10),
        (D(2024, 1, 4), 1.00, 1.10),
        (D(2024, 1, 5), 1.05, 1.15),
    )
    assert s.values == pytest.approx((1.00, 1.10, 1.10, 1.155))
    assert max_drawdown(s.values) == 0.0  # the dividend is not a loss


def test_bad_nav_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="increase"):
        series_of((D(2024, 1, 3), 1.0), (D(2024, 1, 2), 1.1))
    with pytest.raises(ValueError, match="increase"):
        series_of((D(2024, 1, 3), 1.0), (D(2024, 1, 3), 1.1))
    with pytest.raises(ValueError, match="positive"):
        series_of(
            (D(2024, 1, 3), 0.0),
        )


@pytest.mark.parametrize(
    ("as_of", "period", "start"),
    [
        (D(2024, 3, 31), "1m", D(2024, 2, 29)),  # clamped to the end of a leap February
        (D(2023, 3, 31), "1m", D(2023, 2, 28)),
        (D(2024, 5, 31), "3m", D(2024, 2, 29)),
        (D(2024, 8, 31), "6m", D(2024, 2, 29)),
        (D(2024, 1, 15), "1m", D(2023, 12, 15)),  # across the year
        (D(2024, 2, 29), "1y", D(2023, 2, 28)),
        (D(2024, 6, 30), "3y", D(2021, 6, 30)),
        (D(2024, 5, 10), "ytd", D(2023, 12, 31)),  # ytd starts at last year's final NAV
    ],
)
def test_period_bounds(as_of: date, period: str, start: date) -> None:
    assert period_bounds(as_of, period) == (start, as_of)


def test_period_bounds_refuses_unknown_or_incomplete() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        period_bounds(D(2024, 1, 1), "2w")
    with pytest.raises(ValueError, match="inception"):
        period_bounds(D(2024, 1, 1), "since_inception")


def test_period_starts_at_last_nav_on_or_before_start() -> None:
    s = series_of(
        (D(2024, 1, 5), 1.00),  # Friday
        (D(2024, 1, 8), 1.10),  # Monday
        (D(2024, 2, 5), 1.20),
        (D(2024, 2, 8), 1.32),
    )
    assert period_start(s, D(2024, 1, 7)) == 0  # Sunday -> Friday's NAV
    assert period_start(s, D(2024, 1, 8)) == 1  # on the day itself
    assert period_start(s, D(2024, 1, 4)) is None  # series starts after
    # as of Wed 7 Feb (no NAV): end = 5 Feb (1.20); 1m starts 7 Jan -> 5 Jan (1.00): +20%
    assert period_return(s, D(2024, 2, 7), "1m") == pytest.approx(0.20)
    # 3m would start 7 Nov 2023, before the first NAV: not enough history
    assert period_return(s, D(2024, 2, 7), "3m") is None
    # since inception: 1.32 / 1.00 - 1
    assert period_return(s, D(2024, 2, 8), "since_inception") == pytest.approx(0.32)
    table = returns_table(s, D(2024, 2, 8))
    assert table["ytd"] is None and table["1m"] == pytest.approx(0.20)


def _daily(start: date, days: int, growth: float, wobble: float = 0.0) -> list[NavPoint]:
    """SYNTHETIC NAVs, one per calendar day: compound daily growth, optionally +/- a wobble."""
    out, nav = [], 1.0
    for i in range(days):
        out.append(NavPoint(start + timedelta(days=i), nav))
        nav *= growth * (1 + (wobble if i % 2 else -wobble))
    return out


def test_diagnose_on_a_steady_series() -> None:
    # every day x1.0005: a year (365 days) returns 1.0005 ** 365 - 1; no volatility, no drawdown
    s = adjusted_series(_daily(D(2020, 1, 1), 4 * 365, 1.0005))
    diag = diagnose(s, D(2023, 12, 30))
    one = diag.windows["1y"]
    assert isinstance(one, WindowMetrics)
    assert one.start == D(2022, 12, 30) and one.end == D(2023, 12, 30)
    assert one.total_return == pytest.approx(1.0005**365 - 1)
    assert one.annualised_return == pytest.approx(1.0005**365 - 1)
    assert one.volatility == pytest.approx(0.0, abs=1e-9)
    assert one.max_drawdown == 0.0
    three = diag.windows["3y"]
    assert three is not None and three.annualised_return == pytest.approx(1.0005**365 - 1, rel=1e-3)


def test_diagnose_without_enough_history() -> None:
    s = adjusted_series(_daily(D(2023, 1, 1), 400, 1.0003, wobble=0.01))
    diag = diagnose(s, D(2024, 2, 1), risk_free=0.02)
    assert diag.windows["3y"] is None
    one = diag.windows["1y"]
    assert one is not None and one.volatility is not None and one.volatility > 0
    assert one.sharpe == pytest.approx((one.annualised_return - 0.02) / one.volatility)


def test_rank_within_type() -> None:
    sharpes = {"a": 1.0, "b": 2.0, "c": None, "d": 2.0, "e": 0.5}
    assert rank_within_type(sharpes, "b") == (1, 4)  # ties share the rank
    assert rank_within_type(sharpes, "d") == (1, 4)
    assert rank_within_type(sharpes, "a") == (3, 4)
    assert rank_within_type(sharpes, "c") is None
    assert rank_within_type(sharpes, "zzz") is None
    # drawdowns: lower is better
    assert rank_within_type({"a": 0.1, "b": 0.3}, "a", higher_is_better=False) == (1, 2)


def test_verdict_bands() -> None:
    w = WindowMetrics("1y", D(2023, 1, 1), D(2024, 1, 1), 0.1, 0.1, 0.12, 0.25, 0.7)
    v = verdict(w, (1, 8))
    assert (v.rank_band, v.risk_band, v.drawdown_band, v.beat_risk_free) == ("top", "medium", "deep", True)
    assert verdict(w, (8, 8)).rank_band == "bottom"
    assert verdict(w, None).rank_band is None


def test_holdings_summary() -> None:
    s = series_of((D(2024, 1, 2), 1.0), (D(2024, 1, 3), 1.25), (D(2024, 1, 4), 1.0))
    positions = [
        Position("000001", 40.0, 4),
        Position("000002", 30.0, 2),
        Position("000003", 10.0, 5),
        Position("000001", 20.0, 4),  # same fund twice: added together
    ]
    summary = holdings_summary(positions, 3, {"000001": s}, D(2024, 1, 4))
    # weights 0.6 / 0.3 / 0.1; HHI = 0.36 + 0.09 + 0.01 = 0.46
    assert summary.total_value == 100.0
    assert summary.largest_code == "000001" and summary.largest_share == pytest.approx(0.6)
    assert summary.hhi == pytest.approx(0.46)
    assert summary.over_risk == ("000001", "000003")  # R4 and R5 above a C3 customer
    # 1.25 -> 1.00: 20% below the high; no NAVs for the others
    assert summary.drawdowns == {"000001": pytest.approx(0.2), "000002": None, "000003": None}


def test_holdings_summary_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="C1-C5"):
        holdings_summary([Position("000001", 1.0, 3)], 6, {}, D(2024, 1, 1))
    with pytest.raises(ValueError, match="R1-R5"):
        holdings_summary([Position("000001", 1.0, 0)], 3, {}, D(2024, 1, 1))
    with pytest.raises(ValueError, match="no value"):
        holdings_summary([], 3, {}, D(2024, 1, 1))
    assert math.isfinite(holdings_summary([Position("000001", 1.0, 3)], 3, {}, D(2024, 1, 1)).hhi)


def test_risk_free_rate_from_config() -> None:
    assert risk_free_rate({}) == 0.015
    assert risk_free_rate({"risk_free_rate": 0.02}) == 0.02
    for bad in ("2%", 1.5, -0.01, True):
        with pytest.raises(ValueError, match="risk_free_rate"):
            risk_free_rate({"risk_free_rate": bad})
