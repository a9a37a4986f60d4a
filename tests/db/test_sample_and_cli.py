"""SYNTHETIC sample data (shape, determinism, loading twice) and the db/import subcommands."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import commands
from bot.db.models import Customer, CustomerGroup, Fund, FundNav, Holding
from bot.db.sample_data import load_sample_data, sample_funds, sample_navs, write_sample_csvs
from bot.sandbox.corp import build_corp

END = date(2026, 11, 27)


def test_sample_funds_cover_every_type_and_risk_level() -> None:
    funds = sample_funds()
    assert len(funds) >= 30 and len({f.code for f in funds}) == len(funds)
    assert {f.type for f in funds} == {"money_market", "bond", "mixed", "equity", "index", "qdii"}
    assert {f.risk_level for f in funds} == {"R1", "R2", "R3", "R4", "R5"}
    assert all(f.name.startswith("示例") and "合成数据" in f.company for f in funds)  # marked synthetic


def test_sample_navs_are_weekday_years_long_deterministic_and_some_pay_dividends() -> None:
    funds = sample_funds()
    navs = list(sample_navs(funds, END))
    assert navs == list(sample_navs(funds, END))
    assert all(day.weekday() < 5 and nav > 0 for _code, day, nav, _acc in navs)
    first = min(day for _c, day, _n, _a in navs)
    assert (END - first).days > 5 * 365
    assert any(
        acc > nav for code, _d, nav, acc in navs if code in {f.code for f in funds if f.type == "bond"}
    )
    shorter = {(c, d): n for c, d, n, _a in sample_navs(funds, date(2026, 6, 30))}
    assert all(shorter[(c, d)] == n for c, d, n, _a in navs if (c, d) in shorter)  # later end only appends


async def test_load_sample_data_twice_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    corp = build_corp()
    first = await load_sample_data(sessionmaker, corp, end=END)
    assert first["navs"].inserted > 30 * 5 * 250
    second = await load_sample_data(sessionmaker, corp, end=END)
    assert all(r.inserted == r.updated == r.deleted == 0 for r in second.values())
    async with sessionmaker() as session:
        tiers = set((await session.execute(select(Customer.tier))).scalars())
        assert tiers == {"long_tail", "affluent", "hnw"}
        for model, expected in ((Fund, len(sample_funds())), (CustomerGroup, len(corp.groups))):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == expected
        assert (await session.execute(select(func.count()).select_from(Holding))).scalar_one() > len(
            corp.customers
        )
        latest = (await session.execute(select(func.max(FundNav.date)))).scalar_one()
        assert latest == END


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wecombot")
    commands.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(*argv: str) -> int:
    args = _parser().parse_args(argv)
    return int(args.handler(args))


def test_cli_upgrade_import_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    paths = write_sample_csvs(tmp_path / "csv", build_corp(customers=5), END)
    assert _run("import", "funds", str(paths["funds"])) == 1
    assert "run `wecombot db upgrade`" in capsys.readouterr().err
    assert _run("db", "upgrade") == 0
    assert _run("db", "current") == 0
    assert _run("import", "funds", str(paths["funds"])) == 0
    assert "36 inserted" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("code,date,nav,acc_nav\n000001,2026-13-01,1,1\n", encoding="utf-8")
    assert _run("import", "navs", str(bad)) == 2
    assert "line 2: date '2026-13-01' is not an ISO date" in capsys.readouterr().err
    assert _run("db", "downgrade", "base") == 0
    assert _run("db", "current") == 1
