"""WeCom's web sign-in (企业微信登录) as the simulator plays it.

``GET /wwlogin/sso/login?login_type=CorpApp&appid=CORPID&agentid=AGENTID&redirect_uri=URI&state=S`` is the
page WeCom shows (a QR code in real life); here it lists the corp's members, and choosing one stands for
that member scanning and confirming. The browser is then sent to ``redirect_uri?code=CODE&state=S``;
pressing 取消 sends it back with ``state`` alone, as WeCom does when the member declines.
``GET /cgi-bin/auth/getuserinfo?access_token=T&code=CODE`` answers ``{"userid": ...}``; a code is good
once and for 300 seconds (40029 otherwise, 41008 when missing).

Inside the WeCom client, pages use OAuth2 instead: ``GET /connect/oauth2/authorize?appid=CORPID&
redirect_uri=URI&response_type=code&scope=snsapi_base&state=S&agentid=AGENTID``; the client knows who is
signed in, so the simulator asks the tester which member holds the phone, then redirects the same way.
"""

from __future__ import annotations

import html
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.sandbox.store import sandbox_state
from bot.sandbox.wire import ApiError, json_response, ok

routes = web.RouteTableDef()
CODE_TTL = 300.0
ROLE_LABELS = {"rm": "理财经理", "ops": "运营", "compliance": "合规", "other": "其他"}


def _error_page(message: str) -> web.Response:
    body = f"<!doctype html><meta charset=utf-8><title>登录失败</title><p>{html.escape(message)}</p>"
    return web.Response(status=400, text=body, content_type="text/html")


def _redirect_checked(query: Any) -> tuple[str, str] | web.Response:
    redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _error_page("redirect_uri 参数错误")
    if len(state) > 128:
        return _error_page("state 参数过长")
    return redirect_uri, state


def _checked(request: web.Request) -> tuple[str, str] | web.Response:
    """The web sign-in's parameters (``wwlogin/sso/login``)."""
    query = request.query
    corp = sandbox_state(request.app).corp
    if query.get("login_type", "CorpApp") != "CorpApp":
        return _error_page("login_type 参数错误")
    if query.get("appid") != corp.corp_id:
        return _error_page("appid 参数错误 (invalid corpid)")
    if query.get("agentid") != str(SANDBOX_AGENT_ID):
        return _error_page("agentid 参数错误")
    return _redirect_checked(query)


def _oauth_checked(request: web.Request) -> tuple[str, str] | web.Response:
    """OAuth2 inside the client (``connect/oauth2/authorize``): agentid is needed beyond snsapi_base."""
    query = request.query
    corp = sandbox_state(request.app).corp
    if query.get("appid") != corp.corp_id:
        return _error_page("appid 参数错误 (invalid corpid)")
    if query.get("response_type") != "code":
        return _error_page("response_type 参数错误")
    scope = query.get("scope", "")
    if scope not in ("snsapi_base", "snsapi_privateinfo"):
        return _error_page("scope 参数错误")
    agentid = query.get("agentid", "")
    if (scope != "snsapi_base" or agentid) and agentid != str(SANDBOX_AGENT_ID):
        return _error_page("agentid 参数错误")
    return _redirect_checked(query)


def _with_query(uri: str, **params: str) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _members_page(
    request: web.Request, redirect_uri: str, state: str, confirm: str, title: str
) -> web.Response:
    rows = []
    for member in sandbox_state(request.app).corp.members:
        link = confirm + "?" + urlencode({**request.query, "userid": member.userid})
        rows.append(
            f'<li><a class="member" id="member-{html.escape(member.userid)}" href="{html.escape(link)}">'
            f"{html.escape(member.name)}</a> <small>{html.escape(member.userid)} · "
            f"{ROLE_LABELS.get(member.role, member.role)} · {html.escape(member.department)}</small></li>"
        )
    cancel = html.escape(_with_query(redirect_uri, state=state))
    body = (
        "<!doctype html><html lang=zh-CN><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>{title}（模拟器）</title>"
        "<body style='font-family:sans-serif;max-width:480px;margin:2em auto;padding:0 1em'>"
        f"<h1>{title}</h1><p>模拟器：选择一位成员，代表该成员确认登录。（合成数据）</p>"
        f'<ul>{"".join(rows)}</ul><p><a id=cancel href="{cancel}">取消</a></p></body></html>'
    )
    return web.Response(text=body, content_type="text/html")


def _issue_code(request: web.Request, redirect_uri: str, state: str) -> web.StreamResponse:
    sandbox = sandbox_state(request.app)
    userid = request.query.get("userid", "")
    if sandbox.corp.member(userid) is None:
        return _error_page("该成员不在企业中")
    code = secrets.token_urlsafe(32)
    sandbox.login_codes[code] = (userid, sandbox.clock() + CODE_TTL)
    raise web.HTTPFound(_with_query(redirect_uri, code=code, state=state))


@routes.get("/wwlogin/sso/login")
async def login_page(request: web.Request) -> web.Response:
    checked = _checked(request)
    if isinstance(checked, web.Response):
        return checked
    return _members_page(request, *checked, "/wwlogin/sso/confirm", "企业微信登录")


@routes.get("/wwlogin/sso/confirm")
async def confirm(request: web.Request) -> web.StreamResponse:
    checked = _checked(request)
    if isinstance(checked, web.Response):
        return checked
    return _issue_code(request, *checked)


@routes.get("/connect/oauth2/authorize")
async def oauth_page(request: web.Request) -> web.Response:
    """In the client the member is already known; here the tester says who holds the phone."""
    checked = _oauth_checked(request)
    if isinstance(checked, web.Response):
        return checked
    return _members_page(request, *checked, "/connect/oauth2/confirm", "在企业微信中打开")


@routes.get("/connect/oauth2/confirm")
async def oauth_confirm(request: web.Request) -> web.StreamResponse:
    checked = _oauth_checked(request)
    if isinstance(checked, web.Response):
        return checked
    return _issue_code(request, *checked)


@routes.get("/cgi-bin/auth/getuserinfo")
async def getuserinfo(request: web.Request) -> web.Response:
    sandbox = sandbox_state(request.app)
    code = request.query.get("code", "")
    if not code:
        raise ApiError(41008)
    entry = sandbox.login_codes.pop(code, None)
    if entry is None or entry[1] < sandbox.clock():
        raise ApiError(40029)
    return json_response(ok(userid=entry[0]))
