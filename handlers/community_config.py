"""The ``[community]`` configuration: channel rules, welcome attachments, group kinds, keyword rules.

Read from ``config/community.toml``; a ``[community]`` section in the merged settings (the file named by
``WECOMBOT_CONFIG``) overrides it key by key. Bad values fail at start-up with the key named.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT
from handlers.regex_safety import UnsafeRegex, check_regex

DEFAULT_PATH = PROJECT_ROOT / "config" / "community.toml"
SEGMENTS = ("long_tail", "affluent", "hnw")
ATTACHMENT_TYPES = ("link", "miniprogram", "image")
MATCHES = ("exact", "contains", "regex")
CHANNELS = ("app", "kf")


class CommunityConfigError(ValueError):
    """A bad ``[community]`` value; the message names the key."""


@dataclass(frozen=True)
class ChannelRule:
    prefix: str
    channel: str
    tags: tuple[str, ...]
    compliance_kind: str = "service"


@dataclass(frozen=True)
class AttachmentSpec:
    channel: str  # "*" = any
    segment: str  # "*" = any
    type: str
    fields: Mapping[str, str]

    def applies(self, channel: str, segment: str) -> bool:
        return self.channel in ("*", channel) and self.segment in ("*", segment)


@dataclass(frozen=True)
class KeywordSpec:
    name: str
    match: str
    pattern: str
    channels: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    priority: int = 0
    template: str = ""
    reply_text: str = ""


@dataclass(frozen=True)
class CommunityConfig:
    welcome_window_seconds: float = 18.0
    opt_out_words: tuple[str, ...] = ("退订", "TD")
    opt_in_words: tuple[str, ...] = ("订阅",)
    manager_opt_out_command: str = "退订"
    manager_opt_in_command: str = "恢复订阅"
    channels: tuple[ChannelRule, ...] = ()
    attachments: tuple[AttachmentSpec, ...] = ()
    group_kinds: tuple[str, ...] = ()
    keywords: tuple[KeywordSpec, ...] = field(default_factory=tuple)

    def channel_of(self, state: str) -> tuple[ChannelRule | None, str]:
        """The rule for a contact-way State and the parameter after its prefix."""
        for rule in self.channels:
            if state.startswith(rule.prefix):
                return rule, state[len(rule.prefix) :]
        return None, ""


def _fail(key: str, problem: str) -> CommunityConfigError:
    return CommunityConfigError(f"[community] {key}: {problem}")


def _strs(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(key, "must be a list of non-empty strings")
    return tuple(value)


def _str(entry: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise _fail(f"{where}.{key}", "must be a non-empty string")
    return value


def _channel(entry: Mapping[str, Any], i: int) -> ChannelRule:
    where = f"channels[{i}]"
    return ChannelRule(
        prefix=_str(entry, "prefix", where),
        channel=_str(entry, "channel", where),
        tags=_strs(entry.get("tags"), f"{where}.tags"),
        compliance_kind=_str(entry, "compliance_kind", where, "service") or "service",
    )


def _attachment(entry: Mapping[str, Any], i: int) -> AttachmentSpec:
    where = f"welcome_attachments[{i}]"
    kind = _str(entry, "type", where)
    if kind not in ATTACHMENT_TYPES:
        raise _fail(f"{where}.type", f"must be one of {ATTACHMENT_TYPES}, got {kind!r}")
    segment = _str(entry, "segment", where, "*") or "*"
    if segment not in (*SEGMENTS, "*"):
        raise _fail(f"{where}.segment", f"must be one of {SEGMENTS} or '*', got {segment!r}")
    required = {"link": ("title", "url"), "miniprogram": ("title", "appid", "page", "file"), "image": ()}[
        kind
    ]
    for name in required:
        _str(entry, name, where)
    if kind == "image" and not (entry.get("pic_url") or entry.get("file")):
        raise _fail(where, "an image needs pic_url or file")
    fields = {k: str(v) for k, v in entry.items() if k not in ("channel", "segment", "type")}
    return AttachmentSpec(_str(entry, "channel", where, "*") or "*", segment, kind, fields)


def _keyword(entry: Mapping[str, Any], i: int) -> KeywordSpec:
    where = f"keywords[{i}]"
    match = _str(entry, "match", where, "exact") or "exact"
    if match not in MATCHES:
        raise _fail(f"{where}.match", f"must be one of {MATCHES}, got {match!r}")
    pattern = _str(entry, "pattern", where)
    if match == "regex":
        try:
            check_regex(pattern)
        except re.error as exc:
            raise _fail(f"{where}.pattern", f"bad regular expression: {exc}") from exc
        except UnsafeRegex as exc:
            raise _fail(f"{where}.pattern", str(exc)) from exc
    channels = frozenset(_strs(entry.get("channels"), f"{where}.channels"))
    if channels - set(CHANNELS):
        raise _fail(f"{where}.channels", f"must be among {CHANNELS}")
    template = _str(entry, "template", where, "")
    if not template:
        raise _fail(f"{where}.template", "a config rule names its reply template")
    priority = entry.get("priority", 0)
    if not isinstance(priority, int):
        raise _fail(f"{where}.priority", "must be an integer")
    return KeywordSpec(
        name=_str(entry, "name", where),
        match=match,
        pattern=pattern,
        channels=channels,
        roles=frozenset(_strs(entry.get("roles"), f"{where}.roles")),
        priority=priority,
        template=template,
    )


def _table_list(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _fail(key, "must be an array of tables ([[...]])")
    return value


def parse_config(raw: Mapping[str, Any]) -> CommunityConfig:
    window = raw.get("welcome_window_seconds", 18)
    if not isinstance(window, int | float) or not 0 < window <= 20:
        raise _fail("welcome_window_seconds", f"must be a number in (0, 20], got {window!r}")
    group_welcome = raw.get("group_welcome", {})
    if not isinstance(group_welcome, Mapping):
        raise _fail("group_welcome", "must be a table")
    return CommunityConfig(
        welcome_window_seconds=float(window),
        opt_out_words=_strs(raw.get("opt_out_words", ["退订", "TD"]), "opt_out_words"),
        opt_in_words=_strs(raw.get("opt_in_words", ["订阅"]), "opt_in_words"),
        manager_opt_out_command=str(raw.get("manager_opt_out_command", "退订")),
        manager_opt_in_command=str(raw.get("manager_opt_in_command", "恢复订阅")),
        channels=tuple(_channel(e, i) for i, e in enumerate(_table_list(raw, "channels"))),
        attachments=tuple(_attachment(e, i) for i, e in enumerate(_table_list(raw, "welcome_attachments"))),
        group_kinds=_strs(group_welcome.get("kinds"), "group_welcome.kinds"),
        keywords=tuple(_keyword(e, i) for i, e in enumerate(_table_list(raw, "keywords"))),
    )


def load_config(overrides: Mapping[str, Any] | None = None, path: Path = DEFAULT_PATH) -> CommunityConfig:
    """The file's values, with ``overrides`` (the settings' ``[community]`` section) on top."""
    try:
        with path.open("rb") as fh:
            raw: dict[str, Any] = tomllib.load(fh)
    except FileNotFoundError:
        raw = {}
    except tomllib.TOMLDecodeError as exc:
        raise CommunityConfigError(f"{path}: {exc}") from exc
    raw.update(dict(overrides or {}))
    return parse_config(raw)
