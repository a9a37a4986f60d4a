"""Shared fixtures: real Redis and PostgreSQL when configured, and a guard against real network use.

``REDIS_TEST_URL`` / ``POSTGRES_TEST_URL`` name the services; without them the tests that need them are
skipped, unless ``WECOMBOT_REQUIRE_SERVICES=1`` (set by ``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.state import RedisStateStore

REQUIRE_SERVICES = os.environ.get("WECOMBOT_REQUIRE_SERVICES") == "1"


def _service_url(var: str) -> str:
    url = os.environ.get(var)
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail(f"{var} is not set but WECOMBOT_REQUIRE_SERVICES=1")
        pytest.skip(f"{var} not set")
    return url


@pytest.fixture
def redis_url() -> str:
    return _service_url("REDIS_TEST_URL")


@pytest.fixture
def postgres_url() -> str:
    """An async SQLAlchemy URL (postgresql+asyncpg://...) of a database the test may wipe."""
    return _service_url("POSTGRES_TEST_URL")


@pytest.fixture
async def redis_store(redis_url: str) -> AsyncIterator[RedisStateStore]:
    store = RedisStateStore.from_url(redis_url)
    await store._redis.flushdb()
    yield store
    await store._redis.flushdb()
    await store.close()


_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that connects anywhere but loopback (the simulator, Redis, PostgreSQL)."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
            raise RuntimeError(f"test tried to reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield
