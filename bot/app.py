"""``create_app(settings)``: the one application factory used by the CLI, the demo and the tests.

Each resource lives in its own ``cleanup_ctx`` generator (aiohttp "cleanup context"), set up in order
and torn down in reverse after the ``yield``. Tests may hand in ready resources (a state store, a
client) through ``overrides``; anything not given is built from the settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot import keys
from bot.api import setup_api
from bot.callback import setup_callback
from bot.compliance import ComplianceGate
from bot.console import setup_console
from bot.content import Renderer
from bot.directory import StaticDirectory
from bot.errors import ErrorPath
from bot.metrics import Metrics
from bot.routing import Dispatcher, Resources
from bot.settings import Settings
from bot.state import create_state_store
from bot.tasks import TaskTracker

log = logging.getLogger("wecombot.app")

# A hook that adds domain services/resources after the core ones exist (fund data, kf puller, ...).
StartupHook = Callable[[web.Application], AsyncIterator[None]]


MAX_REQUEST_LINE = 16 * 1024


def create_app(
    settings: Settings,
    *,
    overrides: dict[str, Any] | None = None,
    extra_contexts: list[StartupHook] | None = None,
) -> web.Application:
    overrides = overrides or {}
    # A request line holds the API's documented queries at their longest (several 200-character
    # search fields, percent-encoded UTF-8): 16 KiB instead of aiohttp's 8 KiB.
    app = web.Application(
        client_max_size=settings.callback.max_body_bytes,
        handler_args={"max_line_size": MAX_REQUEST_LINE},
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()

    async def state_ctx(app: web.Application) -> AsyncIterator[None]:
        store = overrides.get("state") or create_state_store(settings.redis_url)
        app[keys.STATE] = store
        yield
        if "state" not in overrides:
            await store.close()

    async def http_ctx(app: web.Application) -> AsyncIterator[None]:
        session = ClientSession(timeout=ClientTimeout(total=settings.wecom.http_timeout_seconds))
        app[keys.HTTP_SESSION] = session
        yield
        await session.close()

    async def wecom_ctx(app: web.Application) -> AsyncIterator[None]:
        if "wecom" in overrides:
            app[keys.WECOM] = overrides["wecom"]
        else:
            from bot.wecom.client import WeComClient

            app[keys.WECOM] = WeComClient(settings.wecom, app[keys.HTTP_SESSION], app[keys.STATE])
        yield

    async def db_ctx(app: web.Application) -> AsyncIterator[None]:
        if "db" in overrides:  # tests without a database pass db=None
            app[keys.DB] = overrides["db"]
            yield
            return
        from bot.database import open_database

        migrate = bool(overrides.get("migrate_database", False))
        async with open_database(settings.database_url, migrate=migrate) as sessionmaker:
            app[keys.DB] = sessionmaker
            yield

    async def tasks_ctx(app: web.Application) -> AsyncIterator[None]:
        app[keys.TASKS] = TaskTracker()
        yield
        await app[keys.TASKS].close()

    async def dispatcher_ctx(app: web.Application) -> AsyncIterator[None]:
        from handlers import build_root_router, service_contexts

        app[keys.RENDER] = overrides.get("render") or Renderer()
        resources = Resources(
            settings=settings,
            wecom=app[keys.WECOM],
            db=app[keys.DB],
            render=app[keys.RENDER],
            state=app[keys.STATE],
            tasks=app[keys.TASKS],
            directory=overrides.get("directory") or _directory(settings, app[keys.DB]),
            clock=overrides.get("clock") or (lambda: datetime.now(settings.tz)),
        )
        resources.compliance = overrides.get("compliance") or ComplianceGate.from_config()
        # jieba's dictionary takes ~2 s to load; do it off the event loop before the first message.
        await asyncio.get_running_loop().run_in_executor(None, resources.compliance.warm_up)
        errors = ErrorPath(app[keys.METRICS])
        root = overrides.get("router") or build_root_router()
        app[keys.DISPATCHER] = Dispatcher(root, resources, errors, metrics=app[keys.METRICS])
        async with AsyncExitStack() as stack:
            for context in service_contexts():
                await stack.enter_async_context(asynccontextmanager(context)(app))
            yield

    # The database check comes first: a database that is behind stops start-up before anything opens.
    app.cleanup_ctx.extend([db_ctx, state_ctx, http_ctx, wecom_ctx, tasks_ctx, dispatcher_ctx])
    app.cleanup_ctx.extend(extra_contexts or [])
    setup_callback(app)
    setup_api(app)  # /api/v1: API keys or a console session (bot.access)
    setup_console(app)  # /console/: server-rendered pages for operations, reviewers, managers, admins
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


def _directory(settings: Settings, sessionmaker: Any) -> Any:
    """The staff table when there is a database, with ``[staff]`` in the configuration as a fallback."""
    static = StaticDirectory(settings.section("staff"))
    if sessionmaker is None:
        return static
    from bot.directory_db import DbDirectory

    return DbDirectory(sessionmaker, fallback=static)


async def healthz(request: web.Request) -> web.Response:
    """200 when the state store answers; 503 with the reason otherwise."""
    try:
        ok = await request.app[keys.STATE].ping()
    except Exception as exc:  # any failure of the store means not ready
        return web.json_response({"status": "unavailable", "state": repr(exc)}, status=503)
    status = 200 if ok else 503
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "tasks": len(request.app[keys.TASKS])}, status=status
    )


async def metrics(request: web.Request) -> web.Response:
    body = request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": Metrics.content_type})
