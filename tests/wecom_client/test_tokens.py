"""Access tokens: one fetch under concurrency and across processes, bounded re-fetch, no leaks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_SECRET
from bot.state import TOKEN, MemoryStateStore, RedisStateStore
from bot.wecom.client import WeComClient
from bot.wecom.errors import ConfigError, TokenInvalid
from bot.wecom.tokens import TokenService, token_id
from tests.wecom_client.conftest import MakeClient, Sleeps, wecom_settings
from tests.wecom_client.fakewecom import FakeWeCom


async def test_100_concurrent_calls_on_a_cold_cache_fetch_one_token(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    await asyncio.gather(*(client.get_follow_user_list() for _ in range(100)))
    assert len(wecom.calls("gettoken")) == 1
    assert len(wecom.calls("externalcontact/get_follow_user_list")) == 100


@pytest.mark.redis
async def test_two_processes_sharing_redis_fetch_one_token(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], redis_url: str, redis_store: RedisStateStore
) -> None:
    """Two clients with their own sessions and their own Redis connections stand for two processes."""
    wecom, _ = fake
    other_store = RedisStateStore.from_url(redis_url)
    try:
        first = await make_client(redis_store)
        second = await make_client(other_store)
        calls = [c.get_follow_user_list() for _ in range(20) for c in (first, second)]
        await asyncio.gather(*calls)
        assert len(wecom.calls("gettoken")) == 1
        tokens = {r.query["access_token"] for r in wecom.calls("externalcontact/get_follow_user_list")}
        assert len(tokens) == 1
    finally:
        await other_store.close()


async def test_a_token_rejected_every_time_is_refetched_exactly_once(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    wecom.always["message/send"] = {"errcode": 40014, "errmsg": "invalid access_token"}
    with pytest.raises(TokenInvalid):
        await client.send_text("rm_a", "x")
    assert len(wecom.calls("gettoken")) == 2
    assert len(wecom.calls("message/send")) == 2


async def test_an_expired_token_is_replaced_and_the_call_succeeds(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    await client.get_follow_user_list()
    wecom.queue("message/send", {"errcode": 42001, "errmsg": "access_token expired"})
    result = await client.send_text("rm_a", "x")
    assert result["errcode"] == 0
    sent = [r.query["access_token"] for r in wecom.calls("message/send")]
    assert sent == ["synthetic-token-1", "synthetic-token-2"]


async def test_40001_on_an_api_call_refreshes_once_then_names_the_fix(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    wecom.always["message/send"] = {"errcode": 40001, "errmsg": "invalid credential"}
    with pytest.raises(ConfigError, match="WECOM_SECRET"):
        await client.send_text("rm_a", "x")
    assert len(wecom.calls("gettoken")) == 2


@pytest.mark.parametrize(
    ("secret", "corp", "errcode"),
    [("wrong-secret-synthetic", None, 40001), (SANDBOX_SECRET, "wwWrongCorp", 40013)],
)
async def test_bad_credentials_raise_config_error_at_once(
    make_client: MakeClient,
    fake: tuple[FakeWeCom, str],
    sleeps: Sleeps,
    secret: str,
    corp: str | None,
    errcode: int,
) -> None:
    """Repeated wrong-secret gettoken calls get the IP banned: one call, no retry."""
    wecom, base = fake
    if corp:
        wecom.corp_id = corp
    client = await make_client(settings=wecom_settings(base, secret=secret))
    with pytest.raises(ConfigError) as info:
        await client.send_text("rm_a", "x")
    assert info.value.errcode == errcode
    assert len(wecom.calls("gettoken")) == 1
    assert wecom.calls("message/send") == []
    assert sleeps == []


async def test_secret_and_token_never_reach_keys_or_logs(
    client: WeComClient, fake: tuple[FakeWeCom, str], caplog: pytest.LogCaptureFixture
) -> None:
    wecom, _ = fake
    caplog.set_level(logging.DEBUG)
    state = client.tokens._state
    assert isinstance(state, MemoryStateStore)
    wecom.queue("message/send", {"errcode": 40014, "errmsg": "invalid access_token"}, {"errcode": -1})
    await client.send_text("rm_a", "x")
    await client.webhook_send("synthetic-robot-key", {"msgtype": "text", "text": {"content": "x"}})
    keys = " ".join(state._values) + " ".join(state._events)
    assert SANDBOX_SECRET not in keys and "synthetic-robot-key" not in keys
    assert TOKEN + token_id(SANDBOX_CORP_ID, SANDBOX_SECRET) in state._values
    # Only our loggers: the fake server's own access log shows the query, as a real proxy's would.
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert ours, "the client should log its calls"
    text = "\n".join(r.getMessage() for r in ours)
    for secret in (SANDBOX_SECRET, "synthetic-robot-key", *wecom.tokens):
        assert secret not in text


async def test_refresh_ahead_by_one_holder_while_others_use_the_valid_token() -> None:
    now = [1_000_000.0]
    fetched: list[int] = []

    async def fetch() -> tuple[str, int]:
        fetched.append(1)
        await asyncio.sleep(0.01)
        return f"tok{len(fetched)}", 7200

    service = TokenService(MemoryStateStore(), "wwSyn", "secretSyn", fetch, clock=lambda: now[0])
    assert await service.get() == "tok1"
    now[0] += 7200 - 200  # inside the 5-minute refresh margin, still valid
    results = await asyncio.gather(*(service.get() for _ in range(50)))
    assert len(fetched) == 2
    assert set(results) <= {"tok1", "tok2"} and "tok2" in results
    assert await service.get() == "tok2"


async def test_invalidate_only_drops_the_rejected_token() -> None:
    tokens = iter(["tokA", "tokB"])

    async def fetch() -> tuple[str, int]:
        return next(tokens), 7200

    service = TokenService(MemoryStateStore(), "wwSyn", "secretSyn", fetch)
    assert await service.get() == "tokA"
    await service.invalidate("someone-elses-old-token")
    assert await service.get() == "tokA"
    await service.invalidate("tokA")
    assert await service.get() == "tokB"


async def test_token_refresh_stays_once_per_call_across_retries(
    client: WeComClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    rejected = {"errcode": 40014, "errmsg": "invalid access_token"}
    wecom.queue("message/send", rejected, {"errcode": -1, "errmsg": "busy"}, rejected)
    with pytest.raises(TokenInvalid):
        await client.send_text("rm_a", "x")
    assert len(wecom.calls("gettoken")) == 2
    assert len(wecom.calls("message/send")) == 3
