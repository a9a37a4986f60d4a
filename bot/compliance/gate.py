"""The pre-send compliance gate: every outbound marketing text is checked here before it is queued.

``ComplianceGate.check`` is pure (no I/O) and fast: all patterns are compiled when the rules load.
A result passes when it has no ``block`` finding; ``warn`` findings are reported but do not stop the
message. The result echoes the template, its version and the rules version for the audit record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.compliance.normalize import Normalized, is_cjk, normalize
from bot.compliance.rules import Rule, RuleSet, load_rules
from bot.compliance.suitability import parse_level

# Operator-facing finding message (Chinese), like the messages in config/compliance.toml.
SUITABILITY_RULE_ID = "suitability.mismatch"
_SUITABILITY_MESSAGE = "产品风险等级 {product} 高于受众最低风险承受能力 {audience}，不得向其推荐"


@dataclass(frozen=True)
class Finding:
    """One problem. ``message`` is Chinese (from the rules); ``start``/``end`` index the original text.

    A missing disclosure concerns the whole text: ``start == end == 0`` and an empty excerpt.
    """

    rule_id: str
    severity: str
    message: str
    start: int
    end: int
    excerpt: str


@dataclass(frozen=True)
class ComplianceResult:
    """What the gate decided, with what the audit log must keep about it."""

    passed: bool
    findings: list[Finding]
    kind: str
    rules_version: str
    template: str | None = None
    template_version: str | None = None
    product_risk: str | None = None
    audience_risk: str | None = None

    @property
    def blocking(self) -> list[Finding]:
        """The findings that stop the message."""
        return [f for f in self.findings if f.severity == "block"]

    def audit(self) -> dict[str, Any]:
        """A JSON-ready record for the audit log (findings as plain dicts)."""
        return asdict(self)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba  # imported lazily: loading its dictionary takes a second, and only homophones need it

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _word_bounds(text: str) -> set[int]:
    bounds = {0}
    position = 0
    for word in _jieba().cut(text, HMM=False):
        position += len(word)
        bounds.add(position)
    return bounds


class ComplianceGate:
    """Checks texts against one validated rule set. Build once, share freely (it is immutable)."""

    def __init__(self, rules: RuleSet) -> None:
        self._rules = rules

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any] | None = None) -> ComplianceGate:
        """Load rules from a TOML path, a parsed dict, or ``config/compliance.toml`` when None."""
        return cls(load_rules(source))

    @staticmethod
    def warm_up() -> None:
        """Load the word dictionary used for homophones now (about a second, once per process).

        Call it at start-up (in an executor) so the first text with a homophone does not stall the
        event loop; without it the dictionary loads on first use.
        """
        _word_bounds("稳赚")

    @property
    def version(self) -> str:
        return self._rules.version

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._rules.kinds)

    def check(
        self,
        text: str,
        *,
        kind: str = "market",
        product_risk: str | None = None,
        audience_risk: str | None = None,
        template: str | None = None,
        template_version: str | None = None,
    ) -> ComplianceResult:
        """Check ``text`` as content of ``kind``; ``audience_risk`` is the lowest C-level addressed."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        if kind not in self._rules.kinds:
            raise ValueError(f"unknown content kind {kind!r}; known: {', '.join(self._rules.kinds)}")
        product = parse_level(product_risk, "R") if product_risk is not None else None
        audience = parse_level(audience_risk, "C") if audience_risk is not None else None
        norm = normalize(text, self._rules.confusables)
        findings: list[Finding] = []
        for rule in self._rules.rules:
            if rule.kinds is None or kind in rule.kinds:
                findings.extend(self._rule_findings(rule, norm))
        for disclosure_id in self._rules.kinds[kind]:
            disclosure = self._rules.disclosures[disclosure_id]
            if not disclosure.pattern.search(norm.dense):
                findings.append(Finding(disclosure.id, disclosure.severity, disclosure.message, 0, 0, ""))
        if product is not None and audience is not None and audience < product:
            message = _SUITABILITY_MESSAGE.format(product=f"R{product}", audience=f"C{audience}")
            findings.append(Finding(SUITABILITY_RULE_ID, "block", message, 0, 0, ""))
        findings.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return ComplianceResult(
            passed=not any(f.severity == "block" for f in findings),
            findings=findings,
            kind=kind,
            rules_version=self._rules.version,
            template=template,
            template_version=template_version,
            product_risk=f"R{product}" if product is not None else None,
            audience_risk=f"C{audience}" if audience is not None else None,
        )

    def _rule_findings(self, rule: Rule, norm: Normalized) -> list[Finding]:
        dense = norm.dense
        if rule.unless is not None and rule.unless.search(dense):
            return []
        spans: list[tuple[int, int]] = [m.span() for m in rule.pattern.finditer(dense) if m.end() > m.start()]
        if rule.pinyin_pattern is not None:
            for start, end in self._pinyin_spans(rule, norm):
                if not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
        findings = []
        for start, end in sorted(spans):
            if self._allowed(rule, dense, start, end) or self._negated(rule, norm, start):
                continue
            o_start, o_end = norm.span(start, end)
            excerpt = norm.original[o_start:o_end]
            findings.append(Finding(rule.id, rule.severity, rule.message, o_start, o_end, excerpt))
        return findings

    def _pinyin_spans(self, rule: Rule, norm: Normalized) -> list[tuple[int, int]]:
        """Dense spans that sound like a forbidden term: pinyin (wen zhuan) or homophones (稳转)."""
        assert rule.pinyin_pattern is not None
        spans = []
        word_bounds: set[int] | None = None
        for match in rule.pinyin_pattern.finditer(norm.pinyin):
            if match.start() not in norm.pinyin_bounds or match.end() not in norm.pinyin_bounds:
                continue  # 包装 (bao zhuang) must not match 包赚 (bao zhuan)
            start, end = norm.pinyin_to_dense(match.start(), match.end())
            written, term = norm.dense[start:end], rule.pinyin_terms[match.group()]
            if written == term:
                continue  # the plain term; the main pattern reports it
            if all(is_cjk(c) for c in written):
                # A homophone counts only if half the characters are the term's own and it is a word
                # of its own: 稳转不赔 yes, 平稳转型 (稳|转 split across words) or 无缝衔接 no.
                same = sum(a == b for a, b in zip(written, term, strict=False))
                if same * 2 < len(term):
                    continue
                if word_bounds is None:
                    word_bounds = _word_bounds(norm.dense)
                if start not in word_bounds or end not in word_bounds:
                    continue
            spans.append((start, end))
        return spans

    @staticmethod
    def _allowed(rule: Rule, dense: str, start: int, end: int) -> bool:
        """True when the match sits inside a harmless phrase (第一季度, 环保本身)."""
        for phrase in rule.allow:
            at = dense.find(phrase, max(0, end - len(phrase)))
            while at != -1 and at <= start:
                if at + len(phrase) >= end:
                    return True
                at = dense.find(phrase, at + 1)
        return False

    def _negated(self, rule: Rule, norm: Normalized, start: int) -> bool:
        """True for a denial (本产品不保本, 并非无风险): a required disclosure, not a promise."""
        if not rule.negatable:
            return False
        prefix = norm.clause_prefix(start, self._rules.negation_window)
        return bool(prefix) and self._rules.negation.search(prefix) is not None
