"""Suitability: a product of risk R<n> only for customers assessed C<n> or above."""

from __future__ import annotations

import pytest

from bot.compliance import SUITABILITY_RULE_ID, ComplianceGate, check_suitability

MARKET = "市场有风险，投资需谨慎。"


@pytest.mark.parametrize(
    ("product", "customer", "allowed"),
    [
        ("R1", "C1", True),
        ("R2", "C1", False),
        ("R3", "C2", False),
        ("R3", "C3", True),
        ("R3", "C5", True),
        ("R5", "C4", False),
        ("R5", "C5", True),
        ("r2", "c3", True),
        (" R4 ", "C4", True),
        ("Ｒ３", "Ｃ２", False),
    ],
)
def test_table(product: str, customer: str, allowed: bool) -> None:
    assert check_suitability(product, customer) is allowed


@pytest.mark.parametrize(
    ("product", "customer"),
    [("R6", "C3"), ("R0", "C3"), ("C3", "R3"), ("", "C1"), ("high", "C5"), ("R3", "C")],
)
def test_bad_levels_are_refused(product: str, customer: str) -> None:
    with pytest.raises(ValueError, match="risk level must be"):
        check_suitability(product, customer)


@pytest.fixture(scope="module")
def gate() -> ComplianceGate:
    return ComplianceGate.from_config()


def test_gate_blocks_unsuitable_audience(gate: ComplianceGate) -> None:
    result = gate.check("示例均衡混合基金上新。" + MARKET, kind="fund", product_risk="R4", audience_risk="C3")
    assert not result.passed
    [finding] = result.findings
    assert finding.rule_id == SUITABILITY_RULE_ID
    assert "R4" in finding.message and "C3" in finding.message
    assert (result.product_risk, result.audience_risk) == ("R4", "C3")


def test_gate_passes_suitable_audience(gate: ComplianceGate) -> None:
    result = gate.check("示例均衡混合基金上新。" + MARKET, kind="fund", product_risk="r3", audience_risk="C3")
    assert result.passed and result.findings == []
    assert (result.product_risk, result.audience_risk) == ("R3", "C3")


def test_gate_without_audience_skips_suitability(gate: ComplianceGate) -> None:
    assert gate.check("示例基金。" + MARKET, kind="fund", product_risk="R5").passed


def test_gate_refuses_malformed_level(gate: ComplianceGate) -> None:
    with pytest.raises(ValueError, match=r"R1\.\.R5"):
        gate.check("示例基金。" + MARKET, kind="fund", product_risk="C3", audience_risk="C3")
