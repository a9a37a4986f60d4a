"""Signing in to the console: WeCom's web sign-in through the simulator, the local admin account, and the
ways it must fail (a reused code, a forged state, a member without a role, guessing, an open redirect)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from aiohttp import ClientSession, CookieJar

from bot.access.middleware import ACCESS
from tests.api.conftest import ADMIN_PASSWORD, ApiCaller


def _jar() -> ClientSession:
    return ClientSession(cookie_jar=CookieJar(unsafe=True))


async def _wecom_code(api: ApiCaller, http: ClientSession, userid: str) -> tuple[str, str]:
    """Go to WeCom's sign-in page and let ``userid`` confirm, without following the redirect back."""
    async with http.get(api.stack.service_url + "/console/login/wecom?next=/console/campaigns") as resp:
        page = await resp.text()
    link = re.search(rf'href="(/wwlogin/sso/confirm[^"]*userid={userid}[^"]*)"', page).group(1)
    url = api.stack.sandbox_url + link.replace("&amp;", "&")
    async with http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        back = resp.headers["Location"]
    assert back.startswith(api.stack.service_url + "/console/login/wecom/done?")
    return back, re.search(r"code=([^&]+)", back).group(1)


async def test_wecom_sign_in_lands_where_the_member_was_going(api: ApiCaller) -> None:
    async with _jar() as http:
        back, _ = await _wecom_code(api, http, "ops_liuyan")
        async with http.get(back) as resp:
            assert resp.url.path == "/console/campaigns"
            assert "刘艳" in await resp.text()
        status, me = 0, None
        async with http.get(api.stack.service_url + "/api/v1/me") as resp:
            status, me = resp.status, await resp.json()
        assert status == 200 and me["role"] == "operations" and me["kind"] == "wecom"


async def test_a_sign_in_code_works_once(api: ApiCaller) -> None:
    async with _jar() as http:
        back, _ = await _wecom_code(api, http, "ops_liuyan")
        async with http.get(back) as resp:
            assert resp.url.path == "/console/campaigns"
    async with _jar() as other:  # the same link replayed by someone else
        async with other.get(back) as resp:
            assert resp.status == 400 and "登录链接已失效" in await resp.text()


async def test_a_forged_state_or_code_is_refused(api: ApiCaller) -> None:
    async with _jar() as http:
        back, code = await _wecom_code(api, http, "ops_liuyan")
        forged_state = re.sub(r"state=[^&]+", "state=forged", back)
        async with http.get(forged_state) as resp:
            assert resp.status == 400
        forged_code = back.replace(code, "not-a-code")
        async with http.get(forged_code) as resp:
            assert resp.status == 400 and "企业微信登录失败" in await resp.text()
        async with http.get(api.stack.service_url + "/console/") as resp:
            assert resp.url.path == "/console/login"  # still signed out


async def test_a_member_without_a_console_role_is_told_so(api: ApiCaller) -> None:
    accounts = api.stack.service[ACCESS].accounts
    await accounts.create_account(kind="wecom", username="rm_lina", role="manager")
    await accounts.update_account("rm_lina", active=False)
    async with _jar() as http:
        back, _ = await _wecom_code(api, http, "rm_lina")
        async with http.get(back) as resp:
            assert resp.status == 403 and "没有控制台权限" in await resp.text()


async def test_an_account_disabled_while_signed_in_is_out_at_once(api: ApiCaller) -> None:
    ops = await api.browser("ops_sunhao")
    assert (await ops.call("GET", "/api/v1/me"))[0] == 200
    await api.stack.service[ACCESS].accounts.create_account(
        kind="wecom", username="ops_sunhao", role="reviewer"
    )
    status, me = await ops.call("GET", "/api/v1/me")
    assert status == 200 and me["role"] == "reviewer"  # a new role counts on the next request
    await api.stack.service[ACCESS].accounts.update_account("ops_sunhao", active=False)
    assert (await ops.call("GET", "/api/v1/me"))[0] == 401


async def test_local_sign_in_wrong_password_and_too_many_tries(api: ApiCaller) -> None:
    login = api.stack.service_url + "/console/login"
    async with _jar() as http:
        form = {"username": "admin", "password": "wrong-guess-1", "next": "/console/campaigns/7"}
        for _ in range(10):
            async with http.post(login, data=form) as resp:
                page = await resp.text()
                assert resp.status == 401 and "用户名或密码错误" in page
        # what was typed and where the person was going survive the mistake (not the password)
        assert 'value="admin"' in page and 'value="/console/campaigns/7"' in page
        assert "wrong-guess-1" not in page
        async with http.post(login, data={"username": "admin", "password": ADMIN_PASSWORD}) as resp:
            assert resp.status == 429  # locked for a while even with the right password


async def test_sign_in_never_redirects_off_the_console(api: ApiCaller) -> None:
    async with _jar() as http:
        for target in ("//evil.example/x", "https://evil.example/", "/console/\\\\evil"):
            form = {"username": "admin", "password": ADMIN_PASSWORD, "next": target}
            async with http.post(api.stack.service_url + "/console/login", data=form) as resp:
                assert resp.url.host == "127.0.0.1" and resp.url.path == "/console/"


async def test_sign_out_ends_the_session(api: ApiCaller) -> None:
    admin = await api.local()
    assert (await admin.call("GET", "/api/v1/me"))[0] == 200
    async with admin.http.post(
        api.stack.service_url + "/console/logout", data={"csrf_token": admin.csrf}
    ) as resp:
        assert resp.url.path == "/console/login"
    assert (await admin.call("GET", "/api/v1/me"))[0] == 401


async def test_inside_the_wecom_client_oauth2_signs_the_member_in(api: ApiCaller) -> None:
    """A manager opening the console in WeCom on the phone: OAuth2 (snsapi_base), no QR code."""
    wecom_client = {
        "User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 wxwork/4.1.22 MicroMessenger/7.0.1"
    }
    async with _jar() as http:
        # the link on a card: not signed in, so straight to WeCom's OAuth, with no page to click through
        card_link = api.stack.service_url + "/console/customers"
        async with http.get(card_link, headers=wecom_client, allow_redirects=False) as resp:
            assert unquote(resp.headers["Location"]) == "/console/login/wecom?next=/console/customers"
        start = api.stack.service_url + resp.headers["Location"]
        async with http.get(start, headers=wecom_client, allow_redirects=False) as resp:
            location = resp.headers["Location"]
        assert location.startswith(api.stack.sandbox_url + "/connect/oauth2/authorize?")
        assert "scope=snsapi_base" in location and location.endswith("#wechat_redirect")
        async with http.get(location.split("#")[0]) as resp:
            page = await resp.text()
        link = re.search(r'href="(/connect/oauth2/confirm[^"]*userid=rm_zhangwei[^"]*)"', page).group(1)
        async with http.get(api.stack.sandbox_url + link.replace("&amp;", "&")) as resp:
            assert resp.url.path == "/console/customers"
            assert "张伟" in await resp.text()


async def test_console_pages_are_not_framed_cached_or_scripted(api: ApiCaller) -> None:
    admin = await api.local()
    for path in ("/console/", "/console/customers", "/console/login"):
        async with admin.http.get(admin.base + path) as resp:
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["Cache-Control"] == "no-store"


async def test_a_notice_in_a_link_someone_sends_is_not_shown_as_the_consoles_own(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    lure = "/console/?err=" + quote("您的账号存在异常，请立即致电 400-000-0000 核实身份")
    async with ops.http.get(ops.base + lure) as resp:
        page = await resp.text()
    assert resp.status == 200 and "400-000-0000" not in page
    # the console's own notice, after an action, is still shown (its redirect is signed)
    status, _, page = await ops.submit(
        "/console/keywords", {"name": "x", "pattern": "停车", "reply_text": "你好。"}
    )
    status, path, page = await ops.submit("/console/keywords/x/toggle", {"enabled": "0"})
    assert status == 200 and path == "/console/keywords" and "x 已停用" in page
