"""The client against the WeCom simulator (``bot.sandbox``): real paths, answers, limits and faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.sandbox.app import create_sandbox_app
from bot.sandbox.credentials import SANDBOX_KF_OPEN_KFID
from bot.state import MemoryStateStore
from bot.wecom.client import WeComClient
from bot.wecom.errors import ConfigError, InvalidTarget, RateLimited
from bot.wecom.ratelimit import RateLimiter
from tests.wecom_client.conftest import Sleeps, wecom_settings

RM = "rm_zhangwei"


class Sandbox:
    def __init__(self, server: TestServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session

    async def get(self, path: str, **query: str) -> Any:
        async with self.session.get(self.server.make_url(path), params=query) as resp:
            return await resp.json()

    async def send(self, method: str, path: str, body: Any = None) -> None:
        async with self.session.request(method, self.server.make_url(path), json=body) as resp:
            assert resp.status == 200, await resp.text()

    async def requests(self, path: str) -> list[dict[str, Any]]:
        return [r for r in await self.get("/_sandbox/requests") if r["path"] == "/cgi-bin/" + path]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    server = TestServer(create_sandbox_app(), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Sandbox(server, session)
    await server.close()


@pytest.fixture
async def sbx_client(sandbox: Sandbox, sleeps: Sleeps) -> AsyncIterator[WeComClient]:
    settings = wecom_settings(str(sandbox.server.make_url("/cgi-bin/")))
    async with aiohttp.ClientSession() as session:
        yield WeComClient(settings, session, MemoryStateStore(), sleep=sleeps, rnd=lambda: 0.5)


async def test_app_message_reaches_the_member_with_one_token(
    sbx_client: WeComClient, sandbox: Sandbox
) -> None:
    await sbx_client.send_text(RM, "【合成】今日 3 位客户产品到期")
    await sbx_client.send_markdown([RM], "**早报** 已生成")
    delivered = await sandbox.get("/_sandbox/messages", userid=RM)
    assert len(delivered) == 2
    assert len(await sandbox.requests("gettoken")) == 1
    (first, _) = await sandbox.requests("message/send")
    assert first["body"]["touser"] == RM and first["body"]["agentid"] > 0


async def test_revoked_token_is_refreshed_once(sbx_client: WeComClient, sandbox: Sandbox) -> None:
    await sbx_client.get_follow_user_list()
    await sandbox.send("DELETE", "/_sandbox/tokens")
    assert await sbx_client.get_follow_user_list()
    assert len(await sandbox.requests("gettoken")) == 2


async def test_injected_busy_fault_is_retried(
    sbx_client: WeComClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    await sandbox.send("POST", "/_sandbox/faults", {"path": "message/send", "errcode": -1, "count": 2})
    await sbx_client.send_text(RM, "x")
    assert len(await sandbox.requests("message/send")) == 3
    assert len(sleeps) == 2


async def test_injected_48002_is_not_retried(
    sbx_client: WeComClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    path = "externalcontact/get_follow_user_list"
    await sandbox.send("POST", "/_sandbox/faults", {"path": path, "errcode": 48002, "count": 1})
    with pytest.raises(ConfigError, match="可调用接口的应用"):
        await sbx_client.get_follow_user_list()
    assert len(await sandbox.requests(path)) == 1
    assert sleeps == []


async def test_customer_contact_round_trip(sbx_client: WeComClient, sandbox: Sandbox) -> None:
    followers = await sbx_client.get_follow_user_list()
    assert RM in followers
    customers = await sbx_client.list_external_contacts(RM)
    assert customers
    detail = await sbx_client.get_external_contact(customers[0])
    assert detail["external_contact"]["external_userid"] == customers[0]
    page = await sbx_client.list_group_chats([RM])
    chats = page["group_chat_list"]
    assert chats
    chat = await sbx_client.get_group_chat(chats[0]["chat_id"])
    assert chat["chat_id"] == chats[0]["chat_id"]
    with pytest.raises(InvalidTarget):
        await sbx_client.get_external_contact("wmNoSuchCustomerSynthetic")


async def test_member_limit_stops_us_before_the_simulator_drops(sandbox: Sandbox, sleeps: Sleeps) -> None:
    settings = wecom_settings(str(sandbox.server.make_url("/cgi-bin/")))
    state = MemoryStateStore()
    async with aiohttp.ClientSession() as session:
        client = WeComClient(settings, session, state, limiter=RateLimiter(state, max_wait=0))
        for i in range(30):
            await client.send_text(RM, f"提醒 {i}")
        with pytest.raises(RateLimited):
            await client.send_text(RM, "第 31 条")
    assert len(await sandbox.get("/_sandbox/messages", userid=RM)) == 30
    assert await sandbox.get("/_sandbox/dropped") == []


async def test_mass_task_round_trip(sbx_client: WeComClient, sandbox: Sandbox) -> None:
    created = await sbx_client.add_msg_template(
        {"chat_type": "group", "sender": RM, "text": {"content": "【合成】财经早报"}}
    )
    task = await sbx_client.get_groupmsg_task(created["msgid"])
    assert [t["userid"] for t in task["task_list"]] == [RM]
    tags = await sbx_client.get_corp_tag_list()
    assert tags and all("tag" in group for group in tags)
    pulled = await sbx_client.kf_sync_msg(SANDBOX_KF_OPEN_KFID)
    assert pulled["has_more"] == 0 and "next_cursor" in pulled
