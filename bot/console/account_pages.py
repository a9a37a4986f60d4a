"""``/console/accounts`` (admins): console accounts and the bank systems' API keys.

Every form goes through :class:`~bot.access.accounts.AccountBook` with the signed-in admin as ``by``, as
``/api/v1/accounts`` does. A new key is shown once, on the page that answers its form, and never again.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import keys
from bot.access.accounts import AccountBook, AccountError, Conflict, UnknownMember
from bot.access.middleware import ACCESS
from bot.access.roles import ROLE_LABELS
from bot.console.render import back, needs, page, principal
from bot.db.models.access import CONSOLE_ROLES
from bot.queries.paging import MAX_LIMIT
from bot.queries.people import staff_members

routes = web.RouteTableDef()
HOME = "/console/accounts"
KIND_LABELS = {"local": "本地账号", "wecom": "企业微信成员"}
NAME_RULE = "须为 2-64 位字母、数字或 _.@-，并以字母或数字开头"
# The book's messages name the field first ("password: ..."); the console says it in Chinese.
FIELD_ERRORS = {
    "kind": "请选择账号类型。",
    "username": "用户名" + NAME_RULE + "。",
    "password": "密码至少 10 位，且不能全是字母或全是数字。",
    "role": "请选择角色。",
    "name": "密钥名称" + NAME_RULE + "。",
    "active": "状态无效。",
}
CONFLICTS = {
    "username": "该用户名已有账号。",
    "name": "已有同名 API 密钥。",
    "role": "不能修改自己的角色，请让另一位管理员操作。",
    "active": "不能停用自己的账号，请让另一位管理员操作。",
}


def _book(request: web.Request) -> AccountBook:
    accounts = request.app[ACCESS].accounts
    if accounts is None:
        raise web.HTTPServiceUnavailable(text="控制台需要数据库，当前未配置。")
    return accounts


def _explain(exc: AccountError) -> str:
    if isinstance(exc, UnknownMember):
        return "没有这个企业微信成员（成员名单来自企业微信同步），请检查成员 ID。"
    field = str(exc).split(":", 1)[0]
    table = CONFLICTS if isinstance(exc, Conflict) else FIELD_ERRORS
    return table.get(field, str(exc))


async def _form(request: web.Request) -> dict[str, str]:
    form: Any = await request.post()  # already read (and CSRF-checked) by the middleware
    return {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}


@routes.get(HOME)
@needs("accounts.manage")
async def accounts(request: web.Request) -> web.Response:
    return await _accounts_page(request)


async def _accounts_page(
    request: web.Request, status: int = 200, error: str = "", typed: dict[str, str] | None = None
) -> web.Response:
    """The page; after a refused new account it keeps what was typed (never the password)."""
    book = _book(request)
    return page(
        request,
        "accounts.html",
        status=status,
        error=error,
        typed={k: v for k, v in (typed or {}).items() if k != "password"},
        accounts=await book.list_accounts(MAX_LIMIT),
        account_total=await book.count_accounts(),
        api_keys=await book.list_keys(MAX_LIMIT),
        key_total=await book.count_keys(),
        staff=await staff_members(request.app[keys.DB]),
        roles=CONSOLE_ROLES,
        role_labels=ROLE_LABELS,
        kind_labels=KIND_LABELS,
        shown=MAX_LIMIT,
        myself=principal(request).actor,
    )


@routes.post(HOME)
@needs("accounts.manage")
async def create_account(request: web.Request) -> web.Response:
    form = await _form(request)
    kind = form.get("kind", "")
    password = form.get("password") or None
    if kind == "wecom" and password:
        return await _accounts_page(request, 400, "企业微信成员用企业微信登录，无需设置密码。", form)
    try:
        made = await _book(request).create_account(
            kind=kind,
            username=form.get("username", ""),
            role=form.get("role", ""),
            display_name=form.get("display_name", ""),
            password=password,
            by=principal(request),
        )
    except AccountError as exc:
        return await _accounts_page(request, 400, _explain(exc), form)
    raise back(HOME, msg=f"已添加账号 {made['username']}（{ROLE_LABELS.get(made['role'], made['role'])}）。")


@routes.post(HOME + "/{username}")
@needs("accounts.manage")
async def change_account(request: web.Request) -> web.Response:
    form, username = await _form(request), request.match_info["username"]
    change: dict[str, Any] = {}
    if form.get("action") == "disable":
        change["active"] = False
    elif form.get("action") == "enable":
        change["active"] = True
    else:
        change["role"] = form.get("role", "")
    try:
        await _book(request).update_account(username, **change, by=principal(request))
    except LookupError:
        raise back(HOME, err=f"没有账号 {username}。") from None
    except AccountError as exc:
        raise back(HOME, err=_explain(exc)) from None
    if "active" in change:
        note = "已启用" if change["active"] else "已停用"
    else:
        note = "角色已改为" + ROLE_LABELS.get(change["role"], change["role"])
    raise back(HOME, msg=f"账号 {username} {note}。")


@routes.post("/console/api_keys")
@needs("accounts.manage")
async def create_key(request: web.Request) -> web.Response:
    form = await _form(request)
    try:
        made = await _book(request).create_key(
            form.get("name", ""), form.get("role", ""), by=principal(request)
        )
    except AccountError as exc:
        raise back(HOME, err=_explain(exc)) from None
    response = page(request, "api_key_created.html", key=made, role_labels=ROLE_LABELS)
    response.headers["Cache-Control"] = "no-store"  # the plain key must not stay in any cache
    return response


@routes.post("/console/api_keys/{name}/revoke")
@needs("accounts.manage")
async def revoke_key(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    try:
        await _book(request).revoke_key(name, by=principal(request))
    except LookupError:
        raise back(HOME, err=f"没有 API 密钥 {name}。") from None
    raise back(HOME, msg=f"已吊销 API 密钥 {name}，它从现在起不能再使用。")
