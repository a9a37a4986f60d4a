"""`wecombot sandbox --port P` serves the simulator alone; a plain HTTP client gets a token and sends."""

from __future__ import annotations

import asyncio
import sys

from aiohttp import ClientSession

from bot.embedded import free_port
from bot.sandbox.credentials import SANDBOX_AGENT_ID, SANDBOX_CORP_ID, SANDBOX_SECRET


async def test_sandbox_command_serves_token_and_app_message() -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/cgi-bin/"
    try:
        async with ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(
                        base + "gettoken", params={"corpid": SANDBOX_CORP_ID, "corpsecret": SANDBOX_SECRET}
                    ) as resp:
                        token = await resp.json()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            assert token["errcode"] == 0 and token["expires_in"] == 7200
            async with session.get(
                base + "gettoken", params={"corpid": SANDBOX_CORP_ID, "corpsecret": "x"}
            ) as r:
                assert (await r.json())["errcode"] == 40001
            body = {
                "touser": "rm_zhangwei",
                "msgtype": "text",
                "agentid": SANDBOX_AGENT_ID,
                "text": {"content": "独立客户端发送"},
            }
            async with session.post(
                base + "message/send", params={"access_token": token["access_token"]}, json=body
            ) as resp:
                sent = await resp.json()
            assert sent["errcode"] == 0 and sent["msgid"]
            async with session.get(f"http://127.0.0.1:{port}/_sandbox/requests") as resp:
                log = await resp.json()
            assert [e["path"] for e in log][-1] == "/cgi-bin/message/send"
            assert log[-1]["body"]["text"]["content"] == "独立客户端发送"
    finally:
        proc.terminate()
        await proc.wait()
