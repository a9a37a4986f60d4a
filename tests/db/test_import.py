"""Bank CSV import: good files, bad rows reported by line (nothing imported), re-import is a no-op."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.importer import CsvImportError, import_csv
from bot.db.models import CorpTag, CorpTagGroup, Customer, CustomerTag, Fund, FundNav, Holding, Staff

FUNDS = """code,name,type,risk_level,manager,company,inception_date,mgmt_fee,custody_fee
000001,示例成长混合A（合成数据）,mixed,R3,张经理,示例基金（合成）,2015-03-02,0.012,0.002
000002,示例货币A（合成数据）,货币型,R1,李经理,示例基金（合成）,2013-06-18,0.0027,0.0008
"""
NAVS = """code,date,nav,acc_nav
000001,2026-11-26,1.2345,1.5345
000001,2026-11-27,1.2400,1.5400
000002,2026-11-27,1.0000,1.0000
"""
CUSTOMERS = """external_userid,name,tier,aum_band,risk_level,rm_userid,birthday,opt_out,tags
wmSyntheticCustomer0001,王女士,hnw,300-1000万,C4,rm_zhangwei,1975-04-12,false,高净值;基金定投
wmSyntheticCustomer0002,李先生,long_tail,<5万,C2,rm_lina,,0,
"""
HOLDINGS = """external_userid,fund_code,shares,cost,purchase_date,maturity_date
wmSyntheticCustomer0001,000001,10000.5000,12000.00,2025-01-15,
wmSyntheticCustomer0001,000002,500,500.00,2026-01-05,2027-01-05
wmSyntheticCustomer0002,000002,100,100,2026-06-01,
"""


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def seed_tags(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        session.add(CorpTagGroup(group_id="etGroupTier", name="客户层级"))
        session.add(CorpTagGroup(group_id="etGroupInterest", name="兴趣"))
        await session.flush()
        session.add(CorpTag(tag_id="etTagHnw", group_id="etGroupTier", name="高净值"))
        session.add(CorpTag(tag_id="etTagSip", group_id="etGroupInterest", name="基金定投"))


async def load_all(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await seed_tags(sessionmaker)
    await import_csv(sessionmaker, "funds", write(tmp_path, "funds.csv", FUNDS))
    await import_csv(sessionmaker, "navs", write(tmp_path, "navs.csv", NAVS))
    await import_csv(sessionmaker, "customers", write(tmp_path, "customers.csv", CUSTOMERS))
    await import_csv(sessionmaker, "holdings", write(tmp_path, "holdings.csv", HOLDINGS))


async def test_good_files_import(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await load_all(sessionmaker, tmp_path)
    async with sessionmaker() as session:
        fund = await session.get(Fund, "000002")
        assert fund is not None and fund.type == "money_market" and fund.mgmt_fee == Decimal("0.0027")
        nav = await session.get(FundNav, ("000001", date(2026, 11, 26)))
        assert nav is not None and nav.nav == Decimal("1.2345") and nav.acc_nav == Decimal("1.5345")
        customer = await session.get(Customer, "wmSyntheticCustomer0001")
        assert customer is not None and customer.tier == "hnw" and customer.risk_level == "C4"
        tags = (
            (await session.execute(select(CustomerTag.tag_id).order_by(CustomerTag.tag_id))).scalars().all()
        )
        assert list(tags) == ["etTagHnw", "etTagSip"]
        stub = await session.get(Staff, "rm_lina")
        assert stub is not None and stub.role == "rm"
        holding = (await session.execute(select(Holding).where(Holding.fund_code == "000001"))).scalar_one()
        assert holding.shares == Decimal("10000.5") and holding.cost == Decimal("12000")
    assert await count(sessionmaker, Holding) == 3


@pytest.mark.parametrize(
    "kind,content", [("funds", FUNDS), ("navs", NAVS), ("customers", CUSTOMERS), ("holdings", HOLDINGS)]
)
async def test_reimport_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path, kind: str, content: str
) -> None:
    await load_all(sessionmaker, tmp_path)
    report = await import_csv(sessionmaker, kind, write(tmp_path, f"again-{kind}.csv", content))
    assert (report.inserted, report.updated, report.deleted) == (0, 0, 0)
    assert report.unchanged == report.rows > 0


async def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    bad = FUNDS + (
        "12345,坏代码,mixed,R3,,,2020-01-01,0.01,0.002\n"
        "000003,坏风险,equity,R9,,,2020-01-01,0.01,0.002\n"
        "000004,坏日期,equity,R4,,,2020/01/01,0.01,0.002\n"
        "000005,负费率,bond,R2,,,2020-01-01,-0.01,0.002\n"
        "000001,重复,mixed,R3,,,2020-01-01,0.01,0.002\n"
    )
    with pytest.raises(CsvImportError) as caught:
        await import_csv(sessionmaker, "funds", write(tmp_path, "bad.csv", bad))
    lines = [(problem.line, problem.reason) for problem in caught.value.problems]
    assert [line for line, _ in lines] == [4, 5, 6, 7, 8]
    assert "not a 6-digit fund code" in lines[0][1]
    assert "R9" in lines[1][1] and "ISO date" in lines[2][1] and "at least 0" in lines[3][1]
    assert "duplicate of line 2" in lines[4][1]
    assert "line 4:" in str(caught.value)
    assert await count(sessionmaker, Fund) == 0


async def test_rows_that_do_not_match_the_database_import_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await import_csv(sessionmaker, "funds", write(tmp_path, "funds.csv", FUNDS))
    navs = NAVS + "999999,2026-11-27,1.0,1.0\n"
    with pytest.raises(CsvImportError, match="line 5: unknown fund 999999"):
        await import_csv(sessionmaker, "navs", write(tmp_path, "navs.csv", navs))
    assert await count(sessionmaker, FundNav) == 0
    with pytest.raises(CsvImportError, match="unknown corp tag '高净值'"):
        await import_csv(sessionmaker, "customers", write(tmp_path, "customers.csv", CUSTOMERS))
    assert await count(sessionmaker, Customer) == 0


async def test_header_problems_are_line_1(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    with pytest.raises(
        CsvImportError, match=r"line 1: missing column\(s\): acc_nav; unknown column\(s\): accnav"
    ):
        await import_csv(sessionmaker, "navs", write(tmp_path, "navs.csv", "code,date,nav,accnav\n"))


async def test_holdings_are_a_snapshot_per_customer(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_all(sessionmaker, tmp_path)
    sold = (
        "external_userid,fund_code,shares,cost,purchase_date\n"
        "wmSyntheticCustomer0001,000001,2000,2400,2025-01-15\n"
    )
    report = await import_csv(sessionmaker, "holdings", write(tmp_path, "h2.csv", sold))
    assert (report.updated, report.deleted) == (1, 1)
    assert await count(sessionmaker, Holding) == 2  # the other customer's position is untouched


async def test_import_never_clears_an_opt_out(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_all(sessionmaker, tmp_path)
    async with sessionmaker() as session, session.begin():
        customer = await session.get(Customer, "wmSyntheticCustomer0002")
        assert customer is not None
        customer.opt_out = True
    await import_csv(sessionmaker, "customers", write(tmp_path, "c2.csv", CUSTOMERS))
    async with sessionmaker() as session:
        customer = await session.get(Customer, "wmSyntheticCustomer0002")
        assert customer is not None and customer.opt_out is True
