"""Normalisation: disguised writing reaches the same dense text, and positions map back."""

from __future__ import annotations

import pytest

from bot.compliance.normalize import normalize


@pytest.mark.parametrize(
    "written",
    ["稳赚", "稳 赚", "穩賺", "稳\u200b赚", "稳-赚", "稳.赚", "稳🔥赚", "稳\u3000赚", "稳\t赚"],
)
def test_disguises_collapse(written: str) -> None:
    assert normalize(written).dense == "稳赚"


def test_full_width_and_case() -> None:
    assert normalize("ＷＥＮ Ｚhuan １２．５％").dense == "wenzhuan12.5%"


def test_decimal_point_kept_only_between_digits() -> None:
    assert normalize("年化3.5%。稳.赚").dense == "年化3.5%稳赚"


def test_tone_marks_dropped() -> None:
    assert normalize("wěn zhuàn").dense == "wenzhuan"


def test_confusables_applied() -> None:
    assert normalize("保夲", {"夲": "本"}).dense == "保本"


def test_positions_map_back_to_original() -> None:
    text = "今天 稳\u200b赚！"
    norm = normalize(text)
    start = norm.dense.index("稳赚")
    assert norm.span(start, start + 2) == (3, 6)
    assert text[3:6] == "稳\u200b赚"


def test_pinyin_view_has_syllable_bounds() -> None:
    norm = normalize("包装")
    assert norm.pinyin == "baozhuang"
    assert 3 in norm.pinyin_bounds and 8 not in norm.pinyin_bounds


def test_clause_prefix_stops_at_punctuation() -> None:
    norm = normalize("不用担心，保本")
    assert norm.clause_prefix(norm.dense.index("保本"), 8) == ""
    norm = normalize("本产品不保本")
    assert norm.clause_prefix(norm.dense.index("保本"), 8) == "本产品不"
