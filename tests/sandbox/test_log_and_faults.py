"""The request log's shape and the fault switchboard."""

from __future__ import annotations

import time

import aiohttp
import pytest

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from tests.sandbox.conftest import Api

SEND = {"touser": "rm_zhangwei", "msgtype": "text", "agentid": SANDBOX_AGENT_ID, "text": {"content": "你好"}}


async def test_request_log_records_path_query_body_and_answer(api: Api) -> None:
    answer = await api.post("message/send", SEND)
    log = await api.inspect("requests")
    assert [e["path"] for e in log] == ["/cgi-bin/gettoken", "/cgi-bin/message/send"]
    entry = log[1]
    assert entry["method"] == "POST" and entry["query"] == {"access_token": api.token}
    assert entry["body"] == SEND and entry["response"] == answer and isinstance(entry["time"], float)
    assert log[0]["body"] is None and log[0]["response"]["access_token"] == api.token
    only = await api.inspect("requests", path="/cgi-bin/message/send")
    assert len(only) == 1
    await api.client.delete("/_sandbox/requests")
    assert await api.inspect("requests") == []


async def test_unparseable_json_is_40058_and_logged_with_null_body(api: Api) -> None:
    await api.get_token()
    resp = await api.client.post(
        "/cgi-bin/message/send", params={"access_token": api.token}, data=b"{not json"
    )
    assert (await resp.json())["errcode"] == 40058
    assert (await api.inspect("requests"))[-1]["body"] is None


async def _fault(api: Api, rule: dict) -> None:
    resp = await api.client.post("/_sandbox/faults", json=rule)
    assert resp.status == 200, await resp.text()


async def test_errcode_fault_for_the_next_n_calls(api: Api) -> None:
    await _fault(api, {"path": "message/send", "errcode": 45009, "count": 2})
    codes = [(await api.post("message/send", SEND))["errcode"] for _ in range(3)]
    assert codes == [45009, 45009, 0]
    assert len(await api.inspect("messages")) == 1
    log = await api.inspect("requests", path="/cgi-bin/message/send")
    assert [e["response"]["errcode"] for e in log] == [45009, 45009, 0]


async def test_http_status_fault_and_clear(api: Api) -> None:
    await api.get_token()
    await _fault(api, {"path": "/cgi-bin/message/send", "http_status": 502, "count": 5})
    resp = await api.client.post("/cgi-bin/message/send", params={"access_token": api.token}, json=SEND)
    assert resp.status == 502
    await api.client.delete("/_sandbox/faults")
    assert (await api.post("message/send", SEND))["errcode"] == 0


async def test_delay_fault_answers_late_but_correctly(api: Api) -> None:
    await api.get_token()
    await _fault(api, {"path": "message/send", "delay_ms": 200})
    started = time.monotonic()
    assert (await api.post("message/send", SEND))["errcode"] == 0
    assert time.monotonic() - started >= 0.2


async def test_drop_fault_closes_the_connection(api: Api) -> None:
    await api.get_token()
    await _fault(api, {"path": "message/send", "drop": True})
    with pytest.raises(aiohttp.ClientError):
        await api.client.post("/cgi-bin/message/send", params={"access_token": api.token}, json=SEND)
    assert (await api.post("message/send", SEND))["errcode"] == 0
    assert len(await api.inspect("messages")) == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"errcode": 1},
        {"path": "message/send"},
        {"path": "x", "errcode": 1, "count": 0},
        {"path": "x", "colour": 1},
        {"path": "x", "http_status": 42},
    ],
)
async def test_bad_fault_rules_are_refused(api: Api, rule: dict) -> None:
    resp = await api.client.post("/_sandbox/faults", json=rule)
    assert resp.status == 400 and "error" in await resp.json()
