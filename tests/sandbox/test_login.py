"""The simulator's WeCom sign-in: the pages check their parameters, a code names the member once and
for 300 seconds, and getuserinfo answers WeCom's errcodes otherwise."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.credentials import SANDBOX_AGENT_ID, SANDBOX_CORP_ID
from tests.sandbox.conftest import Api, Clock

BACK = "http://127.0.0.1:9/console/login/wecom/done"
WEB = {
    "login_type": "CorpApp",
    "appid": SANDBOX_CORP_ID,
    "agentid": str(SANDBOX_AGENT_ID),
    "redirect_uri": BACK,
}
OAUTH = {"appid": SANDBOX_CORP_ID, "redirect_uri": BACK, "response_type": "code", "scope": "snsapi_base"}


async def _code(api: Api, page_path: str, params: dict[str, str], userid: str) -> dict[str, list[str]]:
    resp = await api.client.get(page_path, params={**params, "state": "s1"})
    assert resp.status == 200
    link = re.search(rf'href="([^"]*userid={userid}[^"]*)"', await resp.text()).group(1)
    resp = await api.client.get(link.replace("&amp;", "&"), allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith(BACK + "?")
    return parse_qs(urlsplit(resp.headers["Location"]).query)


async def test_web_sign_in_code_names_the_member_once(api: Api) -> None:
    back = await _code(api, "/wwlogin/sso/login", WEB, "cmp_zhouqi")
    assert back["state"] == ["s1"]
    answer = await api.get("auth/getuserinfo", code=back["code"][0])
    assert answer["errcode"] == 0 and answer["userid"] == "cmp_zhouqi"
    again = await api.get("auth/getuserinfo", code=back["code"][0])
    assert again["errcode"] == 40029


async def test_oauth_in_the_client_and_code_expiry(api: Api, clock: Clock) -> None:
    back = await _code(api, "/connect/oauth2/authorize", OAUTH, "rm_zhangwei")
    clock.advance(301)
    assert (await api.get("auth/getuserinfo", code=back["code"][0]))["errcode"] == 40029
    assert (await api.get("auth/getuserinfo"))["errcode"] == 41008


async def test_wrong_parameters_get_an_error_page_not_the_member_list(api: Api) -> None:
    for path, params in (
        ("/wwlogin/sso/login", {**WEB, "appid": "wwother"}),
        ("/wwlogin/sso/login", {**WEB, "agentid": "1"}),
        ("/wwlogin/sso/login", {**WEB, "redirect_uri": "javascript:alert(1)"}),
        ("/connect/oauth2/authorize", {**OAUTH, "response_type": "token"}),
        ("/connect/oauth2/authorize", {**OAUTH, "scope": "snsapi_privateinfo"}),  # needs the agentid
    ):
        resp = await api.client.get(path, params=params)
        assert resp.status == 400, (path, params)
        assert "member-" not in await resp.text()
