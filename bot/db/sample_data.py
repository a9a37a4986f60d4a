"""SYNTHETIC sample data for the demo and the tests — not real funds, prices or people.

Deterministic generators write the four bank CSV files (funds, NAVs, customers, holdings) from a seed and
the synthetic corp of :mod:`bot.sandbox.corp`; :func:`load_sample_data` loads them through the same
import code path a bank's files take, after storing the corp's staff, tags, relations and groups.
Fund names start with 示例 and the companies are marked 合成数据 so nobody mistakes them for real ones.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import people_repo
from bot.db.importer import ImportReport, import_csv
from bot.sandbox.corp import SyntheticCorp

SYNTHETIC = "SYNTHETIC sample data — not real funds, prices or people"
SAMPLE_START = date(2021, 1, 4)
SAMPLE_SEED = 2026

# type: (label, count, annual drift, annual volatility, market beta, risk levels, mgmt fee, custody fee)
_TYPES: dict[str, tuple[str, int, float, float, float, tuple[str, ...], str, str]] = {
    "money_market": ("货币", 5, 0.018, 0.0, 0.0, ("R1",), "0.0027", "0.0008"),
    "bond": ("债券", 7, 0.035, 0.025, 0.05, ("R1", "R2", "R2"), "0.003", "0.001"),
    "mixed": ("混合", 8, 0.06, 0.16, 0.7, ("R3", "R3", "R4"), "0.012", "0.002"),
    "equity": ("股票", 6, 0.07, 0.23, 1.0, ("R4", "R5"), "0.012", "0.002"),
    "index": ("指数", 6, 0.055, 0.21, 1.05, ("R4",), "0.005", "0.001"),
    "qdii": ("QDII", 4, 0.07, 0.19, 0.4, ("R4", "R5"), "0.015", "0.003"),
}
_THEMES = ("成长", "价值", "稳健", "红利", "科技", "消费", "医疗", "均衡", "优选", "安享", "恒利", "远见")
_INDEXES = ("沪深300", "中证500", "创业板", "中证红利", "科创50", "中证1000")
_COMPANIES = (
    "示例基金管理有限公司（合成数据）",
    "样本资产管理有限公司（合成数据）",
    "演示基金管理有限公司（合成数据）",
)
_MANAGERS = ("林一凡", "周启明", "吴佳慧", "郑海川", "许静怡", "冯子墨", "何思远", "宋晓岚")
# Codes the synthetic corp's contact-way States refer to (fund_page_000001, fund_page_110022).
_FIXED_CODES = ("000001", "110022")
_TIER_AMOUNT = {"long_tail": (1_000, 40_000), "affluent": (50_000, 500_000), "hnw": (300_000, 3_000_000)}


@dataclass(frozen=True)
class SampleFund:
    code: str
    name: str
    short_name: str
    type: str
    risk_level: str
    manager: str
    manager_since: date
    company: str
    inception_date: date
    mgmt_fee: str
    custody_fee: str


def _q(value: float, places: str = "0.0001") -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def weekdays(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def default_end(today: date | None = None) -> date:
    """The last weekday before ``today`` (the NAV a customer would see this morning)."""
    day = (today or datetime.now(UTC).date()) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def sample_funds(seed: int = SAMPLE_SEED) -> list[SampleFund]:
    """About 36 SYNTHETIC funds across every type and risk level R1-R5."""
    rng = random.Random(seed)
    codes = list(_FIXED_CODES)
    while len(codes) < sum(spec[1] for spec in _TYPES.values()):
        code = f"{rng.randint(1, 999_999):06d}"
        if code not in codes:
            codes.append(code)
    funds: list[SampleFund] = []
    for fund_type, (label, count, _mu, _vol, _beta, levels, mgmt, custody) in _TYPES.items():
        for i in range(count):
            theme = (
                _INDEXES[i % len(_INDEXES)]
                if fund_type == "index"
                else _THEMES[(i * 5 + len(funds)) % len(_THEMES)]
            )
            short = f"示例{theme}{label}" if fund_type != "index" else f"示例{theme}指数"
            share_class = "A" if i % 3 else "C"
            inception = (
                SAMPLE_START - timedelta(days=rng.randint(0, 2500))
                if i % 4
                else date(2023, 3, 1) + timedelta(days=rng.randint(0, 600))
            )
            manager_since = max(inception, date(2018, 1, 1) + timedelta(days=rng.randint(0, 2400)))
            funds.append(
                SampleFund(
                    code=codes[len(funds)],
                    name=f"{short}{share_class}",
                    short_name=short,
                    type=fund_type,
                    risk_level=levels[i % len(levels)],
                    manager=_MANAGERS[len(funds) % len(_MANAGERS)],
                    manager_since=manager_since,
                    company=_COMPANIES[len(funds) % len(_COMPANIES)],
                    inception_date=inception,
                    mgmt_fee=mgmt,
                    custody_fee=custody,
                )
            )
    return funds


def sample_navs(
    funds: list[SampleFund], end: date, seed: int = SAMPLE_SEED
) -> Iterator[tuple[str, date, Decimal, Decimal]]:
    """Daily weekday NAVs from a seeded random walk with a shared market factor.

    The walk always starts at the same date, so a later ``end`` only appends days: values for a given
    date never change. Some bond and mixed funds distribute a yearly dividend, so ``acc_nav`` > ``nav``.
    """
    days = list(weekdays(SAMPLE_START, end))
    market_rng = random.Random(seed * 7919)
    market = [market_rng.gauss(0.0, 0.012) for _ in days]
    for index, fund in enumerate(funds):
        _label, _count, mu, vol, beta, *_ = _TYPES[fund.type]
        rng = random.Random(f"{seed}:{fund.code}")
        nav = acc = 1.0
        pays_dividend = fund.type in ("bond", "mixed") and index % 2 == 0
        idio = math.sqrt(max(vol**2 - (beta * 0.012 * math.sqrt(252)) ** 2, (vol * 0.3) ** 2)) / math.sqrt(
            252
        )
        for day, shock in zip(days, market, strict=True):
            if day < fund.inception_date:
                continue
            if fund.type == "money_market":
                acc *= 1 + mu / 365 * (3 if day.weekday() == 4 else 1)  # Friday accrues the weekend
                yield fund.code, day, Decimal("1.0000"), _q(acc)
                continue
            ret = mu / 252 + beta * shock + rng.gauss(0.0, idio)
            nav *= math.exp(ret)
            acc *= math.exp(ret)
            if pays_dividend and day.month == 12 and day.day <= 7 and day.weekday() == 0 and nav > 1.05:
                nav -= round(nav * 0.03, 4)  # ex-dividend: nav drops, accumulated nav does not
            yield fund.code, day, _q(nav), _q(max(acc, nav))


def _write(path: Path, header: list[str], rows: Iterator[list[object]] | list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _holdings(
    corp: SyntheticCorp, funds: list[SampleFund], navs: dict[tuple[str, date], Decimal], end: date, seed: int
) -> list[list[object]]:
    rng = random.Random(seed + 17)
    rows: list[list[object]] = []
    for customer in corp.customers:
        tolerance = int(customer.risk_level[1])
        suitable = [fund for fund in funds if int(fund.risk_level[1]) <= tolerance]
        low, high = _TIER_AMOUNT[customer.tier]
        for fund in rng.sample(suitable, min(len(suitable), rng.randint(1, 4))):
            days = [
                d
                for d in weekdays(max(fund.inception_date, end - timedelta(days=1000)), end)
                if (fund.code, d) in navs
            ]
            if not days:
                continue
            bought = rng.choice(days[: max(1, len(days) - 5)])
            amount = _q(rng.uniform(low, high) / (2 if customer.tier == "hnw" else 1), "0.01")
            shares = (amount / navs[(fund.code, bought)]).quantize(Decimal("0.0001"))
            maturity = ""
            if fund.type == "bond" and rng.random() < 0.5:  # holding-period products: some mature soon
                maturity = (end + timedelta(days=rng.randint(3, 45))).isoformat()
            rows.append([customer.external_userid, fund.code, shares, amount, bought.isoformat(), maturity])
    return rows


def write_sample_csvs(
    directory: Path, corp: SyntheticCorp, end: date | None = None, seed: int = SAMPLE_SEED
) -> dict[str, Path]:
    """Write funds.csv, navs.csv, customers.csv and holdings.csv (all SYNTHETIC) into ``directory``."""
    end = end or default_end()
    directory.mkdir(parents=True, exist_ok=True)
    funds = sample_funds(seed)
    navs = list(sample_navs(funds, end, seed))
    nav_by_key = {(code, day): nav for code, day, nav, _acc in navs}
    fund_header = [
        "code",
        "name",
        "short_name",
        "type",
        "risk_level",
        "manager",
        "manager_since",
        "company",
        "inception_date",
        "mgmt_fee",
        "custody_fee",
    ]
    customer_header = [
        "external_userid",
        "name",
        "tier",
        "aum_band",
        "risk_level",
        "rm_userid",
        "birthday",
        "opt_out",
        "gender",
        "consent",
        "tags",
    ]
    return {
        "funds": _write(
            directory / "SYNTHETIC-funds.csv",
            fund_header,
            [
                [
                    getattr(f, name)
                    if not isinstance(getattr(f, name), date)
                    else getattr(f, name).isoformat()
                    for name in fund_header
                ]
                for f in funds
            ],
        ),
        "navs": _write(
            directory / "SYNTHETIC-navs.csv",
            ["code", "date", "nav", "acc_nav"],
            ([c, d.isoformat(), n, a] for c, d, n, a in navs),
        ),
        "customers": _write(
            directory / "SYNTHETIC-customers.csv",
            customer_header,
            [
                [
                    c.external_userid,
                    c.name,
                    c.tier,
                    c.aum_band,
                    c.risk_level,
                    c.rm_userid,
                    c.birthday.isoformat(),
                    "true" if i % 29 == 28 else "false",
                    c.gender,
                    "false" if i % 11 == 10 else "true",
                    ";".join(c.tags),
                ]
                for i, c in enumerate(corp.customers)
            ],
        ),
        "holdings": _write(
            directory / "SYNTHETIC-holdings.csv",
            ["external_userid", "fund_code", "shares", "cost", "purchase_date", "maturity_date"],
            _holdings(corp, funds, nav_by_key, end, seed),
        ),
    }


async def store_corp(sessionmaker: async_sessionmaker[AsyncSession], corp: SyntheticCorp) -> None:
    """Staff, corp tags, follow relations and groups of the synthetic corp (what a WeCom sync would store)."""
    async with sessionmaker() as session, session.begin():
        for member in corp.members:
            await people_repo.ensure_staff(
                session,
                member.userid,
                name=member.name,
                role=member.role,
                department=member.department,
                mobile=member.mobile,
                can_contact_customers=member.role == "rm",
            )
        await people_repo.replace_corp_tags(
            session,
            [
                {
                    "group_id": g.group_id,
                    "group_name": g.group_name,
                    "tag": [{"id": t.id, "name": t.name} for t in g.tags],
                }
                for g in corp.tag_groups
            ],
        )
        added = datetime.combine(SAMPLE_START, time(9), tzinfo=UTC)
        for customer in corp.customers:
            await people_repo.ensure_customer(
                session, customer.external_userid, name=customer.name, gender=customer.gender
            )
            await people_repo.follow(
                session, customer.external_userid, customer.rm_userid, state=customer.state, added_at=added
            )
        for group in corp.groups:
            members = [{"member_id": group.owner_userid, "member_type": 1}]
            members += [
                {"member_id": external_userid, "member_type": 2}
                for external_userid in group.member_external_userids
            ]
            await people_repo.replace_group(
                session,
                group.chat_id,
                {"name": group.name, "owner_userid": group.owner_userid, "kind": group.kind},
                members,
            )


async def load_sample_data(
    sessionmaker: async_sessionmaker[AsyncSession],
    corp: SyntheticCorp,
    *,
    end: date | None = None,
    seed: int = SAMPLE_SEED,
) -> dict[str, ImportReport]:
    """Store the synthetic corp and import the SYNTHETIC CSVs; running it twice changes nothing."""
    await store_corp(sessionmaker, corp)
    reports: dict[str, ImportReport] = {}
    with tempfile.TemporaryDirectory(prefix="wecombot-sample-") as tmp:
        paths = write_sample_csvs(Path(tmp), corp, end, seed)
        for kind in ("funds", "navs", "customers", "holdings"):
            reports[kind] = await import_csv(sessionmaker, kind, paths[kind])
    return reports
