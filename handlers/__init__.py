"""Handler modules, included in one visible order: the first matching handler wins.

Keyword overrides come first (operations can answer any text), then the domain routers, then help,
then the fallback that says what can be asked.

Domain modules that need long-lived services (a fund index, a kf puller, a journey engine) list a
start-up context in :func:`service_contexts`; each is an async generator taking the aiohttp app that
puts its service into ``app[keys.DISPATCHER].resources.services[NAME]`` before ``yield`` and closes it
after, run in order after the core resources exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.routing import Router

ServiceContext = Callable[[web.Application], AsyncIterator[None]]


def build_root_router() -> Router:
    """A fresh root router with every handler module included in match order."""
    from handlers import fallback, help

    root = Router(name="root")
    root.include(help.router, fallback.router)
    return root


def service_contexts() -> list[ServiceContext]:
    """Start-up contexts of the domain services, in start order (stopped in reverse)."""
    return []
