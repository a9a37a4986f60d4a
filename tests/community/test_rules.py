"""Pure parts: configuration errors, keyword priority and scoping, welcome template choice."""

from __future__ import annotations

import pytest

from bot.content import Renderer
from handlers.community_config import CommunityConfigError, KeywordSpec, load_config, parse_config
from handlers.community_keywords_book import compile_rule, first_match, order
from handlers.community_welcome_content import choose_welcome, segment_of


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"welcome_window_seconds": 25}, "welcome_window_seconds"),
        (
            {"keywords": [{"name": "x", "match": "glob", "pattern": "a", "template": "t"}]},
            "keywords[0].match",
        ),
        ({"keywords": [{"name": "x", "match": "regex", "pattern": "(", "template": "t"}]}, "bad regular"),
        ({"keywords": [{"name": "x", "pattern": "a", "template": "t", "channels": ["sms"]}]}, "channels"),
        ({"welcome_attachments": [{"type": "video"}]}, "welcome_attachments[0].type"),
        ({"welcome_attachments": [{"type": "link", "title": "t"}]}, "welcome_attachments[0].url"),
        ({"channels": [{"prefix": "x_"}]}, "channels[0].channel"),
    ],
)
def test_bad_configuration_names_the_key(raw: dict, message: str) -> None:
    with pytest.raises(CommunityConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw)


def test_shipped_configuration_loads() -> None:
    config = load_config()
    rule, param = config.channel_of("fund_page_110022")
    assert rule is not None and (rule.channel, param, rule.compliance_kind) == ("fund_page", "110022", "fund")
    assert config.channel_of("walk_in") == (None, "")


def _rule(name: str, match: str, pattern: str, priority: int = 0, source: str = "config", **kw: object):
    return compile_rule(KeywordSpec(name, match, pattern, priority=priority, template="t", **kw), source)


async def _role_rm() -> str:
    return "rm"


async def test_keyword_priority_channel_and_role() -> None:
    rules = order(
        [
            _rule("low", "contains", "基金", 1),
            _rule("high_db", "regex", r"基金\d{6}", 5, source="db"),
            _rule("exact", "exact", "TD"),
            _rule("kf_only", "contains", "净值", 9, channels=frozenset({"kf"})),
            _rule("ops_only", "contains", "净值", 8, roles=frozenset({"ops"})),
        ]
    )
    assert (await first_match(rules, "基金000001怎么样", "app", _role_rm)).spec.name == "high_db"
    assert (await first_match(rules, "基金怎么样", "app", _role_rm)).spec.name == "low"
    assert (await first_match(rules, " td ", "kf", _role_rm)).spec.name == "exact"
    assert await first_match(rules, "TD please", "kf", _role_rm) is None
    assert (await first_match(rules, "净值", "kf", _role_rm)).spec.name == "kf_only"
    assert await first_match(rules, "净值", "app", _role_rm) is None  # rm is not ops


def test_welcome_template_by_segment_and_channel() -> None:
    config, render = load_config(), Renderer()
    assert segment_of(None) == segment_of("unknown") == "long_tail"
    cases = {
        ("fund_page_000001", "hnw"): "community/welcome/fund_page/hnw.j2",
        ("fund_page_000001", "affluent"): "community/welcome/fund_page/default.j2",
        ("branch_sh01", None): "community/welcome/branch/default.j2",
        ("", "affluent"): "community/welcome/default/affluent.j2",
        ("qr_unknown", "long_tail"): "community/welcome/default/default.j2",
    }
    for (state, tier), template in cases.items():
        assert choose_welcome(config, render, state, tier).rendered.template == template


def test_every_welcome_and_group_welcome_text_passes_the_compliance_gate() -> None:
    from bot.compliance import ComplianceGate

    gate, config, render = ComplianceGate.from_config(), load_config(), Renderer()
    kinds = {rule.channel: rule.compliance_kind for rule in config.channels}
    for path in sorted((render.directory / "community" / "welcome").glob("*/*.j2")):
        channel = path.parent.name
        rendered = render.render(f"community/welcome/{channel}", path.stem, name="王女士", param="000001")
        result = gate.check(rendered.text, kind=kinds.get(channel, "service"))
        assert result.passed, (rendered.template, result.blocking)
    for kind in (*config.group_kinds, "default"):
        text = render.text(f"community/group_welcome/{kind}")
        assert gate.check(text, kind="service").passed, kind
