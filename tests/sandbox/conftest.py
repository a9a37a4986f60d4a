"""Fixtures for the simulator tests: a controllable clock, a running simulator and a fake service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.sandbox.app import create_sandbox_app
from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_SECRET, SANDBOX_TOKEN
from bot.sandbox.limits import SandboxLimits

START = 1_764_547_200.0  # 2025-12-01 08:00 Asia/Shanghai


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Api:
    """A thin client for the simulator: fetches a token once and posts JSON the WeCom way."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.token = ""

    async def get_token(self) -> str:
        resp = await self.client.get(
            "/cgi-bin/gettoken", params={"corpid": SANDBOX_CORP_ID, "corpsecret": SANDBOX_SECRET}
        )
        self.token = (await resp.json())["access_token"]
        return self.token

    async def post(self, path: str, body: Any, **query: str) -> dict[str, Any]:
        if not self.token:
            await self.get_token()
        resp = await self.client.post(
            f"/cgi-bin/{path}", json=body, params={"access_token": self.token, **query}
        )
        assert resp.status == 200
        return await resp.json()

    async def get(self, path: str, **query: str) -> dict[str, Any]:
        if not self.token:
            await self.get_token()
        resp = await self.client.get(f"/cgi-bin/{path}", params={"access_token": self.token, **query})
        assert resp.status == 200
        return await resp.json()

    async def inspect(self, view: str, **query: str) -> Any:
        resp = await self.client.get(f"/_sandbox/{view}", params=query)
        assert resp.status == 200
        return await resp.json()

    async def action(self, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        resp = await self.client.post(f"/_sandbox/actions/{name}", json=body)
        return resp.status, await resp.json()


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
def make_api(aiohttp_client: Any, clock: Clock) -> MakeApi:
    async def make(*, callback_url: str | None = None, limits: SandboxLimits | None = None) -> Api:
        app = create_sandbox_app(clock=clock, callback_url=callback_url, limits=limits)
        return Api(await aiohttp_client(app))

    return make


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    return await make_api()


class FakeService:
    """A stand-in for wecombot's /wecom/callback that decrypts with wechatpy and can reply passively."""

    def __init__(self) -> None:
        self.crypto = WeChatCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID)
        self.received: list[str] = []
        self.reply: str | None = None

    async def handle_get(self, request: web.Request) -> web.Response:
        q = request.query
        echo = self.crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        return web.Response(text=echo)

    async def handle_post(self, request: web.Request) -> web.Response:
        q = request.query
        plaintext = self.crypto.decrypt_message(
            await request.text(), q["msg_signature"], q["timestamp"], q["nonce"]
        )
        self.received.append(plaintext)
        if self.reply is None:
            return web.Response(text="")
        return web.Response(text=self.crypto.encrypt_message(self.reply, "12345", "1764547200"))


@pytest.fixture
async def service(aiohttp_server: Any) -> tuple[FakeService, str]:
    fake = FakeService()
    app = web.Application()
    app.router.add_get("/wecom/callback", fake.handle_get)
    app.router.add_post("/wecom/callback", fake.handle_post)
    server: TestServer = await aiohttp_server(app)
    return fake, str(server.make_url("/wecom/callback"))
