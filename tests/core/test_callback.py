"""The callback endpoint: every refusal is a 4xx with no handler run; retries run once; errors answer 200."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot import keys
from bot.app import create_app
from bot.routing import Router
from bot.state import MemoryStateStore
from bot.wecom.events import Event, TextMessage
from bot.wecom.replies import TextReply
from bot.wecom.xmlparse import parse_xml
from tests.core.callback_helpers import CRYPTO, make_settings, signed_get, signed_post, text_xml

PATH = "/wecom/callback"


class Recorder:
    def __init__(self) -> None:
        self.router = Router(name="test")
        self.seen: list[Event] = []
        self.delay = 0.0
        rec = self

        @self.router.text()
        async def echo(event: TextMessage) -> Any:
            rec.seen.append(event)
            if event.content == "boom":
                raise RuntimeError("handler bug")
            if rec.delay:
                await asyncio.sleep(rec.delay)
            return TextReply(f"收到：{event.content}")

        @self.router.any()
        async def anything(event: Event) -> None:
            rec.seen.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(aiohttp_client: Any, recorder: Recorder) -> TestClient:
    app = create_app(
        make_settings(),
        overrides={"state": MemoryStateStore(), "db": None, "wecom": None, "router": recorder.router},
    )
    return await aiohttp_client(app)


async def post(client: TestClient, query: str, body: str | bytes) -> web.Response:
    return await client.post(f"{PATH}?{query}", data=body, headers={"Content-Type": "text/xml"})


async def test_get_verification_returns_plain_echo(client: TestClient) -> None:
    resp = await client.get(f"{PATH}?{signed_get('1616140317555161061')}")
    assert resp.status == 200
    assert await resp.text() == "1616140317555161061"
    assert resp.content_type == "text/plain"


async def test_get_verification_survives_unencoded_plus(client: TestClient) -> None:
    # A '+' sent unencoded must not be read as a space (protocol sheet §1.3).
    for _ in range(20):  # find a ciphertext with a '+' in it
        query = signed_get("42", encode_plus=False)
        if "+" in query:
            break
    resp = await client.get(f"{PATH}?{query}")
    assert resp.status == 200 and await resp.text() == "42"


async def test_text_message_gets_passive_encrypted_reply(client: TestClient, recorder: Recorder) -> None:
    query, body = signed_post(text_xml("你好"))
    resp = await post(client, query, body)
    assert resp.status == 200
    envelope = parse_xml(await resp.text())
    assert CRYPTO.verify(
        envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"]
    )
    reply = parse_xml(CRYPTO.decrypt(envelope["Encrypt"]))
    assert reply["Content"] == "收到：你好"
    assert reply["ToUserName"] == "rm_zhangwei"
    assert len(recorder.seen) == 1


async def test_retries_with_new_nonce_and_ciphertext_run_once(client: TestClient, recorder: Recorder) -> None:
    plain = text_xml("同一条消息", msg_id="777000111")
    for _ in range(3):
        query, body = signed_post(plain)
        assert (await post(client, query, body)).status == 200
    assert len(recorder.seen) == 1


async def test_concurrent_duplicates_run_once(client: TestClient, recorder: Recorder) -> None:
    recorder.delay = 0.05
    plain = text_xml("并发重试", msg_id="888000222")
    results = await asyncio.gather(*(post(client, *signed_post(plain)) for _ in range(10)))
    assert all(r.status == 200 for r in results)
    await client.app[keys.TASKS].join()
    assert len(recorder.seen) == 1


async def test_handler_exception_is_answered_200_and_reported(client: TestClient, recorder: Recorder) -> None:
    resp = await post(client, *signed_post(text_xml("boom")))
    assert resp.status == 200
    assert await resp.text() == ""
    errors = client.app[keys.DISPATCHER].errors.recent
    assert errors and "handler bug" in errors[-1][1]
    metrics = await (await client.get("/metrics")).text()
    assert 'wecombot_errors_total{where="handler"} 1.0' in metrics


async def test_slow_handler_gets_empty_answer_within_budget(client: TestClient, recorder: Recorder) -> None:
    recorder.delay = 1.0  # budget is 400 ms
    loop = asyncio.get_running_loop()
    started = loop.time()
    resp = await post(client, *signed_post(text_xml("慢一点")))
    assert resp.status == 200 and await resp.text() == ""
    assert loop.time() - started < 0.9
    assert len(recorder.seen) == 1


def _tamper(ciphertext: str) -> str:
    middle = len(ciphertext) // 2
    return ciphertext[:middle] + ("A" if ciphertext[middle] != "A" else "B") + ciphertext[middle + 1 :]


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("bad_signature", 403),
        ("missing_params", 400),
        ("stale_timestamp", 403),
        ("tampered_ciphertext", 403),
        ("other_corp", 400),
        ("not_xml", 400),
        ("dtd_entities", 400),
        ("inner_dtd", 400),
        ("oversize", 413),
        ("garbage_signed", 400),
        ("no_encrypt", 400),
    ],
)
async def test_refusals_never_run_a_handler(
    client: TestClient, recorder: Recorder, case: str, status: int
) -> None:
    query, body = signed_post(text_xml("hi"))
    if case == "bad_signature":
        query = query.replace("msg_signature=", "msg_signature=0")
    elif case == "missing_params":
        query = query.split("&", 1)[1]
    elif case == "stale_timestamp":
        query, body = signed_post(text_xml("hi"), timestamp=1409659813)
    elif case == "tampered_ciphertext":
        start = body.index("CDATA[", body.index("<Encrypt>")) + 6
        end = body.index("]]", start)
        body = body[:start] + _tamper(body[start:end]) + body[end:]
    elif case == "other_corp":
        query, body = signed_post(text_xml("hi"), corp_id="wwother")
    elif case == "not_xml":
        body = "this is not xml"
    elif case == "dtd_entities":
        body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    elif case == "inner_dtd":
        query, body = signed_post('<!DOCTYPE x [<!ENTITY a "b">]><xml><MsgType>&a;</MsgType></xml>')
    elif case == "oversize":
        body = "<xml>" + "x" * 70_000 + "</xml>"
    elif case == "garbage_signed":
        from bot.sandbox.credentials import SANDBOX_TOKEN
        from bot.wecom.crypto import sign

        ts = query.split("timestamp=")[1].split("&")[0]
        garbage = "Z2FyYmFnZWdhcmJhZ2VnYXJiYWdlZ2FyYmFnZQ=="
        query = f"msg_signature={sign(SANDBOX_TOKEN, ts, '1', garbage)}&timestamp={ts}&nonce=1"
        body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    elif case == "no_encrypt":
        body = "<xml><ToUserName>x</ToUserName></xml>"
    resp = await post(client, query, body)
    assert resp.status == status, await resp.text()
    assert recorder.seen == []
    metrics = await (await client.get("/metrics")).text()
    assert "wecombot_callback_rejections_total{" in metrics


async def test_unknown_event_is_kept_counted_and_answered(client: TestClient, recorder: Recorder) -> None:
    plain = (
        "<xml><ToUserName>wwsandbox0a1b2c3d4e</ToUserName><FromUserName>sys</FromUserName>"
        "<CreateTime>1764480000</CreateTime><MsgType>event</MsgType><Event>brand_new_event</Event>"
        "<Foo>bar</Foo></xml>"
    )
    resp = await post(client, *signed_post(plain))
    assert resp.status == 200
    await client.app[keys.TASKS].join()
    assert recorder.seen[0].raw["Foo"] == "bar"
    metrics = await (await client.get("/metrics")).text()
    assert 'wecombot_unknown_events_total{event="unknown.brand_new_event"} 1.0' in metrics


async def test_healthz(client: TestClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"


async def test_duplicates_across_two_instances_sharing_redis_run_once(
    aiohttp_client: Any, redis_url: str
) -> None:
    """Two service instances behind a load balancer: WeCom's retry may land on either one."""
    from bot.state import RedisStateStore

    recorder = Recorder()
    recorder.delay = 0.05
    stores = [RedisStateStore.from_url(redis_url) for _ in range(2)]
    await stores[0]._redis.flushdb()
    clients = [
        await aiohttp_client(
            create_app(
                make_settings(), overrides={"state": s, "db": None, "wecom": None, "router": recorder.router}
            )
        )
        for s in stores
    ]
    plain = text_xml("两个实例", msg_id="999000333")
    results = await asyncio.gather(*(post(clients[i % 2], *signed_post(plain)) for i in range(8)))
    assert all(r.status == 200 for r in results)
    for c in clients:
        await c.app[keys.TASKS].join()
    assert len(recorder.seen) == 1
    for s in stores:
        await s.close()
