"""The WeCom simulator as an aiohttp application: ``create_sandbox_app`` and ``run_sandbox``.

    app = create_sandbox_app(build_corp(), clock=fake_clock, callback_url="http://127.0.0.1:8080/wecom/callback")
    state = sandbox_state(app)   # tokens, request log, delivered messages, tasks, kf sessions, ...

It serves WeCom's own paths under ``/cgi-bin/`` with WeCom's answers, limits and errcodes, records
every request for ``GET /_sandbox/requests``, and, given ``callback_url``, calls the service back
with signed, encrypted callbacks when a ``/_sandbox/actions/*`` endpoint is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import ClientSession, ClientTimeout, web

from bot.sandbox import (
    actions,
    routes_external,
    routes_groupchat,
    routes_groupmsg,
    routes_inspect,
    routes_kf,
    routes_login,
    routes_message,
    routes_token,
)
from bot.sandbox.corp import SyntheticCorp, build_corp
from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_TOKEN
from bot.sandbox.driver import CallbackDriver
from bot.sandbox.limits import SandboxLimits
from bot.sandbox.middleware import api_middleware, fault_middleware, record_middleware
from bot.sandbox.store import SANDBOX_STATE, SandboxState, sandbox_state, seed_state

__all__ = ["create_sandbox_app", "run_sandbox", "sandbox_state"]

log = logging.getLogger("wecombot.sandbox")

_ROUTES = (
    routes_token.routes,
    routes_login.routes,
    routes_message.routes,
    routes_external.routes,
    routes_groupchat.routes,
    routes_groupmsg.routes,
    routes_kf.routes,
    routes_inspect.routes,
    actions.routes,
)


def create_sandbox_app(
    corp: SyntheticCorp | None = None,
    *,
    clock: Callable[[], float] = time.time,
    callback_url: str | None = None,
    limits: SandboxLimits | None = None,
    callback_timeout: float = 10.0,
) -> web.Application:
    """Build the simulator; ``clock`` drives token expiry, quotas and code lifetimes."""
    state: SandboxState = seed_state(corp or build_corp(), clock, limits or SandboxLimits(), callback_url)
    app = web.Application(
        middlewares=[record_middleware, fault_middleware, api_middleware, actions.action_errors],
        client_max_size=32 << 20,
    )
    app[SANDBOX_STATE] = state
    for table in _ROUTES:
        app.add_routes(table)
    if callback_url:
        app.cleanup_ctx.append(_driver_ctx(callback_url, callback_timeout))
    return app


def _driver_ctx(callback_url: str, timeout: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def driver(app: web.Application) -> AsyncIterator[None]:
        session = ClientSession(timeout=ClientTimeout(total=timeout))
        state = sandbox_state(app)
        app[actions.SANDBOX_DRIVER] = CallbackDriver(
            callback_url, SANDBOX_TOKEN, SANDBOX_AES_KEY, state.corp.corp_id, session
        )
        yield
        await session.close()

    return driver


async def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    callback_url: str | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve the simulator until ``stop`` is set (or the task is cancelled)."""
    app = create_sandbox_app(callback_url=callback_url)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("WeCom sandbox listening on http://%s:%s/cgi-bin/ (callbacks to %s)", host, port, callback_url)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
