"""Rules are validated at load: a broken rule stops start-up with a message naming it."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.compliance import DEFAULT_RULES_PATH, ComplianceConfigError, ComplianceGate, load_rules


@pytest.fixture
def data() -> dict[str, Any]:
    with DEFAULT_RULES_PATH.open("rb") as fh:
        return tomllib.load(fh)


def _rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_default_rules_load(data: dict[str, Any]) -> None:
    rules = load_rules()
    assert rules.version == data["version"]
    assert set(rules.kinds) == {"market", "fund", "wealth_product", "education", "service"}
    assert rules.kinds["service"] == ()


def test_gate_from_dict_and_path(data: dict[str, Any], tmp_path: Path) -> None:
    assert ComplianceGate.from_config(data).version == data["version"]
    copy_path = tmp_path / "rules.toml"
    copy_path.write_bytes(DEFAULT_RULES_PATH.read_bytes())
    assert ComplianceGate.from_config(str(copy_path)).kinds == ComplianceGate.from_config(data).kinds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _rule(d, "promise.principal").update(severity="fatal"), "'promise.principal': severity"),
        (
            lambda d: _rule(d, "promise.return").update(regex=["保(证"]),
            "'promise.return': terms/regex '保(证'",
        ),
        (lambda d: _rule(d, "promise.no_risk").update(colour="red"), "'promise.no_risk': unknown keys"),
        (lambda d: _rule(d, "promise.no_risk").update(terms=[], regex=[]), "'promise.no_risk': give 'terms'"),
        (lambda d: _rule(d, "promise.no_risk").update(terms=["  "]), "'promise.no_risk': term '  ' is empty"),
        (lambda d: _rule(d, "promise.no_risk").update(kinds=["advert"]), "'promise.no_risk': unknown kinds"),
        (lambda d: _rule(d, "promise.no_risk").update(pinyin="yes"), "'promise.no_risk': 'pinyin'"),
        (lambda d: _rule(d, "promise.no_risk").update(message=""), "'promise.no_risk': message"),
        (lambda d: _rule(d, "promise.no_risk").update(id="Promise No Risk"), "'Promise No Risk': id"),
        (lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])), "'promise.principal': duplicate id"),
        (lambda d: d["kinds"].update(fund=["disclosure.nope"]), "kind 'fund': unknown disclosures"),
        (lambda d: d.pop("version"), "'version'"),
        (lambda d: d.update(extra=1), "unknown top-level keys"),
        (lambda d: d["normalize"]["confusables"].update({"ab": "c"}), "confusable 'ab'"),
        (lambda d: d["negation"].update(window=0), "window"),
    ],
)
def test_bad_rules_are_named(data: dict[str, Any], change: Any, message: str) -> None:
    change(data)
    with pytest.raises(ComplianceConfigError) as info:
        load_rules(data)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ComplianceConfigError, match="file not found"):
        load_rules(tmp_path / "nope.toml")


def test_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("version = ", encoding="utf-8")
    with pytest.raises(ComplianceConfigError, match="not valid TOML"):
        load_rules(path)


def test_rules_are_data(data: dict[str, Any]) -> None:
    """A rule added in the file takes effect without code changes."""
    data["rules"].append(
        {"id": "custom.slang", "severity": "warn", "message": "口语化用语", "terms": ["闭眼买"]}
    )
    result = ComplianceGate.from_config(data).check("闭 眼 买！市场有风险，投资需谨慎。")
    assert [f.rule_id for f in result.findings] == ["custom.slang"]
    assert result.passed
