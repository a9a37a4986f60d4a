"""Fixtures for the client tests: a fake WeCom on a random loopback port, a client with recorded sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.sandbox.credentials import (
    SANDBOX_AES_KEY,
    SANDBOX_AGENT_ID,
    SANDBOX_CORP_ID,
    SANDBOX_SECRET,
    SANDBOX_TOKEN,
)
from bot.settings import WeComSettings
from bot.state import MemoryStateStore, StateStore
from bot.wecom.client import WeComClient
from tests.wecom_client.fakewecom import FakeWeCom

MakeClient = Callable[..., Awaitable[WeComClient]]


def wecom_settings(api_base: str, secret: str = SANDBOX_SECRET, timeout: float = 5.0) -> WeComSettings:
    return WeComSettings(
        corp_id=SANDBOX_CORP_ID,
        agent_id=SANDBOX_AGENT_ID,
        secret=secret,
        token=SANDBOX_TOKEN,
        encoding_aes_key=SANDBOX_AES_KEY,
        api_base=api_base,
        http_timeout_seconds=timeout,
    )


class Sleeps(list[float]):
    """Records the delays the client asked for instead of sleeping."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeWeCom, str]]:
    wecom = FakeWeCom()
    server = TestServer(wecom.app(), host="127.0.0.1")
    await server.start_server()
    yield wecom, str(server.make_url("/cgi-bin/"))
    await server.close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_client(fake: tuple[FakeWeCom, str], sleeps: Sleeps) -> AsyncIterator[MakeClient]:
    """Build clients on the fake; each gets its own session (closed at the end)."""
    sessions: list[aiohttp.ClientSession] = []
    _, base = fake

    async def make(state: StateStore | None = None, **kwargs: Any) -> WeComClient:
        settings = kwargs.pop("settings", None) or wecom_settings(base)
        session = aiohttp.ClientSession()
        sessions.append(session)
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("rnd", lambda: 0.5)
        return WeComClient(settings, session, state or MemoryStateStore(), **kwargs)

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def client(make_client: MakeClient) -> WeComClient:
    return await make_client()
