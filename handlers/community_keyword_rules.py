"""Keyword rules that operations staff edit (the database side of the :class:`KeywordBook`).

Config rules (``config/community.toml``) are reviewed in git and only listed here. Database rules are
created, changed, switched off and on through the API and the console. A rule is checked before it is
saved, the way the bot will use it: the pattern compiles, and its reply, rendered for each channel the
rule answers on, passes the compliance gate as service content. A reply the gate would block at send
time would otherwise be dropped silently each time a customer asked. Every change is in the change log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import changes
from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.db.base import STAFF_ROLES
from bot.db.models import KeywordRule
from handlers.community_config import CHANNELS, MATCHES, KeywordSpec
from handlers.community_keywords import reply_for
from handlers.community_keywords_book import KeywordBook, compile_rule
from handlers.regex_safety import UnsafeRegex

Sessions = async_sessionmaker[AsyncSession]
TEMPLATE_FOLDER = "community/keywords"
FIELDS = ("match", "pattern", "channels", "roles", "priority", "template", "reply_text", "enabled")
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RuleError(ValueError):
    """A rule that cannot be saved as given; ``field`` names the part to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class RuleExists(RuleError):
    pass


class RuleBlocked(Exception):
    """The reply would fail the compliance gate: ``findings`` say where and why."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        super().__init__("the reply fails the compliance gate")
        self.findings = findings


@dataclass(frozen=True)
class RuleDesk:
    """What saving a rule needs: the database, the book to refresh, and the renderer and gate to check."""

    db: Sessions
    book: KeywordBook
    render: Renderer
    gate: ComplianceGate | None

    async def list(self) -> list[dict[str, Any]]:
        """Config rules and database rules (on or off), in the order the bot tries them."""
        async with self.db() as session:
            rows = list((await session.execute(select(KeywordRule))).scalars())
        views = [_view(rule.spec, "config", True, None) for rule in self.book.config_rules]
        views += [_view(_spec(row), "db", row.enabled, row.updated_at) for row in rows]
        views.sort(key=lambda v: (not v["enabled"], -v["priority"], v["source"] != "config", v["name"]))
        return views

    async def get(self, name: str) -> dict[str, Any] | None:
        return next((v for v in await self.list() if v["name"] == name), None)

    def templates(self) -> list[str]:
        """The reply templates a rule may name (``db_reply`` is the frame for written replies)."""
        return [t for t in self.render.list(TEMPLATE_FOLDER) if not t.endswith("/db_reply")]

    async def create(self, data: Mapping[str, Any], by: changes.Actor) -> dict[str, Any]:
        name = str(data.get("name") or "").strip()
        if not NAME.match(name):
            raise RuleError("name", "1-64 of a-z, 0-9, _ . - (starting with a letter or digit)")
        if name in {rule.spec.name for rule in self.book.config_rules}:
            raise RuleExists("name", f"{name!r} is a config rule (config/community.toml)")
        fields = self._checked({"channels": [], "roles": [], "priority": 0, "enabled": True, **data}, name)
        async with self.db() as session, session.begin():
            if (await session.execute(select(KeywordRule.id).where(KeywordRule.name == name))).first():
                raise RuleExists("name", f"{name!r} exists already")
            row = KeywordRule(name=name, **_columns(fields))
            session.add(row)
            changes.record(session, by, "keyword_rule.create", "keyword_rule", name, _detail(fields))
        self.book.invalidate()
        return await self._view_of(name)

    async def update(self, name: str, data: Mapping[str, Any], by: changes.Actor) -> dict[str, Any] | None:
        """Change the given fields; None when there is no such database rule."""
        async with self.db() as session, session.begin():
            found = await session.execute(select(KeywordRule).where(KeywordRule.name == name))
            row = found.scalar_one_or_none()
            if row is None:
                return None
            current = _fields(row)
            given = {k: v for k, v in data.items() if k in FIELDS}
            if given.get("template"):
                given.setdefault("reply_text", "")
            if given.get("reply_text"):
                given.setdefault("template", "")
            fields = self._checked({**current, **given}, name)
            changed = {k: fields[k] for k in fields if fields[k] != current[k]}
            if changed:
                for key, value in _columns(changed).items():
                    setattr(row, key, value)
                changes.record(session, by, "keyword_rule.update", "keyword_rule", name, _detail(changed))
        self.book.invalidate()
        return await self._view_of(name)

    async def _view_of(self, name: str) -> dict[str, Any]:
        found = await self.get(name)
        assert found is not None
        return found

    def _checked(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        """The fields, normalised; raises RuleError or RuleBlocked."""
        match = data.get("match", "exact")
        if match not in MATCHES:
            raise RuleError("match", f"one of {', '.join(MATCHES)}")
        pattern = data.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip() or len(pattern) > 256:
            raise RuleError("pattern", "the words to match, 1-256 characters")
        channels = _subset(data.get("channels"), CHANNELS, "channels")
        roles = _subset(data.get("roles"), STAFF_ROLES, "roles")
        if roles and channels == ["kf"]:
            raise RuleError("roles", "roles limit staff in the app; a kf-only rule has none to limit")
        priority = data.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int) or not -1000 <= priority <= 1000:
            raise RuleError("priority", "an integer from -1000 to 1000 (higher is tried first)")
        template = str(data.get("template") or "")
        reply_text = str(data.get("reply_text") or "").strip()
        if bool(template) == bool(reply_text):
            raise RuleError("reply_text", "give either reply_text or a template, not both and not neither")
        if template and template not in self.templates():
            raise RuleError("template", f"one of {', '.join(self.templates())}")
        if len(reply_text) > 1000:
            raise RuleError("reply_text", "at most 1000 characters")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise RuleError("enabled", "true or false")
        fields = {
            "match": match,
            "pattern": pattern.strip(),
            "channels": channels,
            "roles": roles,
            "priority": priority,
            "template": template,
            "reply_text": reply_text,
            "enabled": enabled,
        }
        try:
            compiled = compile_rule(_spec_of(name, fields), "db")
        except re.error as exc:
            raise RuleError("pattern", f"not a regular expression: {exc}") from None
        except UnsafeRegex as exc:
            raise RuleError("pattern", str(exc)) from None
        self._gate(compiled, channels or list(CHANNELS))
        return fields

    def _gate(self, compiled: Any, channels: list[str]) -> None:
        if self.gate is None:
            return
        findings: list[dict[str, Any]] = []
        for channel in channels:
            text, template = reply_for(compiled, self.render, channel)
            result = self.gate.check(text, kind="service", template=template)
            findings += [
                {"channel": channel, "rule": f.rule_id, "message": f.message, "excerpt": f.excerpt}
                for f in result.blocking
            ]
        if findings:
            raise RuleBlocked(findings)


def _subset(value: object, allowed: tuple[str, ...], field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(field, f"a list among {', '.join(allowed)} (empty: all)")
    items = sorted({v.strip() for v in value})
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise RuleError(field, f"{', '.join(unknown)} unknown; among {', '.join(allowed)}")
    return items


def _spec_of(name: str, fields: Mapping[str, Any]) -> KeywordSpec:
    return KeywordSpec(
        name=name,
        match=fields["match"],
        pattern=fields["pattern"],
        channels=frozenset(fields["channels"]),
        roles=frozenset(fields["roles"]),
        priority=fields["priority"],
        template=fields["template"],
        reply_text=fields["reply_text"],
    )


def _split(value: str) -> list[str]:
    return sorted(v.strip() for v in (value or "").split(",") if v.strip())


def _fields(row: KeywordRule) -> dict[str, Any]:
    return {
        "match": row.match,
        "pattern": row.pattern,
        "channels": _split(row.channels),
        "roles": _split(row.roles),
        "priority": row.priority,
        "template": row.template or "",
        "reply_text": row.reply_text or "",
        "enabled": bool(row.enabled),
    }


def _spec(row: KeywordRule) -> KeywordSpec:
    return _spec_of(row.name, _fields(row))


def _columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as the table stores them (channels and roles as comma lists)."""
    return {k: ",".join(v) if k in ("channels", "roles") else v for k, v in fields.items()}


def _detail(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != "reply_text"} | (
        {"reply_text": fields["reply_text"][:200]} if fields.get("reply_text") else {}
    )


def _view(spec: KeywordSpec, source: str, enabled: bool, updated_at: Any) -> dict[str, Any]:
    return {
        "name": spec.name,
        "source": source,
        "match": spec.match,
        "pattern": spec.pattern,
        "channels": sorted(spec.channels),
        "roles": sorted(spec.roles),
        "priority": spec.priority,
        "template": spec.template,
        "reply_text": spec.reply_text,
        "enabled": enabled,
        "editable": source == "db",
        "updated_at": updated_at.isoformat() if updated_at is not None else None,
    }
