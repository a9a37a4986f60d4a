"""Compliance rules as data: load ``config/compliance.toml`` (or a dict) and validate it once.

Every pattern is compiled here, so a typo in a rule stops start-up with a message naming the rule
instead of letting a forbidden promise through at send time. Terms are written as a person would
write them and normalised like the texts they are matched against; regexes are written against the
dense view (Simplified Chinese, lower case, no spaces or punctuation; see ``normalize``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.compliance.normalize import dense_form, term_pinyin

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "config" / "compliance.toml"
SEVERITIES = ("block", "warn")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
_RULE_KEYS = set("id severity message terms regex pinyin negatable allow unless kinds".split())
_DISCLOSURE_KEYS = {"id", "severity", "message", "terms", "regex"}
_TOP_KEYS = {"version", "normalize", "negation", "rules", "disclosures", "kinds"}


class ComplianceConfigError(ValueError):
    """The compliance rules are malformed; the message names the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    """A forbidden pattern: any match (not negated, not allowed) is a finding."""

    id: str
    severity: str
    message: str
    pattern: re.Pattern[str]
    pinyin_pattern: re.Pattern[str] | None
    pinyin_terms: Mapping[str, str]  # pinyin -> dense term
    negatable: bool
    allow: tuple[str, ...]
    unless: re.Pattern[str] | None
    kinds: frozenset[str] | None


@dataclass(frozen=True)
class Disclosure:
    """A statement that must be present for some kinds of content."""

    id: str
    severity: str
    message: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class RuleSet:
    version: str
    confusables: Mapping[str, str]
    negation: re.Pattern[str]
    negation_window: int
    rules: tuple[Rule, ...]
    disclosures: Mapping[str, Disclosure]
    kinds: Mapping[str, tuple[str, ...]]


def load_rules(source: str | Path | Mapping[str, Any] | None = None) -> RuleSet:
    """Read and validate the rules from a TOML path, a parsed dict, or the default file."""
    if source is None:
        source = DEFAULT_RULES_PATH
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open("rb") as fh:
                data: Mapping[str, Any] = tomllib.load(fh)
        except FileNotFoundError:
            raise ComplianceConfigError(f"compliance rules: file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ComplianceConfigError(f"compliance rules: {path} is not valid TOML ({exc})") from None
    elif isinstance(source, Mapping):
        data = source
    else:
        raise ComplianceConfigError(
            f"compliance rules: expected a path or a dict, got {type(source).__name__}"
        )
    return _build(data)


def _build(data: Mapping[str, Any]) -> RuleSet:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ComplianceConfigError(f"compliance rules: unknown top-level keys {sorted(unknown)}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ComplianceConfigError("compliance rules: 'version' must be a non-empty string")
    confusables = _confusables(data.get("normalize", {}))
    negation_table = data.get("negation", {})
    if not isinstance(negation_table, Mapping):
        raise ComplianceConfigError("compliance rules: [negation] must be a table")
    negation = _compile("[negation]", "pattern", [negation_table.get("pattern", "")])
    window = negation_table.get("window", 8)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ComplianceConfigError("compliance rules: [negation].window must be a positive integer")

    kinds_table = data.get("kinds")
    if not isinstance(kinds_table, Mapping) or not kinds_table:
        raise ComplianceConfigError("compliance rules: [kinds] must list the content kinds")
    disclosures = {}
    for entry in _tables(data, "disclosures"):
        disclosure = _disclosure(entry, confusables)
        if disclosure.id in disclosures:
            raise ComplianceConfigError(f"compliance rule '{disclosure.id}': duplicate id")
        disclosures[disclosure.id] = disclosure
    kinds: dict[str, tuple[str, ...]] = {}
    for kind, required in kinds_table.items():
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise ComplianceConfigError(f"compliance kind '{kind}': must be a list of disclosure ids")
        missing = [r for r in required if r not in disclosures]
        if missing:
            raise ComplianceConfigError(f"compliance kind '{kind}': unknown disclosures {missing}")
        kinds[kind] = tuple(required)

    rules: list[Rule] = []
    seen = set(disclosures)
    for entry in _tables(data, "rules"):
        rule = _rule(entry, confusables, set(kinds))
        if rule.id in seen:
            raise ComplianceConfigError(f"compliance rule '{rule.id}': duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    if not rules:
        raise ComplianceConfigError("compliance rules: no [[rules]] defined")
    return RuleSet(version.strip(), confusables, negation, window, tuple(rules), disclosures, kinds)


def _confusables(table: Any) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise ComplianceConfigError("compliance rules: [normalize] must be a table")
    raw = table.get("confusables", {})
    if not isinstance(raw, Mapping):
        raise ComplianceConfigError("compliance rules: [normalize].confusables must be a table")
    for key, value in raw.items():
        if len(key) != 1 or not isinstance(value, str) or len(value) != 1:
            raise ComplianceConfigError(
                f"compliance rules: confusable {key!r} = {value!r} must map one character to one"
            )
    return dict(raw)


def _tables(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ComplianceConfigError(f"compliance rules: '{key}' must be an array of tables ([[{key}]])")
    return entries


def _header(entry: Mapping[str, Any], allowed: set[str]) -> tuple[str, str, str]:
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID_RE.match(rule_id):
        raise ComplianceConfigError(f"compliance rule {rule_id!r}: id must look like 'promise.principal'")
    unknown = set(entry) - allowed
    if unknown:
        raise ComplianceConfigError(f"compliance rule '{rule_id}': unknown keys {sorted(unknown)}")
    severity = entry.get("severity")
    if severity not in SEVERITIES:
        raise ComplianceConfigError(f"compliance rule '{rule_id}': severity must be one of {SEVERITIES}")
    message = entry.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ComplianceConfigError(f"compliance rule '{rule_id}': message must be a non-empty string")
    return rule_id, severity, message.strip()


def _strings(rule_id: str, entry: Mapping[str, Any], key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ComplianceConfigError(
            f"compliance rule '{rule_id}': '{key}' must be a list of non-empty strings"
        )
    return value


def _dense_terms(rule_id: str, terms: list[str], confusables: Mapping[str, str]) -> list[str]:
    dense = []
    for term in terms:
        form = dense_form(term, confusables)
        if not form:
            raise ComplianceConfigError(
                f"compliance rule '{rule_id}': term {term!r} is empty once normalised"
            )
        dense.append(form)
    return dense


def _compile(rule_id: str, key: str, alternatives: list[str]) -> re.Pattern[str]:
    for alternative in alternatives:
        try:
            re.compile(alternative)
        except re.error as exc:
            raise ComplianceConfigError(
                f"compliance rule '{rule_id}': {key} {alternative!r} does not compile ({exc})"
            ) from None
    if not any(alternatives):
        raise ComplianceConfigError(f"compliance rule '{rule_id}': no {key} given")
    return re.compile("|".join(f"(?:{a})" for a in alternatives if a))


def _pattern(
    rule_id: str, entry: Mapping[str, Any], confusables: Mapping[str, str]
) -> tuple[re.Pattern[str], list[str]]:
    terms = _dense_terms(rule_id, _strings(rule_id, entry, "terms"), confusables)
    regexes = _strings(rule_id, entry, "regex")
    if not terms and not regexes:
        raise ComplianceConfigError(f"compliance rule '{rule_id}': give 'terms' or 'regex'")
    escaped = [re.escape(t) for t in sorted(set(terms), key=len, reverse=True)]
    return _compile(rule_id, "terms/regex", escaped + regexes), terms


def _disclosure(entry: Mapping[str, Any], confusables: Mapping[str, str]) -> Disclosure:
    rule_id, severity, message = _header(entry, _DISCLOSURE_KEYS)
    pattern, _ = _pattern(rule_id, entry, confusables)
    return Disclosure(rule_id, severity, message, pattern)


def _rule(entry: Mapping[str, Any], confusables: Mapping[str, str], known_kinds: set[str]) -> Rule:
    rule_id, severity, message = _header(entry, _RULE_KEYS)
    pattern, terms = _pattern(rule_id, entry, confusables)
    flags = {}
    for key, default in (("pinyin", False), ("negatable", True)):
        flags[key] = entry.get(key, default)
        if not isinstance(flags[key], bool):
            raise ComplianceConfigError(f"compliance rule '{rule_id}': '{key}' must be true or false")
    pinyin_terms: dict[str, str] = {}
    if flags["pinyin"]:
        for term in terms:
            spelled = term_pinyin(term)
            if spelled and len(term) >= 2:
                pinyin_terms[spelled] = term
        if not pinyin_terms:
            raise ComplianceConfigError(f"compliance rule '{rule_id}': pinyin = true needs Chinese terms")
    pinyin_pattern = (
        re.compile("|".join(re.escape(p) for p in sorted(pinyin_terms, key=len, reverse=True)))
        if pinyin_terms
        else None
    )
    allow = tuple(_dense_terms(rule_id, _strings(rule_id, entry, "allow"), confusables))
    unless_list = _strings(rule_id, entry, "unless")
    unless = _compile(rule_id, "unless", unless_list) if unless_list else None
    kinds_list = _strings(rule_id, entry, "kinds")
    unknown = set(kinds_list) - known_kinds
    if unknown:
        raise ComplianceConfigError(f"compliance rule '{rule_id}': unknown kinds {sorted(unknown)}")
    kinds = frozenset(kinds_list) if kinds_list else None
    return Rule(
        id=rule_id,
        severity=severity,
        message=message,
        pattern=pattern,
        pinyin_pattern=pinyin_pattern,
        pinyin_terms=pinyin_terms,
        negatable=flags["negatable"],
        allow=allow,
        unless=unless,
        kinds=kinds,
    )
