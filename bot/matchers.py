"""Pure matchers (filters) over events, testable alone (bolt ``listener_matcher`` style).

A filter is a callable ``(event) -> bool | dict | None``, or ``(event, resources)`` when it needs a
look-up, sync or async. A dict result means "matched" and its items become handler arguments; a filter
that hands out values declares their names in ``provides`` so handlers are checked at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.wecom.events import ChangeEvent, Event, KfCustomerMessage, TextMessage


def text_of(event: Event) -> str | None:
    """The text a person wrote, for app text messages and kf customer texts; None otherwise."""
    if isinstance(event, TextMessage | KfCustomerMessage):
        return event.content.strip()
    return None


class Text:
    """The whole text equals one of ``values`` (case-insensitive, surrounding spaces ignored)."""

    provides: frozenset[str] = frozenset()

    def __init__(self, *values: str) -> None:
        self.values = {v.strip().lower() for v in values}

    def __call__(self, event: Event) -> bool:
        text = text_of(event)
        return text is not None and text.lower() in self.values


class Contains:
    provides: frozenset[str] = frozenset()

    def __init__(self, *words: str) -> None:
        self.words = tuple(w.lower() for w in words)

    def __call__(self, event: Event) -> bool:
        text = text_of(event)
        return text is not None and any(w in text.lower() for w in self.words)


class Regex:
    """``re.search`` over the text; the match object is handed to the handler as ``match``."""

    provides = frozenset({"match"})

    def __init__(self, pattern: str | re.Pattern[str], flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags) if isinstance(pattern, str) else pattern

    def __call__(self, event: Event) -> dict[str, Any] | None:
        text = text_of(event)
        if text is None:
            return None
        match = self.pattern.search(text)
        return {"match": match} if match else None


class Command:
    """Text that starts with one of the command words; the rest is handed over as ``args``.

    ``诊断 000001``, ``诊断000001`` and ``/诊断 000001`` all match ``Command("诊断")`` with args "000001".
    """

    provides = frozenset({"args"})

    def __init__(self, *names: str) -> None:
        self.names = sorted((n.lower() for n in names), key=len, reverse=True)

    def __call__(self, event: Event) -> dict[str, Any] | None:
        text = text_of(event)
        if text is None:
            return None
        body = text.lstrip("/／").lower()
        for name in self.names:
            if body.startswith(name):
                rest = text.lstrip("/／")[len(name) :]
                if name.isascii() and rest[:1].isalnum():  # "helpme" is not "help"
                    continue
                return {"args": rest.strip(" ：:，,")}
        return None


class MsgType:
    provides: frozenset[str] = frozenset()

    def __init__(self, *types: str) -> None:
        self.types = set(types)

    def __call__(self, event: Event) -> bool:
        return event.msg_type in self.types


class EventIs:
    """An app event by name, optionally by ChangeType and UpdateDetail."""

    provides: frozenset[str] = frozenset()

    def __init__(
        self, event: str, change_type: str | Iterable[str] | None = None, update_detail: str | None = None
    ):
        self.event = event
        self.change_types = {change_type} if isinstance(change_type, str) else set(change_type or ())
        self.update_detail = update_detail

    def __call__(self, event: Event) -> bool:
        if getattr(event, "event", None) != self.event:
            return False
        if self.change_types and not (
            isinstance(event, ChangeEvent) and event.change_type in self.change_types
        ):
            return False
        return self.update_detail is None or getattr(event, "update_detail", None) == self.update_detail


class Channel:
    """``app`` (a member wrote to our app) or ``kf`` (a customer through WeChat Customer Service)."""

    provides: frozenset[str] = frozenset()

    def __init__(self, *channels: str) -> None:
        self.channels = set(channels)

    def __call__(self, event: Event) -> bool:
        return event.channel in self.channels


class Role:
    """The sender is staff with one of ``roles`` (rm, ops, compliance), per the directory resource."""

    provides = frozenset({"role"})

    def __init__(self, *roles: str) -> None:
        self.roles = set(roles)

    async def __call__(self, event: Event, resources: Any) -> dict[str, Any] | None:
        if event.channel != "app" or resources.directory is None:
            return None
        role = await resources.directory.role_of(event.sender)
        return {"role": role} if role in self.roles else None
