"""The embedded default in one process: the service, the WeCom simulator and the synthetic corp.

Used by ``wecombot demo``, ``wecombot chat`` and the scenario tests. Both apps listen on 127.0.0.1;
the service's ``WECOM_API_BASE`` points at the simulator and the simulator's callbacks at the service,
so every byte between them is WeCom's real wire format.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.app import create_app
from bot.console.render import SANDBOX_URL
from bot.sandbox.app import create_sandbox_app
from bot.sandbox.corp import SyntheticCorp, build_corp
from bot.sandbox.credentials import sandbox_env
from bot.settings import Settings, load_raw, settings_from_raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortInUse(OSError):
    """A port the stack was told to use is taken; the message names it and the option to change."""


def listen(port: int, what: str) -> socket.socket:
    """A loopback socket bound now (0 = any free port), so nothing can take the port before we serve."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        reason = f"the {what} cannot listen on 127.0.0.1:{port}: {error.strerror}"
        raise PortInUse(error.errno, reason) from error
    return sock


def embedded_settings(
    api_base: str,
    database_url: str | None = None,
    redis_url: str | None = None,
    port: int = 8080,
    api_token: str | None = None,
) -> Settings:
    """The normal configuration (files + environment) with the sandbox corp's WeCom credentials."""
    raw = load_raw()
    db = database_url or str(raw.get("database", {}).get("url"))
    raw = load_raw({**os.environ, **sandbox_env(api_base, db, redis_url)})
    raw.setdefault("server", {})["port"] = port
    raw["server"]["host"] = "127.0.0.1"
    # WeCom's sign-in page is the simulator's too: its address is the API base without /cgi-bin/.
    sandbox = api_base.removesuffix("/").removesuffix("/cgi-bin")
    raw.setdefault("console", {}).update(login_base=sandbox, oauth_base=sandbox)
    if not raw["console"].get("public_url"):  # managers' cards link to the demo's console
        raw["console"]["public_url"] = f"http://127.0.0.1:{port}"
    if api_token:
        raw.setdefault("service", {})["api_token"] = api_token
    return settings_from_raw(raw)


@dataclass
class EmbeddedStack:
    settings: Settings
    service: web.Application
    sandbox: web.Application
    service_url: str
    sandbox_url: str
    corp: SyntheticCorp

    @property
    def callback_url(self) -> str:
        return self.service_url + "/wecom/callback"


@asynccontextmanager
async def embedded_stack(
    *,
    port: int | None = None,
    sandbox_port: int | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
    corp: SyntheticCorp | None = None,
    clock: Callable[[], float] | None = None,
    overrides: dict[str, Any] | None = None,
    serve_service: bool = True,
    api_token: str | None = None,
) -> AsyncIterator[EmbeddedStack]:
    """Start simulator and service on loopback; tear both down on exit.

    A port of 0 (or None) means any free one. Both ports are bound before anything starts, so a
    taken port fails at once with PortInUse instead of half-way through the start-up.
    """
    with ExitStack() as sockets:
        sandbox_socket = sockets.enter_context(listen(sandbox_port or 0, "simulator"))
        service_socket = sockets.enter_context(listen(port or 0, "service")) if serve_service else None
        sandbox_port = int(sandbox_socket.getsockname()[1])
        port = int(service_socket.getsockname()[1]) if service_socket else port or free_port()
        service_url = f"http://127.0.0.1:{port}"
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        corp = corp or build_corp()
        sandbox_kwargs: dict[str, Any] = {"callback_url": service_url + "/wecom/callback"}
        if clock is not None:
            sandbox_kwargs["clock"] = clock
        sandbox = create_sandbox_app(corp, **sandbox_kwargs)
        sandbox_runner = web.AppRunner(sandbox, access_log=None)
        await sandbox_runner.setup()
        runner: web.AppRunner | None = None
        try:
            await web.SockSite(sandbox_runner, sandbox_socket).start()
            settings = embedded_settings(sandbox_url + "/cgi-bin/", database_url, redis_url, port, api_token)
            service = create_app(settings, overrides=overrides)
            service[SANDBOX_URL] = sandbox_url  # the console shows the simulator's controls
            runner = web.AppRunner(service, access_log=None)
            await runner.setup()
            if service_socket is not None:
                await web.SockSite(runner, service_socket).start()
            yield EmbeddedStack(settings, service, sandbox, service_url, sandbox_url, corp)
        finally:
            if runner is not None:
                await runner.cleanup()
            await sandbox_runner.cleanup()
