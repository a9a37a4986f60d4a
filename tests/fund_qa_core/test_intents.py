"""Intent parsing against phrasings people really type, over the SYNTHETIC fund list."""

from __future__ import annotations

import pytest

from handlers.faq import FaqIndex
from handlers.fund_intents import KINDS, parse, parse_period
from handlers.fund_lookup import FundIndex

# text, intent kind, fund codes it must resolve to
PHRASINGS: list[tuple[str, str, tuple[str, ...]]] = [
    # nav
    ("000001净值多少", "nav", ("000001",)),
    ("华夏成长今天涨了吗", "nav", ("000001",)),
    ("161725最新净值", "nav", ("161725",)),
    ("查下005827昨天的净值", "nav", ("005827",)),
    ("兴全合润今天跌了吗？", "nav", ("163406",)),
    ("華夏成長淨值", "nav", ("000001",)),
    ("净值多少 110022", "nav", ("110022",)),
    # returns
    ("易方达蓝筹近一年收益", "returns", ("005827",)),
    ("161725今年以来涨了多少", "returns", ("161725",)),
    ("华夏成长成立以来收益", "returns", ("000001",)),
    ("中欧医疗健康近三年业绩怎样", "returns", ("003095",)),
    ("003095近3个月回报", "returns", ("003095",)),
    ("招商白酒最近半年", "returns", ("161725",)),
    ("易方达中小盘近1月", "returns", ("110011",)),
    ("景顺新兴成长年化收益多少", "returns", ("260108",)),
    # risk
    ("这只基金风险高吗 110011", "risk", ("110011",)),
    ("000198风险等级", "risk", ("000198",)),
    ("易方达增强回报稳不稳", "risk", ("110017",)),
    ("华安纳斯达克100波动大吗", "risk", ("040046",)),
    ("季季红是R几的", "risk", ("000186",)),
    # manager
    ("000001的基金经理是谁", "manager", ("000001",)),
    ("易方达蓝筹谁在管", "manager", ("005827",)),
    ("华夏城长的基金经理是谁", "manager", ("000001",)),
    # company
    ("161725是哪家公司的", "company", ("161725",)),
    ("鹏华丰禄的管理人", "company", ("003547",)),
    # fees
    ("000001申购费多少", "fees", ("000001",)),
    ("易方达消费赎回费怎么收", "fees", ("110022",)),
    ("招商中证白酒C的费率", "fees", ("012414",)),
    # type
    ("000198是什么类型的基金", "type", ("000198",)),
    ("交银新成长属于什么类型", "type", ("519736",)),
    # size
    ("易方蓝筹规模多大", "size", ("005827",)),
    ("兴全合润现在多少亿", "size", ("163406",)),
    # profile
    ("000001", "profile", ("000001",)),
    ("介绍一下华夏成长", "profile", ("000001",)),
    ("查一下 161725", "profile", ("161725",)),
    ("广发稳健增长", "profile", ("270002",)),
    # diagnose
    ("诊断 161725", "diagnose", ("161725",)),
    ("基金诊断 招商中证白酒", "diagnose", ("161725",)),
    ("诊断一下易方达蓝筹", "diagnose", ("005827",)),
    ("华夏成长怎么样", "diagnose", ("000001",)),
    ("中欧时代先锋值得买吗", "diagnose", ("001938",)),
    ("诺安成长还能拿吗", "diagnose", ("320007",)),
    ("帮我分析下003095", "diagnose", ("003095",)),
    ("诊断 999999", "diagnose", ()),
    ("基金诊断 不存在的基金", "diagnose", ()),
    # compare
    ("比较 000001 和 110011", "compare", ("000001", "110011")),
    ("000001和161725哪个好", "compare", ("000001", "161725")),
    ("易方达蓝筹 vs 中欧医疗健康", "compare", ("005827", "003095")),
    ("对比一下华夏成长、兴全合润和交银新成长", "compare", ("000001", "163406", "519736")),
    ("富国沪深300增强还是天弘沪深300", "compare", ("100038", "000961")),
    ("易方达消费和汇添富消费有什么区别", "compare", ("110022", "000083")),
    # holdings diagnosis (managers)
    ("客户持仓诊断 王女士", "holdings_diagnose", ()),
    ("持仓诊断：张三", "holdings_diagnose", ()),
    ("帮我诊断一下李先生的持仓", "holdings_diagnose", ()),
    # faq
    ("申购费多少", "faq", ()),
    ("赎回几天到账", "faq", ()),
    ("R3是什么意思", "faq", ()),
    ("怎么定投", "faq", ()),
    ("分红方式怎么改", "faq", ()),
    ("A类和C类有什么区别", "faq", ()),
    ("QDII基金有什么特点", "faq", ()),
    ("T+1是什么意思", "faq", ()),
    ("管理费怎么收的", "faq", ()),
    ("七日年化是什么", "faq", ()),
    ("基金会亏本吗", "faq", ()),
    # human
    ("转人工", "human", ()),
    ("我要找客户经理", "human", ()),
    ("人工客服在吗", "human", ()),
    ("能不能让理财经理联系我", "human", ()),
    # own account (customers are handed to a person)
    ("我的基金亏了多少", "own_account", ()),
    ("我赎回的钱怎么还没到账", "own_account", ()),
    ("我的持仓怎么样", "own_account", ()),
    ("我买的000001亏了吗", "own_account", ()),
    ("我现在还有多少份额", "own_account", ()),
    ("帮我查一下我的收益", "own_account", ()),
    ("持仓诊断 我的", "own_account", ()),
    ("帮我做个我的持仓分析", "own_account", ()),
    ("000001还是跌了吗", "nav", ("000001",)),
    # help and the rest
    ("你好", "help", ()),
    ("你能做什么", "help", ()),
    ("帮助", "help", ()),
    ("", "help", ()),
    ("今天天气怎么样", "unknown", ()),
    ("哈哈哈", "unknown", ()),
    ("收益高吗", "returns", ()),
]


def test_table_is_large_enough() -> None:
    assert len(PHRASINGS) >= 60
    assert {kind for _, kind, _ in PHRASINGS} == set(KINDS)


@pytest.mark.parametrize(("text", "kind", "codes"), PHRASINGS)
def test_phrasing(fund_index: FundIndex, faq_index: FaqIndex, text: str, kind: str, codes: tuple) -> None:
    intent = parse(text, fund_index, faq_index)
    assert (intent.kind, intent.fund_codes) == (kind, codes)
    assert intent.raw == text


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("近一年收益", "1y"),
        ("近1年", "1y"),
        ("最近三年", "3y"),
        ("近3年业绩", "3y"),
        ("近半年", "6m"),
        ("6个月", "6m"),
        ("近三个月", "3m"),
        ("这个季度", "3m"),
        ("近一个月", "1m"),
        ("今年以来", "ytd"),
        ("年初至今", "ytd"),
        ("成立以来", "since_inception"),
        ("净值多少", None),
        ("11个月", None),
    ],
)
def test_period(text: str, period: str | None) -> None:
    assert parse_period(text) == period


def test_intent_details(fund_index: FundIndex, faq_index: FaqIndex) -> None:
    intent = parse("客户持仓诊断 王女士", fund_index)
    assert intent.customer_name == "王女士"
    assert parse("持仓诊断", fund_index).customer_name is None
    intent = parse("诊断 999999", fund_index)
    assert intent.unknown_codes == ("999999",)
    assert parse("易方达蓝筹近一年收益", fund_index).period == "1y"
    faq = parse("赎回几天到账", fund_index, faq_index)
    assert faq.faq_ids[0] == "redeem_arrival"
    fuzzy = parse("华夏城长净值", fund_index)
    assert fuzzy.matches[0].how == "fuzzy"
    four = parse("比较000001、110011、161725和003095", fund_index)
    assert four.kind == "compare" and len(four.fund_codes) == 3


def test_faq_without_an_faq_index_uses_keywords(fund_index: FundIndex) -> None:
    assert parse("赎回几天到账", fund_index).kind == "faq"
    assert parse("今天天气怎么样", fund_index).kind == "unknown"


def test_non_text_is_refused(fund_index: FundIndex) -> None:
    with pytest.raises(TypeError):
        parse(None, fund_index)  # type: ignore[arg-type]
