"""FAQ search over the shipped knowledge base, and loading rules for the config file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers.faq import FaqEntry, FaqIndex, load_entries


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("申购费多少", "fee_purchase"),
        ("赎回几天到账", "redeem_arrival"),
        ("赎回的钱多久能到", "redeem_arrival"),
        ("R3是什么意思", "risk_levels"),
        ("r5风险高吗", "risk_levels"),
        ("C4是什么等级", "customer_levels"),
        ("风险测评怎么做", "customer_levels"),
        ("怎么定投", "sip"),
        ("分红方式怎么改", "dividend"),
        ("红利再投资是什么", "dividend"),
        ("QDII有什么风险", "qdii"),
        ("七日年化是什么意思", "money_fund"),
        ("什么是夏普比率", "sharpe"),
        ("最大回撤什么意思", "drawdown"),
        ("C类和A类哪个好", "fee_sales_service"),
        ("销售服务费怎么收", "fee_sales_service"),
        ("管理费和托管费怎么收", "fee_management"),
        ("几点前买算当天", "confirm_days"),
        ("申购什么时候确认份额", "confirm_days"),
        ("基金怎么买", "purchase_rules"),
        ("怎么卖出基金", "redeem_rules"),
        ("持有7天以内赎回费多少", "fee_redeem"),
        ("单位净值和累计净值的区别", "nav_meaning"),
        ("我想转换基金", "conversion"),
        ("周末能买基金吗", "trading_time"),
        ("指数基金和股票基金有什么区别", "fund_types"),
        ("基金会亏本吗", "risk_disclosure"),
    ],
)
def test_search_finds_the_entry(faq_index: FaqIndex, question: str, entry_id: str) -> None:
    hits = faq_index.search(question)
    assert hits, question
    assert hits[0][0].id == entry_id
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


@pytest.mark.parametrize("question", ["今天天气怎么样", "你好", "哈哈哈", "午饭吃什么", ""])
def test_unrelated_text_finds_nothing(faq_index: FaqIndex, question: str) -> None:
    assert faq_index.search(question) == []


def test_shipped_entries_are_complete_and_compliant() -> None:
    entries = load_entries()
    assert len(entries) >= 20
    assert len({e.id for e in entries}) == len(entries)
    forbidden = re.compile(r"稳赚|保收益|无风险|零风险|最高|第一|保证收益|一定能")
    for entry in entries:
        assert entry.keywords and entry.answer
        assert not forbidden.search(entry.answer), entry.id


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("[[faq]]\nid = 'a'\nquestion = 'q'\n", "'answer'"),
        ("[[faq]]\nid = 'a'\nquestion = 'q'\nanswer = 'x'\nkeywords = 'k'\n", "keywords"),
        (
            "[[faq]]\nid='a'\nquestion='q'\nanswer='x'\n[[faq]]\nid='a'\nquestion='q'\nanswer='x'\n",
            "duplicate",
        ),
        ("[[faq]\n", "not valid TOML"),
    ],
)
def test_bad_faq_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_entries(_write(tmp_path, text))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_entries(tmp_path / "nope.toml")


def test_custom_entries_are_searchable() -> None:
    index = FaqIndex(
        [FaqEntry("gold", "黄金基金是什么？", ("黄金基金", "黄金ETF"), "黄金基金投资黄金相关资产。")]
    )
    assert [e.id for e, _ in index.search("黄金基金靠谱吗")] == ["gold"]
    with pytest.raises(ValueError):
        FaqIndex([])
