"""Sign-in pages: a local account (for first set-up), or WeCom's web sign-in (企业微信登录, OAuth2 code flow).

In a browser the member scans a QR code on WeCom's sign-in page (``wwlogin/sso/login``); inside the
WeCom client (its User-Agent carries ``wxwork/``) the page goes through WeCom's OAuth2
(``connect/oauth2/authorize``, ``snsapi_base``) and the member is signed in without scanning. Both
come back with a code.

WeCom flow: ``/console/login/wecom`` stores a one-time ``state`` and sends the browser to WeCom's sign-in
page; WeCom sends it back to ``/console/login/wecom/done?code=...&state=...``; the code is exchanged with
``auth/getuserinfo`` for the member's userid, and the member gets the role of their account or staff row.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.access.middleware import ACCESS, IN_WECOM, Access
from bot.access.roles import Principal
from bot.access.sessions import COOKIE
from bot.wecom.errors import WeComError

log = logging.getLogger("wecombot.console")
routes = web.RouteTableDef()


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if value and value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"


def _login_page(
    request: web.Request, error: str = "", status: int = 200, *, next_path: str = "", username: str = ""
) -> web.Response:
    """The sign-in page; after a wrong password it keeps the username and where the person was going."""
    access = request.app[ACCESS]
    context = {
        "error": error,
        "username": username,
        "next": next_path or _safe_next(request.query.get("next")),
        "local_enabled": access.accounts is not None,
        "wecom_enabled": access.accounts is not None,
    }
    return aiohttp_jinja2.render_template("login.html", request, context, status=status)


async def _start_session(request: web.Request, principal: Principal, next_path: str) -> web.HTTPFound:
    access: Access = request.app[ACCESS]
    token, _ = await access.sessions.open(principal.kind, principal.name)
    response = web.HTTPFound(next_path)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(access.sessions.ttl),
        httponly=True,
        samesite="Lax",
        secure=access.config.secure_cookies,
        path="/",
    )
    log.info("console sign-in: %s as %s", principal.actor, principal.role)
    return response


@routes.get("/console/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request)


@routes.post("/console/login")
async def login_local(request: web.Request) -> web.StreamResponse:
    access = request.app[ACCESS]
    form = await request.post()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    kept = {"next_path": _safe_next(str(form.get("next", ""))), "username": username[:64]}
    if access.accounts is None:
        return _login_page(request, "控制台需要数据库，当前未配置。", status=503, **kept)
    limiter_key = f"wecombot:login-fail:{username.lower()}"
    state = request.app[keys.STATE]
    if int(await state.get(limiter_key) or 0) >= 10:
        return _login_page(request, "尝试次数过多，请 15 分钟后再试。", status=429, **kept)
    principal = await access.accounts.sign_in_local(username, password) if username and password else None
    if principal is None:
        await state.incr(limiter_key, ttl=900)
        return _login_page(request, "用户名或密码错误。", status=401, **kept)
    await state.delete(limiter_key)
    raise await _start_session(request, principal, kept["next_path"])


@routes.get("/console/login/wecom")
async def login_wecom(request: web.Request) -> web.StreamResponse:
    access: Access = request.app[ACCESS]
    settings = request.app[keys.SETTINGS]
    state = await access.sessions.new_login_state(_safe_next(request.query.get("next")))
    base = access.config.public_url or f"{request.scheme}://{request.host}"
    redirect_uri = base + "/console/login/wecom/done"
    if IN_WECOM.search(request.headers.get("User-Agent", "")):
        # Opened inside the WeCom client (a manager on the phone): OAuth2, no QR code to scan.
        query = urlencode(
            {
                "appid": settings.wecom.corp_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": settings.wecom.agent_id,
            }
        )
        raise web.HTTPFound(f"{access.config.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect")
    query = urlencode(
        {
            "login_type": "CorpApp",
            "appid": settings.wecom.corp_id,
            "agentid": settings.wecom.agent_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    raise web.HTTPFound(f"{access.config.login_base}/wwlogin/sso/login?{query}")


@routes.get("/console/login/wecom/done")
async def login_wecom_done(request: web.Request) -> web.StreamResponse:
    access: Access = request.app[ACCESS]
    code, state = request.query.get("code", ""), request.query.get("state", "")
    next_path = await access.sessions.take_login_state(state)
    if next_path is None:
        return _login_page(request, "登录链接已失效，请重新登录。", status=400)
    if not code:
        return _login_page(request, "已取消企业微信登录。", status=400)
    try:
        info = await request.app[keys.WECOM].get_user_info_by_code(code)
    except (WeComError, ValueError) as exc:
        log.warning("WeCom sign-in code refused: %s", exc)
        return _login_page(request, "企业微信登录失败，请重试。", status=400)
    userid = info.get("userid") or info.get("UserId")
    principal = await access.accounts.sign_in_wecom(str(userid)) if userid and access.accounts else None
    if principal is None:
        return _login_page(request, "您没有控制台权限，请联系管理员开通。", status=403)
    raise await _start_session(request, principal, next_path)


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await request.app[ACCESS].sessions.close(request.cookies.get(COOKIE, ""))
    response = web.HTTPFound("/console/login")
    response.del_cookie(COOKIE, path="/")
    raise response
