"""gettoken and the access_token rules every other endpoint applies."""

from __future__ import annotations

from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_SECRET
from tests.sandbox.conftest import Api, Clock


async def _gettoken(api: Api, corpid: str, secret: str) -> dict:
    resp = await api.client.get("/cgi-bin/gettoken", params={"corpid": corpid, "corpsecret": secret})
    assert resp.status == 200
    return await resp.json()


async def test_good_credentials_get_a_7200s_token(api: Api) -> None:
    answer = await _gettoken(api, SANDBOX_CORP_ID, SANDBOX_SECRET)
    assert answer["errcode"] == 0 and answer["expires_in"] == 7200 and answer["access_token"]


async def test_bad_corpid_is_40013_and_bad_secret_is_40001(api: Api) -> None:
    assert (await _gettoken(api, "wwnotours", SANDBOX_SECRET))["errcode"] == 40013
    assert (await _gettoken(api, SANDBOX_CORP_ID, "wrong"))["errcode"] == 40001


async def test_missing_unknown_and_expired_tokens(api: Api, clock: Clock) -> None:
    resp = await api.client.get("/cgi-bin/externalcontact/get_follow_user_list")
    assert resp.status == 200 and (await resp.json())["errcode"] == 41001
    api.token = "not-a-token"
    assert (await api.get("externalcontact/get_follow_user_list"))["errcode"] == 40014
    await api.get_token()
    clock.advance(7199)
    assert (await api.get("externalcontact/get_follow_user_list"))["errcode"] == 0
    clock.advance(1)
    assert (await api.get("externalcontact/get_follow_user_list"))["errcode"] == 42001


async def test_revoked_tokens_answer_40014(api: Api) -> None:
    await api.get_token()
    await api.client.delete("/_sandbox/tokens")
    assert (await api.get("externalcontact/get_follow_user_list"))["errcode"] == 40014
