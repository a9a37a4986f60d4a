"""Routers, handler registration and dispatch (aiogram-style, WeCom vocabulary).

One ``router = Router(name=__name__)`` per handler module; ``handlers/__init__.py`` includes them in one
visible order and the first matching handler wins. A handler's parameters are checked at registration
against the closed list in :data:`HANDLER_ARGUMENTS` plus what its filters provide, so a typo fails at
import time, not on the first customer message.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from bot.errors import ErrorPath
from bot.matchers import Command, EventIs, Regex, text_of
from bot.wecom.events import Event, KfCustomerMessage, Message, TextMessage
from bot.wecom.replies import Reply, as_reply

log = logging.getLogger("wecombot.routing")

HandlerFunc = Callable[..., Awaitable[Any]]
Middleware = Callable[
    [Callable[[Event, dict[str, Any]], Awaitable[Any]], Event, dict[str, Any]], Awaitable[Any]
]

# The arguments a handler may ask for, by name. Values come from Resources or from the dispatch.
HANDLER_ARGUMENTS: dict[str, str] = {
    "event": "the typed event being handled (bot.wecom.events)",
    "data": "dict of everything the matching filters returned",
    "settings": "bot.settings.Settings",
    "wecom": "the WeCom API client (bot.wecom.client.WeComClient)",
    "db": "SQLAlchemy async_sessionmaker, or None when no database is configured",
    "render": "bot.content.Renderer over content_templates/",
    "state": "bot.state.StateStore (dedupe, locks, counters, cursors)",
    "tasks": "bot.tasks.TaskTracker for work that outlives the handler",
    "directory": "who a member is (role, name): bot.directory",
    "compliance": "the pre-send compliance gate",
    "services": "dict of domain services registered at start-up (fund data, journeys, ...)",
    "clock": "a callable returning the current aware datetime (controllable in tests)",
}


@dataclass
class Resources:
    """What handlers can receive; filled by ``create_app`` (or the chat CLI, or tests)."""

    settings: Any = None
    wecom: Any = None
    db: Any = None
    render: Any = None
    state: Any = None
    tasks: Any = None
    directory: Any = None
    compliance: Any = None
    services: dict[str, Any] = field(default_factory=dict)
    clock: Any = None


_RESOURCE_NAMES = {f.name for f in fields(Resources)}
assert _RESOURCE_NAMES | {"event", "data"} == set(HANDLER_ARGUMENTS), "keep the documented list in sync"


def _arity(func: Callable[..., Any]) -> int:
    target = func if inspect.isfunction(func) or inspect.ismethod(func) else func.__call__  # type: ignore[operator]
    params = [
        p
        for p in inspect.signature(target).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(params)


def _is_async(func: Callable[..., Any]) -> bool:
    call = func if inspect.isfunction(func) or inspect.ismethod(func) else getattr(func, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(call)


@dataclass
class HandlerEntry:
    callback: HandlerFunc
    filters: tuple[Callable[..., Any], ...]
    params: tuple[str, ...]
    name: str
    # Per filter, read once at registration: takes (event) or (event, resources); async or not.
    # An async filter must be an ``async def`` (or a class with one as ``__call__``).
    plan: tuple[tuple[Callable[..., Any], bool, bool], ...] = ()

    def __post_init__(self) -> None:
        self.plan = tuple((f, _arity(f) >= 2, _is_async(f)) for f in self.filters)

    async def match(self, event: Event, resources: Resources) -> dict[str, Any] | None:
        data: dict[str, Any] = {}
        for flt, wants_resources, is_async in self.plan:
            result = flt(event, resources) if wants_resources else flt(event)
            if is_async:
                result = await result
            elif result is not True and result is not None and hasattr(result, "__await__"):
                raise TypeError(f"filter {flt!r} returned an awaitable: declare it with async def")
            if not result:
                return None
            if result is not True and isinstance(result, dict):
                data.update(result)
        return data


class Router:
    """Handlers of one module; decorators named after WeCom concepts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: list[HandlerEntry] = []
        self.children: list[Router] = []

    def include(self, *routers: Router) -> None:
        for router in routers:
            if router is self or router in self.children:
                raise ValueError(f"router {router.name} included twice")
            self.children.append(router)

    def walk(self) -> list[HandlerEntry]:
        """Every handler in match order: this router's own, then its children's in inclusion order."""
        entries = list(self.handlers)
        for child in self.children:
            entries.extend(child.walk())
        return entries

    def register(self, callback: HandlerFunc, *filters: Callable[..., Any]) -> HandlerFunc:
        if not inspect.iscoroutinefunction(callback):
            raise TypeError(f"handler {callback.__qualname__} must be an async function")
        provided = set().union(*(getattr(f, "provides", frozenset()) for f in filters))
        params = tuple(inspect.signature(callback).parameters)
        unknown = [p for p in params if p not in HANDLER_ARGUMENTS and p not in provided]
        if unknown:
            raise TypeError(
                f"handler {callback.__qualname__} asks for {unknown}; allowed: "
                f"{sorted(HANDLER_ARGUMENTS)} plus what its filters provide {sorted(provided)}"
            )
        self.handlers.append(HandlerEntry(callback, filters, params, f"{self.name}.{callback.__name__}"))
        return callback

    def _decorator(self, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        def decorate(callback: HandlerFunc) -> HandlerFunc:
            return self.register(callback, *filters)

        return decorate

    def message(self, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        """Any message from a member to the app, or a kf customer message."""
        return self._decorator(lambda e: isinstance(e, Message | KfCustomerMessage), *filters)

    def text(self, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        """A text message (app or kf)."""
        return self._decorator(lambda e: isinstance(e, TextMessage | KfCustomerMessage), *filters)

    def command(
        self, *names: str, filters: Sequence[Callable[..., Any]] = ()
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """A text starting with a command word (``帮助``, ``诊断 000001``); the rest arrives as ``args``."""
        return self._decorator(Command(*names), *filters)

    def regex(self, pattern: str, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        return self._decorator(Regex(pattern), *filters)

    def event(
        self,
        event: str,
        change_type: str | Sequence[str] | None = None,
        *filters: Callable[..., Any],
        update_detail: str | None = None,
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """An app event (``change_external_contact`` + ``add_external_contact``, ``enter_agent``, ...)."""
        return self._decorator(EventIs(event, change_type, update_detail), *filters)

    def kf(self, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        """A customer's message through WeChat Customer Service."""
        return self._decorator(lambda e: isinstance(e, KfCustomerMessage), *filters)

    def any(self, *filters: Callable[..., Any]) -> Callable[[HandlerFunc], HandlerFunc]:
        return self._decorator(*filters) if filters else self._decorator(lambda e: True)


@dataclass(frozen=True)
class DispatchResult:
    handler: str | None
    reply: Reply | None
    error: BaseException | None = None


class Dispatcher:
    """Runs the first matching handler for an event through the middlewares, on one error path."""

    def __init__(
        self,
        root: Router,
        resources: Resources,
        errors: ErrorPath,
        middlewares: Sequence[Middleware] = (),
        metrics: Any = None,
    ) -> None:
        self.root = root
        self.resources = resources
        self.errors = errors
        self.middlewares = list(middlewares)  # outermost first
        self.metrics = metrics
        self._entries = root.walk()

    def refresh(self) -> None:
        """Re-read the routers (after a router was included at start-up)."""
        self._entries = self.root.walk()

    async def find(self, event: Event) -> tuple[HandlerEntry, dict[str, Any]] | None:
        for entry in self._entries:
            data = await entry.match(event, self.resources)
            if data is not None:
                return entry, data
        return None

    async def dispatch(self, event: Event) -> DispatchResult:
        """Never raises for a handler error: it is reported and the result carries it."""
        try:
            found = await self.find(event)
        except Exception as exc:
            await self.errors.report(exc, where="matching", event=event)
            return DispatchResult(None, None, exc)
        if found is None:
            log.debug("no handler for %s (%s)", event.kind, (text_of(event) or "")[:40])
            return DispatchResult(None, None)
        entry, data = found

        async def call(ev: Event, d: dict[str, Any]) -> Any:
            kwargs = {}
            for name in entry.params:
                if name == "event":
                    kwargs[name] = ev
                elif name == "data":
                    kwargs[name] = d
                elif name in d:
                    kwargs[name] = d[name]
                else:
                    kwargs[name] = getattr(self.resources, name)
            return await entry.callback(**kwargs)

        chain = call
        for middleware in reversed(self.middlewares):
            chain = _bind(middleware, chain)
        started = time.perf_counter()
        try:
            reply = as_reply(await chain(event, data))
        except Exception as exc:
            await self.errors.report(exc, where=f"handler:{entry.name}", event=event)
            return DispatchResult(entry.name, None, exc)
        finally:
            if self.metrics is not None:
                self.metrics.handler_latency.labels(entry.name).observe(time.perf_counter() - started)
        return DispatchResult(entry.name, reply)


def _bind(middleware: Middleware, inner: Callable[[Event, dict[str, Any]], Awaitable[Any]]):
    async def wrapped(event: Event, data: dict[str, Any]) -> Any:
        return await middleware(inner, event, data)

    return wrapped
