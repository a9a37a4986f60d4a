"""Fund look-up: codes, names, aliases and near misses, over the SYNTHETIC fund list."""

from __future__ import annotations

import pytest

from handlers.fund_lookup import FundIndex, FundRef, codes_in


@pytest.mark.parametrize(
    ("text", "code", "how"),
    [
        ("000001", "000001", "code"),
        ("０００００１净值", "000001", "code"),  # full-width digits
        ("华夏成长混合", "000001", "name"),
        ("华夏成长", "000001", "name"),  # short name
        ("易方达蓝筹精选", "005827", "alias"),  # type suffix stripped
        ("招商白酒", "161725", "alias"),  # index-provider word stripped
        ("兴全合润混合", "163406", "alias"),  # (LOF) and share class stripped
        ("華夏成長", "000001", "name"),  # traditional characters
        ("华夏城长", "000001", "fuzzy"),  # homophone typo
        ("易方蓝筹", "005827", "fuzzy"),  # a missing character
        ("华夏长成混合", "000001", "fuzzy"),  # two characters swapped
        ("中欧医了健康", "003095", "fuzzy"),  # a plain typo
    ],
)
def test_finds_one_fund(fund_index: FundIndex, text: str, code: str, how: str) -> None:
    matches = fund_index.find(text)
    assert [(m.code, m.how) for m in matches] == [(code, how)]


def test_scores_rank_exact_above_fuzzy(fund_index: FundIndex) -> None:
    exact = fund_index.find("华夏成长")[0]
    homophone = fund_index.find("华夏城长")[0]
    missing = fund_index.find("易方蓝筹")[0]
    assert exact.score == 1.0 > homophone.score > missing.score >= 0.75


def test_several_funds_in_order_of_appearance(fund_index: FundIndex) -> None:
    matches = fund_index.find("比较易方达蓝筹、000001和兴全合润")
    assert [m.code for m in matches] == ["005827", "000001", "163406"]
    assert fund_index.find("000001和000001")[0].code == "000001"
    assert len(fund_index.find("000001和000001")) == 1


def test_share_classes_resolve_to_first_with_alternatives(fund_index: FundIndex) -> None:
    (match,) = fund_index.find("招商中证白酒怎么样")
    assert match.code == "161725" and match.alternatives == ("012414",)
    (c_class,) = fund_index.find("招商中证白酒C")
    assert c_class.code == "012414"


def test_alias_shared_by_unrelated_funds_is_ambiguous(fund_index: FundIndex) -> None:
    (match,) = fund_index.find("纳斯达克100")
    assert match.how == "ambiguous" and {match.code, *match.alternatives} == {"040046", "270042"}


@pytest.mark.parametrize(
    "text",
    ["申购费多少", "赎回几天到账", "R3是什么意思", "我的基金亏了多少", "今天天气怎么样", "成长", "999999"],
)
def test_no_fund_in_unrelated_text(fund_index: FundIndex, text: str) -> None:
    assert fund_index.find(text) == []


def test_unknown_codes_are_reported_separately() -> None:
    assert codes_in("诊断 999999 和 000001，电话13800000000") == [("999999", 3), ("000001", 12)]


def test_bad_fund_list_is_refused() -> None:
    with pytest.raises(ValueError, match="six digits"):
        FundIndex([FundRef("12345", "某基金")])
    with pytest.raises(ValueError, match="duplicate"):
        FundIndex([FundRef("000001", "甲基金"), FundRef("000001", "乙基金")])
    with pytest.raises(ValueError, match="no name"):
        FundIndex([FundRef("000001", " ")])


def test_rebuild_after_import() -> None:
    index = FundIndex([FundRef("000001", "华夏成长混合", "华夏成长")])
    assert index.find("鹏华丰禄") == []
    rebuilt = FundIndex([*index.funds.values(), FundRef("003547", "鹏华丰禄债券")])
    assert [m.code for m in rebuilt.find("鹏华丰禄")] == ["003547"]
