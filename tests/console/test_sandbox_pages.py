"""The demo's simulator controls: a manager adds a customer (the welcome goes out through WeCom's real
callback path) and a manager's mass-message task is confirmed from the console."""

from __future__ import annotations

import asyncio
import re

from aiohttp import ClientSession

from tests.api.conftest import ApiCaller


async def _sandbox(api: ApiCaller, path: str) -> list[dict]:
    async with ClientSession() as http:
        async with http.get(api.stack.sandbox_url + path) as resp:
            return await resp.json()


async def test_adding_a_customer_triggers_the_welcome(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit("/console/sandbox/add_contact", {"userid": "rm_zhangwei"})
    assert status == 200 and "已添加客户" in page
    external_userid = re.search(r"已添加客户 (\w+)", page).group(1)
    for _ in range(100):
        welcomes = await _sandbox(api, "/_sandbox/welcome_messages")
        if any(w.get("external_userid") == external_userid for w in welcomes):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"no welcome message for {external_userid}: {welcomes}")


async def test_a_bad_action_is_reported_not_crashed(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit("/console/sandbox/add_contact", {"userid": "nobody"})
    assert status == 200 and "添加失败" in page
    status, _, page = await ops.submit(
        "/console/sandbox/confirm", {"msgid": "no-such-task", "userid": "rm_zhangwei"}
    )
    assert status == 200 and "确认失败" in page


async def test_managers_do_not_get_the_controls(api: ApiCaller) -> None:
    manager = await api.browser("rm_zhangwei")
    async with manager.http.get(manager.base + "/console/sandbox") as resp:
        assert resp.status == 403
    async with manager.http.get(manager.base + "/console/") as resp:
        assert "/console/sandbox" not in await resp.text()  # nor the link to them
