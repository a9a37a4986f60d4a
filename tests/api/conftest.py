"""The running service (embedded stack on loopback, synthetic sample data) with a caller per role.

``api.call("GET", "/api/v1/...", role="operations")`` uses an API key of that role (made through the
real :class:`AccountBook`); ``role=None`` sends no credentials. ``await api.browser("ops_liuyan")`` signs
a member in through the simulator's WeCom sign-in page and returns a cookie session with its CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar, FormData

from bot import keys
from bot.access.middleware import ACCESS
from bot.db.models.access import CONSOLE_ROLES
from bot.db.sample_data import load_sample_data
from bot.embedded import EmbeddedStack, embedded_stack
from tests.daytime import without_quiet_hours

ADMIN_PASSWORD = "Synthetic-admin-pass-2026"
MANAGER = "rm_zhangwei"  # a relationship manager of the synthetic corp


@dataclass
class SignedIn:
    """A browser-like session: the cookie jar holds the session; ``csrf`` goes with every change."""

    http: ClientSession
    csrf: str
    base: str

    async def submit(
        self, path: str, form: Mapping[str, str | list[str]] | None = None, csrf: bool = True
    ) -> tuple[int, str, str]:
        """Submit a console form as a browser does (redirects followed): status, path and page landed on."""
        data = FormData()
        if csrf:
            data.add_field("csrf_token", self.csrf)
        for name, value in (form or {}).items():
            for item in value if isinstance(value, list) else [value]:
                data.add_field(name, item)
        async with self.http.post(self.base + path, data=data) as resp:
            return resp.status, resp.url.path, await resp.text()

    async def call(self, method: str, path: str, json: Any = None, csrf: bool = True) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        async with self.http.request(method, self.base + path, json=json, headers=headers) as resp:
            return resp.status, await _body(resp)


@dataclass
class ApiCaller:
    stack: EmbeddedStack
    keys: dict[str, str]
    sessions: list[ClientSession] = field(default_factory=list)

    async def call(
        self,
        method: str,
        path: str,
        role: str | None = "admin",
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> tuple[int, Any]:
        headers = dict(headers or {})
        if role is not None:
            headers["Authorization"] = f"Bearer {self.keys[role]}"
        async with ClientSession() as http:
            url = self.stack.service_url + path
            async with http.request(method, url, json=json, headers=headers, data=data) as resp:
                return resp.status, await _body(resp)

    async def browser(self, userid: str) -> SignedIn:
        """Sign ``userid`` in with WeCom's web sign-in, as a browser would (redirects followed)."""
        http = ClientSession(cookie_jar=CookieJar(unsafe=True))  # unsafe: cookies for 127.0.0.1
        self.sessions.append(http)
        async with http.get(self.stack.service_url + "/console/login/wecom") as resp:
            page = await resp.text()
        link = re.search(rf'href="(/wwlogin/sso/confirm[^"]*userid={userid}[^"]*)"', page)
        assert link, f"{userid} is not on the simulator's sign-in page"
        async with http.get(self.stack.sandbox_url + link.group(1).replace("&amp;", "&")) as resp:
            assert resp.url.path == "/console/", f"sign-in ended at {resp.url}"
            dashboard = await resp.text()
        return SignedIn(http, _csrf(dashboard), self.stack.service_url)

    async def local(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> SignedIn:
        http = ClientSession(cookie_jar=CookieJar(unsafe=True))
        self.sessions.append(http)
        form = {"username": username, "password": password, "next": "/console/"}
        async with http.post(self.stack.service_url + "/console/login", data=form) as resp:
            assert resp.url.path == "/console/", f"local sign-in ended at {resp.url}"
            return SignedIn(http, _csrf(await resp.text()), self.stack.service_url)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def _body(resp: Any) -> Any:
    if resp.content_type == "application/json":
        return await resp.json()
    return await resp.text()


@asynccontextmanager
async def running_api(database_url: str, overrides: dict[str, Any]) -> AsyncIterator[ApiCaller]:
    """The stack on ``database_url`` (or the session factory in ``overrides["db"]``), with callers."""
    async with embedded_stack(database_url=database_url, overrides=overrides) as stack:
        await load_sample_data(stack.service[keys.DB], stack.corp)
        accounts = stack.service[ACCESS].accounts
        await accounts.create_account(kind="local", username="admin", role="admin", password=ADMIN_PASSWORD)
        made = {role: (await accounts.create_key(f"test-{role}", role))["key"] for role in CONSOLE_ROLES}
        caller = ApiCaller(stack, made)
        try:
            yield caller
        finally:
            for session in caller.sessions:
                await session.close()


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ApiCaller]:
    without_quiet_hours(tmp_path, monkeypatch)  # the scenarios watch campaigns reach the simulator
    url = f"sqlite+aiosqlite:///{tmp_path}/api.sqlite3"
    async with running_api(url, {"migrate_database": True}) as caller:
        yield caller
