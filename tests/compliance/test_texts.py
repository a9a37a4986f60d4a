"""The compliance rules against a table of realistic (synthetic) marketing texts, good and bad.

Every text here is synthetic sample copy written for these tests; fund and product names are made up.
Each case names the rule ids the gate must report, no more and no fewer.
"""

from __future__ import annotations

import pytest

from bot.compliance import ComplianceGate

MARKET = "市场有风险，投资需谨慎。"
FUND = "基金有风险，投资须谨慎。"
WEALTH = "理财非存款、产品有风险、投资须谨慎。"
PAST = "过往业绩不代表未来表现。"

# (case id, text, kind, expected rule ids)
GOOD = [
    (
        "morning-report",
        "【财经早报】隔夜美股三大指数小幅收涨，纳斯达克指数上涨0.8%。今日关注央行公开市场操作。" + MARKET,
        "market",
        set(),
    ),
    ("first-quarter", "第一季度GDP同比增长5.3%，经济运行开局良好。" + MARKET, "market", set()),
    (
        "fund-past-perf-with-note",
        "示例稳健债券基金近一年收益率4.2%，成立以来年化回报3.8%。" + PAST + FUND,
        "fund",
        set(),
    ),
    (
        "wealth-benchmark",
        "本产品为非保本浮动收益型理财产品，业绩比较基准为年化3.0%-3.6%。" + WEALTH,
        "wealth_product",
        set(),
    ),
    (
        "education-drawdown",
        "什么是最大回撤？指一段时间内产品净值从最高点回落到最低点的幅度。投资有风险，入市需谨慎。",
        "education",
        set(),
    ),
    (
        "service-reply",
        "您好，您的理财经理将在工作日9:00-17:00为您服务，请问还有什么可以帮您？",
        "service",
        set(),
    ),
    ("denials", "温馨提示：本产品不保本，不承诺保收益。" + PAST + WEALTH, "wealth_product", set()),
    (
        "no-risk-denied",
        "任何投资都有风险，分散配置不等于无风险，也没有零风险的产品。" + MARKET,
        "market",
        set(),
    ),
    ("risk-free-rate", "无风险利率下行，债券市场迎来配置窗口。" + MARKET, "market", set()),
    ("media-name", "据第一财经报道，沪深两市成交额连续第三日突破1万亿元。" + MARKET, "market", set()),
    (
        "education-dca",
        "定投小课堂第一课：坚持定投可以平滑成本，但不能保证盈利，也不能保证本金不受损失。投资有风险，选择需谨慎。",
        "education",
        set(),
    ),
    (
        "no-rigid-payment",
        "打破刚性兑付后，理财产品净值会有波动，请理性看待。" + WEALTH,
        "wealth_product",
        set(),
    ),
    ("homophone-lookalikes", "经济平稳转型，政策无缝衔接，市场信心逐步修复。" + MARKET, "market", set()),
    ("packaging", "产品包装升级，服务体验更便捷。", "service", set()),
    ("had-better", "您最好提前规划好资金的流动性安排。" + MARKET, "market", set()),
    ("traditional-disclosure", "市場有風險，投資需謹慎。美聯儲議息會議今晚揭曉。", "market", set()),
    (
        "index-data",
        "上证指数盘中最高触及3400点，今年以来沪深300涨幅为5.2%，我们将第一手解读奉上。" + MARKET,
        "market",
        set(),
    ),
    ("environment", "绿色金融助力环保本身也是一种长期投资理念。" + MARKET, "market", set()),
]

BAD = [
    (
        "promise-pile",
        "本产品保本保收益，稳赚不赔！",
        "wealth_product",
        {
            "promise.principal",
            "promise.return",
            "disclosure.non_deposit",
            "disclosure.product_risk",
            "disclosure.caution",
        },
    ),
    ("spaced", "稳 赚 不 赔，错过再等一年！" + MARKET, "market", {"promise.return"}),
    ("full-width-pinyin", "ｗｅｎ ｚｈｕａｎ不赔，速来抢购" + MARKET, "market", {"promise.return"}),
    ("traditional", "這款產品保證無風險，收益穩定。" + MARKET, "market", {"promise.no_risk"}),
    ("zero-width", "稳\u200b赚，零\u200d风险！" + MARKET, "market", {"promise.return", "promise.no_risk"}),
    ("pinyin-principal", "bao ben bao xi，闭眼买" + MARKET, "market", {"promise.principal"}),
    ("homophone", "稳转不赔，名额有限" + MARKET, "market", {"promise.return"}),
    ("lookalike", "保夲理财，放心购买。" + WEALTH, "wealth_product", {"promise.principal"}),
    (
        "guaranteed-rate",
        "保证年化4%，到期一次性还本付息。" + WEALTH,
        "wealth_product",
        {"promise.guaranteed_rate"},
    ),
    ("fixed-rate", "固定收益5%，比存款更划算！" + WEALTH, "wealth_product", {"promise.guaranteed_rate"}),
    (
        "rate-guaranteed-after",
        "年化收益保证4%，安心之选。" + WEALTH,
        "wealth_product",
        {"promise.guaranteed_rate"},
    ),
    ("expected-rate", "预期年化收益率4.5%，稳健之选。" + WEALTH, "wealth_product", {"prediction.return"}),
    ("must-rise", "该基金必涨，现在上车正当时！" + FUND, "fund", {"prediction.return"}),
    ("doubling", "明年收益有望翻倍，机会不容错过。" + MARKET, "market", {"prediction.return"}),
    ("steady-growth", "本基金将稳定增长8%，值得拥有。" + FUND, "fund", {"prediction.return"}),
    ("rate-reachable", "收益率可达6%，名额有限。" + WEALTH, "wealth_product", {"prediction.return"}),
    ("ranking", "示例成长混合，同类排名第一，业绩最好的基金！" + FUND, "fund", {"absolute.superlative"}),
    (
        "champion-max",
        "冠军基金经理掌舵，收益最高可达15%。" + FUND,
        "fund",
        {"absolute.superlative", "prediction.return"},
    ),
    ("past-perf-no-note", "近一年收益12.3%，跑赢同类平均。" + FUND, "fund", {"past_performance.no_note"}),
    ("past-perf-ytd", "该产品今年以来涨幅达18.6%，年化回报9%。" + FUND, "fund", {"past_performance.no_note"}),
    (
        "hundred-percent",
        "100%收益，百分百安全。" + MARKET,
        "market",
        {"absolute.superlative", "promise.no_risk"},
    ),
    ("spaced-zero-risk", "零 风 险 高 收 益，抓紧抢购" + MARKET, "market", {"promise.no_risk"}),
    (
        "cannot-lose",
        "存款搬家首选，绝对安全不会亏。" + MARKET,
        "market",
        {"absolute.superlative", "promise.no_risk"},
    ),
    ("a-shares-will-rise", "行情来了！A股必将上涨，满仓干！" + MARKET, "market", {"prediction.return"}),
    ("soft-prediction", "科技板块有望反弹，可适当关注。" + MARKET, "market", {"prediction.soft"}),
    (
        "market-no-disclosure",
        "今日A股三大指数集体收涨，北向资金净流入超50亿元。",
        "market",
        {"disclosure.market_risk"},
    ),
    ("fund-half-disclosure", "本基金主要投资于优质蓝筹股。投资需谨慎。", "fund", {"disclosure.market_risk"}),
    (
        "wealth-no-deposit-note",
        "本理财产品为R2级，产品有风险，投资须谨慎。",
        "wealth_product",
        {"disclosure.non_deposit"},
    ),
    ("negation-other-clause", "不用担心，保本保息。" + MARKET, "market", {"promise.principal"}),
    ("not-only", "不仅保本，还能稳赚。" + MARKET, "market", {"promise.principal", "promise.return"}),
    ("full-width-latin", "ＢＡＯ ＢＥＮ，放心买。" + MARKET, "market", {"promise.principal"}),
    ("lying-flat", "躺着也能赚，躺赚不是梦。" + MARKET, "market", {"promise.return"}),
    ("rigid-payment", "刚性兑付，到期保本。" + WEALTH, "wealth_product", {"promise.principal"}),
    ("only-top", "唯一指定的银行理财，顶级配置。" + WEALTH, "wealth_product", {"absolute.superlative"}),
    ("tone-marks", "wěn zhuàn bù péi，快来！" + MARKET, "market", {"promise.return"}),
    ("service-promise", "您好，这款产品稳赚的，放心买。", "service", {"promise.return"}),
    ("emoji-between", "保🔥本🔥理财，限时抢购。" + WEALTH, "wealth_product", {"promise.principal"}),
    ("punct-between", "稳-赚-不-赔！" + MARKET, "market", {"promise.return"}),
]


@pytest.fixture(scope="module")
def gate() -> ComplianceGate:
    return ComplianceGate.from_config()


def test_table_is_big_enough() -> None:
    assert len(GOOD) + len(BAD) >= 40
    assert len({case[0] for case in GOOD + BAD}) == len(GOOD + BAD)


@pytest.mark.parametrize(
    ("text", "kind", "expected"), [c[1:] for c in GOOD + BAD], ids=[c[0] for c in GOOD + BAD]
)
def test_rules(gate: ComplianceGate, text: str, kind: str, expected: set[str]) -> None:
    result = gate.check(text, kind=kind)
    assert {f.rule_id for f in result.findings} == expected, result.findings
    assert result.passed == all(f.severity == "warn" for f in result.findings)
    for finding in result.findings:
        assert finding.excerpt == text[finding.start : finding.end]
        assert finding.message  # operators see why


def test_warning_does_not_block(gate: ComplianceGate) -> None:
    result = gate.check("科技板块有望反弹，可适当关注。" + MARKET)
    assert result.passed
    assert [f.severity for f in result.findings] == ["warn"]


def test_finding_points_at_what_was_written(gate: ComplianceGate) -> None:
    text = "今日推荐：稳 赚不赔的好产品。" + MARKET
    [finding] = gate.check(text).findings
    assert (finding.start, finding.end, finding.excerpt) == (5, 10, "稳 赚不赔")


def test_each_violation_is_reported(gate: ComplianceGate) -> None:
    text = "保本！" + MARKET + "再说一次：保本。"
    findings = [f for f in gate.check(text).findings if f.rule_id == "promise.principal"]
    assert [f.start for f in findings] == [0, text.rindex("保本")]


def test_result_records_template_and_versions(gate: ComplianceGate) -> None:
    result = gate.check("保本" + MARKET, template="morning_report", template_version="7")
    record = result.audit()
    assert (result.template, result.template_version) == ("morning_report", "7")
    assert record["template"] == "morning_report" and record["template_version"] == "7"
    assert record["rules_version"] == gate.version
    assert record["findings"][0]["rule_id"] == "promise.principal"
    assert record["passed"] is False


def test_unknown_kind_is_refused(gate: ComplianceGate) -> None:
    with pytest.raises(ValueError, match="unknown content kind 'advert'"):
        gate.check("你好", kind="advert")


def test_text_must_be_str(gate: ComplianceGate) -> None:
    with pytest.raises(TypeError):
        gate.check(b"bytes")  # type: ignore[arg-type]


def test_warm_up_then_homophone(gate: ComplianceGate) -> None:
    gate.warm_up()
    assert [f.rule_id for f in gate.check("稳转不赔").findings if f.rule_id.startswith("promise")] == [
        "promise.return"
    ]
