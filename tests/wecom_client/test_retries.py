"""Transient failures are retried with bounded backoff; everything else fails at once."""

from __future__ import annotations

import pytest

from bot.wecom.client import RetryPolicy
from bot.wecom.errors import TIMEOUT, ConfigError, RetryLater, WeComError
from tests.wecom_client.conftest import MakeClient, Sleeps, wecom_settings
from tests.wecom_client.fakewecom import FakeWeCom

BUSY = {"errcode": -1, "errmsg": "system busy"}
FREQ = {"errcode": 45009, "errmsg": "api freq out of limit"}


@pytest.mark.parametrize("answer", [BUSY, FREQ, 502], ids=["busy", "freq", "http502"])
async def test_transient_failure_then_success_is_retried(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], sleeps: Sleeps, answer: object
) -> None:
    wecom, _ = fake
    client = await make_client()
    wecom.queue("message/send", answer)  # type: ignore[arg-type]
    result = await client.send_text("rm_a", "x")
    assert result["errcode"] == 0
    assert len(wecom.calls("message/send")) == 2
    assert sleeps == [0.375]  # base 0.5, jitter 0.5 -> 0.25 + 0.5 * 0.25


@pytest.mark.parametrize("answer", [BUSY, FREQ], ids=["busy", "freq"])
async def test_persistent_transient_failure_stops_after_three_attempts(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], sleeps: Sleeps, answer: dict[str, object]
) -> None:
    wecom, _ = fake
    client = await make_client()
    wecom.always["message/send"] = answer
    with pytest.raises(RetryLater) as info:
        await client.send_text("rm_a", "x")
    assert info.value.errcode == answer["errcode"]
    assert len(wecom.calls("message/send")) == 3
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1]


async def test_45009_tells_the_caller_to_wait_out_the_block(
    make_client: MakeClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    client = await make_client(retry=RetryPolicy(attempts=1))
    wecom.always["message/send"] = FREQ
    with pytest.raises(RetryLater) as info:
        await client.send_text("rm_a", "x")
    assert info.value.retry_after == 60.0
    assert len(wecom.calls("message/send")) == 1


@pytest.mark.parametrize(
    ("errcode", "fix"),
    [(48002, "可调用接口的应用"), (60020, "企业可信IP"), (60011, "可见范围"), (84074, "客户联系")],
)
async def test_configuration_errors_are_not_retried_and_name_the_fix(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], sleeps: Sleeps, errcode: int, fix: str
) -> None:
    wecom, _ = fake
    client = await make_client()
    wecom.always["externalcontact/get_follow_user_list"] = {"errcode": errcode, "errmsg": "synthetic"}
    with pytest.raises(ConfigError, match=fix) as info:
        await client.get_follow_user_list()
    assert info.value.errcode == errcode
    assert len(wecom.calls("externalcontact/get_follow_user_list")) == 1
    assert sleeps == []


async def test_timeout_is_retried_then_raised_as_retry_later(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], sleeps: Sleeps
) -> None:
    wecom, base = fake
    client = await make_client(settings=wecom_settings(base, timeout=0.2), retry=RetryPolicy(attempts=2))
    await client.get_follow_user_list()  # token first, without delay
    wecom.delays["message/send"] = 1.0
    with pytest.raises(RetryLater) as info:
        await client.send_text("rm_a", "x")
    assert info.value.errcode == TIMEOUT
    assert len(wecom.calls("message/send")) == 2
    assert len(sleeps) == 1


async def test_unreachable_server_is_a_retry_later(make_client: MakeClient, sleeps: Sleeps) -> None:
    client = await make_client(settings=wecom_settings("http://127.0.0.1:9/cgi-bin/"))
    with pytest.raises(RetryLater, match="Could not reach WeCom"):
        await client.send_text("rm_a", "x")
    assert len(sleeps) == 2


async def test_non_json_and_4xx_answers_fail_without_retry(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], sleeps: Sleeps
) -> None:
    wecom, _ = fake
    client = await make_client()
    wecom.queue("message/send", 404)
    with pytest.raises(WeComError, match="HTTP 404"):
        await client.send_text("rm_a", "x")
    assert sleeps == []


def test_retry_policy_is_bounded_and_validated() -> None:
    policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=4.0)
    assert [policy.delay(n, lambda: 1.0) for n in range(1, 6)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.delay(3, lambda: 0.0) == 2.0
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
