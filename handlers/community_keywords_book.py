"""Keyword auto-reply rules (config + database), matched by priority: pure logic, no HTTP.

A rule matches the whole text (``exact``, case-insensitive), a substring (``contains``) or a regular
expression (``regex``, searched); it may be limited to channels (app, kf) and to staff roles. Higher
priority wins; among equals, config rules come before database rules, then by name, so the outcome
never depends on load order. Database rules are re-read at most every ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from handlers.community_config import MATCHES, KeywordSpec
from handlers.regex_safety import check_regex

log = logging.getLogger("wecombot.community.keywords")
REGEX_TEXT_LIMIT = 300


@dataclass(frozen=True)
class CompiledRule:
    spec: KeywordSpec
    source: str  # "config" or "db"
    regex: re.Pattern[str] | None

    def matches_text(self, text: str) -> bool:
        folded = text.strip().lower()
        if self.spec.match == "exact":
            return folded == self.spec.pattern.strip().lower()
        if self.spec.match == "contains":
            return self.spec.pattern.lower() in folded
        # Keywords are near the start of a message; a bound on the text bounds any backtracking.
        return self.regex is not None and self.regex.search(text[:REGEX_TEXT_LIMIT]) is not None


def compile_rule(spec: KeywordSpec, source: str) -> CompiledRule:
    if spec.match not in MATCHES:
        raise ValueError(f"keyword rule {spec.name!r}: unknown match {spec.match!r}")
    if spec.match == "regex":
        check_regex(spec.pattern)  # UnsafeRegex is a ValueError: the rule is refused or skipped
    regex = re.compile(spec.pattern, re.IGNORECASE) if spec.match == "regex" else None
    return CompiledRule(spec, source, regex)


def order(rules: Iterable[CompiledRule]) -> list[CompiledRule]:
    return sorted(rules, key=lambda r: (-r.spec.priority, r.source != "config", r.spec.name))


async def first_match(
    rules: Iterable[CompiledRule],
    text: str,
    channel: str,
    role_of: Callable[[], Awaitable[str | None]],
) -> CompiledRule | None:
    """The highest-priority rule for ``text`` on ``channel``; the role is looked up only if needed."""
    role: str | None = None
    role_known = False
    for rule in rules:
        if rule.spec.channels and channel not in rule.spec.channels:
            continue
        if not rule.matches_text(text):
            continue
        if rule.spec.roles:
            if channel != "app":
                continue
            if not role_known:
                role, role_known = await role_of(), True
            if role not in rule.spec.roles:
                continue
        return rule
    return None


def _split(value: str) -> frozenset[str]:
    return frozenset(v.strip() for v in value.split(",") if v.strip())


class KeywordBook:
    """Config rules plus database rules, cached."""

    def __init__(self, config_rules: Iterable[KeywordSpec], ttl: float = 30.0) -> None:
        self._config = [compile_rule(spec, "config") for spec in config_rules]
        self._rules = order(self._config)
        self._loaded_at: float | None = None
        self._ttl = ttl
        self._lock = asyncio.Lock()

    @property
    def config_rules(self) -> list[CompiledRule]:
        """The rules of config/community.toml (read-only: they are reviewed in git)."""
        return list(self._config)

    def invalidate(self) -> None:
        """Re-read the database rules on the next message (after operations changed them)."""
        self._loaded_at = None

    async def rules(self, db: object) -> list[CompiledRule]:
        if db is None:
            return self._rules
        now = time.monotonic()
        if self._loaded_at is not None and now - self._loaded_at < self._ttl:
            return self._rules
        async with self._lock:
            if self._loaded_at is None or time.monotonic() - self._loaded_at >= self._ttl:
                self._rules = order([*self._config, *await self._load(db)])
                self._loaded_at = time.monotonic()
        return self._rules

    async def _load(self, db: object) -> list[CompiledRule]:
        from bot.db.models import KeywordRule

        async with db() as session:  # type: ignore[operator]
            rows = (await session.execute(select(KeywordRule).where(KeywordRule.enabled.is_(True)))).scalars()
            compiled = []
            for row in rows:
                spec = KeywordSpec(
                    name=row.name,
                    match=row.match,
                    pattern=row.pattern,
                    channels=_split(row.channels),
                    roles=_split(row.roles),
                    priority=row.priority,
                    template=row.template,
                    reply_text=row.reply_text,
                )
                try:
                    compiled.append(compile_rule(spec, "db"))
                except (re.error, ValueError) as exc:  # one bad row must not silence every rule
                    log.error("keyword rule %s skipped: %s", row.name, exc)
            return compiled
