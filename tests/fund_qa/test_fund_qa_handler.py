"""Fund Q&A through the real router (``wecombot chat`` path) over the SYNTHETIC sample database.

Figures are checked against values computed here independently from the stored NAVs, wording against
what each audience must (not) see, and the rules: disclosure, suitability, the compliance gate.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import keys
from bot.commands.chat import say
from bot.compliance import ComplianceGate
from bot.db.importer import import_csv
from bot.db.models import Customer, Fund, FundNav, Holding
from tests.fund_qa.stack import SAMPLE_END, sample_stack

DISCLOSURE = "市场有风险，投资需谨慎"


async def _navs(stack: Any, code: str) -> list[tuple[date, float, float]]:
    async with stack.service[keys.DB]() as session:
        rows = await session.execute(
            select(FundNav.date, FundNav.nav, FundNav.acc_nav)
            .where(FundNav.fund_code == code)
            .order_by(FundNav.date)
        )
        return [(d, float(n), float(a)) for d, n, a in rows]


async def _fund(stack: Any, **where: Any) -> Fund:
    async with stack.service[keys.DB]() as session:
        query = select(Fund).filter_by(**where).order_by(Fund.code)
        return (await session.execute(query)).scalars().first()


def _one_year_return(navs: list[tuple[date, float, float]]) -> float:
    """Hand computation for a fund without dividends: last NAV / last NAV on or before a year earlier."""
    end_day, end_nav, _ = navs[-1]
    start_nav = [n for d, n, _ in navs if d <= end_day.replace(year=end_day.year - 1)][-1]
    return end_nav / start_nav - 1


async def test_manager_diagnosis_has_the_figures(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        fund = await _fund(stack, type="equity")
        navs = await _navs(stack, fund.code)
        assert all(abs(n - a) < 1e-9 for _, n, a in navs)  # no dividends: the series is the NAV itself
        rm = stack.corp.rms()[0].userid
        reply = await say(stack, f"诊断 {fund.code}", rm, None)
        expected = _one_year_return(navs)
        assert f"区间收益 {expected * 100:+.2f}%" in reply
        for word in ("年化收益", "年化波动率", "最大回撤", "夏普比率", "夏普排名", "近3年", DISCLOSURE):
            assert word in reply


async def test_long_tail_customer_gets_plain_words(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = next(c for c in stack.corp.customers if c.tier == "long_tail")
        fund = await _fund(stack, risk_level="R1")
        reply = await say(stack, f"帮我诊断一下{fund.code}", None, c.external_userid)
        assert "过去一年" in reply and DISCLOSURE in reply
        assert "夏普" not in reply and "波动率" not in reply


async def test_fund_above_the_customers_tolerance_gets_the_suitability_explanation(
    sample_db: Path, tmp_path: Path
) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = next(c for c in stack.corp.customers if c.risk_level in ("C1", "C2"))
        fund = await _fund(stack, risk_level="R5")
        reply = await say(stack, f"{fund.code}值得买吗", None, c.external_userid)
        assert "适当性" in reply and c.risk_level in reply and DISCLOSURE in reply
        assert "收益" not in reply.replace("收益表现", "")  # no returns, nothing that reads as advice
        facts = await say(stack, f"{fund.code}净值", None, c.external_userid)
        assert "最新单位净值" in facts and "不能向您推荐" in facts  # plain facts, with the note


async def test_every_customer_answer_carries_the_disclosure_and_passes_the_gate(
    sample_db: Path, tmp_path: Path
) -> None:
    gate = ComplianceGate.from_config()
    async with sample_stack(sample_db, tmp_path) as stack:
        c = next(c for c in stack.corp.customers if c.risk_level == "C5")
        fund = await _fund(stack, type="mixed")
        other = await _fund(stack, type="bond")
        code = fund.code
        questions = (
            f"{code}净值", f"{fund.short_name}近一年收益", f"{code}风险等级", f"{code}基金经理",
            f"{code}管理费", f"{code}是什么类型", f"{code}规模", f"诊断 {code}",
            f"{code}和{other.code}哪个好", "赎回几天到账", "R3是什么意思", "诊断 999998",
        )  # fmt: skip
        for text in questions:
            reply = await say(stack, text, None, c.external_userid)
            assert DISCLOSURE in reply, text
            assert gate.check(reply, kind="fund").passed, (text, reply)


async def test_blocked_answer_is_replaced_by_a_safe_fallback(sample_db: Path, tmp_path: Path) -> None:
    real = ComplianceGate.from_config()

    class Strict:
        def check(self, text: str, **kw: Any) -> Any:
            result = real.check(text, **kw)
            return type(result)(**{**result.__dict__, "passed": "数据截至" not in text and result.passed})

        def warm_up(self) -> None:
            real.warm_up()

    async with sample_stack(sample_db, tmp_path, compliance=Strict()) as stack:
        c = next(c for c in stack.corp.customers if c.risk_level == "C5")
        fund = await _fund(stack, risk_level="R1")
        reply = await say(stack, f"诊断 {fund.code}", None, c.external_userid)
        assert "暂时无法自动回答" in reply and DISCLOSURE in reply
        assert stack.service[keys.DISPATCHER].resources.services["fund_qa"].blocked == 1


async def test_imported_fund_is_answerable_at_once(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        rm = stack.corp.rms()[0].userid
        assert "没有找到" in await say(stack, "诊断 777001", rm, None)
        funds = tmp_path / "funds.csv"
        funds.write_text(
            "code,name,short_name,type,risk_level,manager,company,inception_date,mgmt_fee,custody_fee\n"
            "777001,示例新发测试混合A,示例新发测试,mixed,R3,测试经理,示例基金管理有限公司（合成数据）,"
            "2024-01-02,0.012,0.002\n",
            encoding="utf-8",
        )
        lines, day, nav = ["code,date,nav,acc_nav"], date(2024, 1, 2), 1.0
        while day <= SAMPLE_END:  # SYNTHETIC: +0.05% every weekday
            if day.weekday() < 5:
                lines.append(f"777001,{day},{nav:.4f},{nav:.4f}")
                nav *= 1.0005
            day += timedelta(days=1)
        navs = tmp_path / "navs.csv"
        navs.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = stack.service[keys.DB]
        await import_csv(db, "funds", funds)
        await import_csv(db, "navs", navs)
        reply = await say(stack, "基金诊断 示例新发测试", rm, None)
        stored = await _navs(stack, "777001")
        assert f"区间收益 {_one_year_return(stored) * 100:+.2f}%" in reply
        assert "最大回撤 0.00%" in reply
        volatility = float(re.search(r"年化波动率 ([0-9.]+)%", reply).group(1))  # type: ignore[union-attr]
        assert volatility < 0.2  # a steady climb; only the 4-decimal rounding of NAVs moves it at all
        assert "近3年**：成立时间不足" in reply


async def test_holdings_diagnosis_for_a_managers_own_customer(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        rm = stack.corp.rms()[0]
        async with stack.service[keys.DB]() as session:
            held = set((await session.execute(select(Holding.external_userid))).scalars())
            names = {c.external_userid: c.name for c in (await session.execute(select(Customer))).scalars()}
        mine = [c for c in stack.corp.customers_of(rm.userid) if c.external_userid in held]
        unique = next(c for c in mine if list(names.values()).count(c.name) == 1)
        reply = await say(stack, f"客户持仓诊断 {unique.name}", rm.userid, None)
        assert f"客户持仓诊断：{unique.name}" in reply and "集中度" in reply and "适当性" in reply
        ops = next(m for m in stack.corp.members if m.role == "ops")
        assert "仅对客户经理开放" in await say(stack, f"客户持仓诊断 {unique.name}", ops.userid, None)
        other = next(
            c for c in stack.corp.customers if c.rm_userid != rm.userid and names[c.external_userid] != ""
        )
        if list(names.values()).count(other.name) == 1 and other.name not in {c.name for c in mine}:
            assert "没有找到" in await say(stack, f"客户持仓诊断 {other.name}", rm.userid, None)


async def test_near_miss_and_comparison(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        rm = stack.corp.rms()[0].userid
        a, b = await _fund(stack, type="bond"), await _fund(stack, type="equity")
        reply = await say(stack, f"比较 {a.code} {b.code}", rm, None)
        assert a.code in reply and b.code in reply and "近3年" in reply
        misspelt = a.name[:-2] + a.name[-1]  # a missing character
        assert a.code in await say(stack, f"{misspelt}净值", rm, None)
        assert math.isfinite(1.0)
