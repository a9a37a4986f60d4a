"""The pre-send compliance gate: disclosures, forbidden promises and claims, suitability.

Usage::

    gate = ComplianceGate.from_config()          # config/compliance.toml
    result = gate.check(text, kind="fund", product_risk="R3", audience_risk="C2",
                        template="fund_promo", template_version="3")
    if not result.passed: ...                    # result.findings say what and where
"""

from bot.compliance.gate import SUITABILITY_RULE_ID, ComplianceGate, ComplianceResult, Finding
from bot.compliance.rules import DEFAULT_RULES_PATH, ComplianceConfigError, load_rules
from bot.compliance.suitability import check_suitability, parse_level

__all__ = [
    "DEFAULT_RULES_PATH",
    "SUITABILITY_RULE_ID",
    "ComplianceConfigError",
    "ComplianceGate",
    "ComplianceResult",
    "Finding",
    "check_suitability",
    "load_rules",
    "parse_level",
]
