"""Customer groups, welcome messages and group welcome templates (``externalcontact/``).

A ``welcome_code`` works once and only within 20 s (by the injected clock) of the add event.
"""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.sandbox.payloads import check_attachments, check_media, check_text
from bot.sandbox.store import GroupChat, SandboxState, new_id, sandbox_state
from bot.sandbox.wire import (
    ApiError,
    Json,
    body_of,
    int_field,
    json_response,
    list_field,
    ok,
    page,
    text_field,
)

routes = web.RouteTableDef()

_TEMPLATE_ATTACHMENTS = ("image", "link", "miniprogram", "file", "video")


def _group(state: SandboxState, chat_id: str) -> GroupChat:
    group = state.groups.get(chat_id)
    if group is None:
        raise ApiError(40050, chat_id)
    return group


@routes.post("/cgi-bin/externalcontact/groupchat/list")
async def groupchat_list(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    limit = int_field(body, "limit", 0)
    if not 1 <= limit <= 1000:
        raise ApiError(40058, "limit must be 1..1000")
    status_filter = int_field(body, "status_filter", 0)
    owner_filter = body.get("owner_filter") or {}
    if not isinstance(owner_filter, dict):
        raise ApiError(40058, "owner_filter must be an object")
    owners = set(list_field(owner_filter, "userid_list"))
    if len(owners) > 100:
        raise ApiError(40058, "owner_filter.userid_list holds at most 100 members")
    groups = [
        g
        for g in state.groups.values()
        if not g.dismissed and (not owners or g.owner in owners) and status_filter in (0,)
    ]
    chunk, next_cursor = page(groups, text_field(body, "cursor", required=False), limit)
    items = [{"chat_id": g.chat_id, "status": 0} for g in chunk]
    return json_response(ok(group_chat_list=items, next_cursor=next_cursor))


@routes.post("/cgi-bin/externalcontact/groupchat/get")
async def groupchat_get(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    group = _group(state, text_field(body, "chat_id"))
    if group.dismissed:
        raise ApiError(40050, f"{group.chat_id} was dismissed")
    need_name = int_field(body, "need_name", 0) == 1
    members: list[Json] = [
        {
            "userid": group.owner,
            "type": 1,
            "join_time": group.create_time,
            "join_scene": 1,
            "invitor": {"userid": group.owner},
            "group_nickname": "",
        }
    ]
    for external_userid, join_time in group.members.items():
        member: Json = {
            "userid": external_userid,
            "type": 2,
            "unionid": "",
            "join_time": join_time,
            "join_scene": 3,
            "invitor": {"userid": group.owner},
            "group_nickname": "",
        }
        customer = state.customers.get(external_userid)
        if need_name and customer:
            member["name"] = customer.name
        members.append(member)
    info = {
        "chat_id": group.chat_id,
        "name": group.name,
        "owner": group.owner,
        "create_time": group.create_time,
        "notice": "",
        "member_list": members,
        "admin_list": [],
        "member_version": str(len(group.members)),
    }
    return json_response(ok(group_chat=info))


@routes.post("/cgi-bin/externalcontact/send_welcome_msg")
async def send_welcome_msg(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    code = body.get("welcome_code")
    if not code or not isinstance(code, str):
        raise ApiError(41049)
    welcome = state.welcome_codes.get(code)
    if welcome is None:
        raise ApiError(41050, "unknown welcome_code")
    if welcome.used:
        raise ApiError(41050, "welcome_code already used")
    if state.clock() - welcome.issued_at > state.limits.welcome_code_ttl:
        raise ApiError(41050, "welcome_code expired (valid 20 s after the add event)")
    text = body.get("text")
    attachments = check_attachments(body.get("attachments"), state.media)
    if text is not None and not isinstance(text, dict):
        raise ApiError(40058, "text must be an object")
    if text:
        check_text(text, 4000)
    elif not attachments:
        raise ApiError(44004)
    welcome.used = True
    state.welcome_messages.append(
        {
            "welcome_code": code,
            "userid": welcome.userid,
            "external_userid": welcome.external_userid,
            "text": text,
            "attachments": attachments,
            "time": state.clock(),
        }
    )
    return json_response(ok())


def _template_body(state: SandboxState, body: Json, *, partial: bool) -> Json:
    template: Json = {}
    text = body.get("text")
    if text is not None:
        if not isinstance(text, dict):
            raise ApiError(40058, "text must be an object")
        check_text(text, 4000)
        template["text"] = text
    for kind in _TEMPLATE_ATTACHMENTS:
        if kind in body:
            value = body[kind]
            if not isinstance(value, dict):
                raise ApiError(40058, f"{kind} must be an object")
            if kind in ("file", "video") or (kind == "image" and not value.get("pic_url")):
                check_media(text_field(value, "media_id"), state.media)
            template[kind] = value
    if len([k for k in _TEMPLATE_ATTACHMENTS if k in template]) > 1:
        raise ApiError(40058, "at most one of image, link, miniprogram, file, video")
    if not template and not partial:
        raise ApiError(44004)
    return template


def _check_agent(body: Json) -> None:
    if "agentid" in body and int_field(body, "agentid", 0) != SANDBOX_AGENT_ID:
        raise ApiError(301002)


@routes.post("/cgi-bin/externalcontact/group_welcome_template/add")
async def template_add(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    _check_agent(body)
    if len(state.group_welcome_templates) >= 100:
        raise ApiError(40058, "at most 100 group welcome templates per corp")
    template = _template_body(state, body, partial=False)
    template_id = new_id("msg", 24)
    state.group_welcome_templates[template_id] = template
    return json_response(ok(template_id=template_id))


def _template_id(state: SandboxState, body: Json) -> str:
    template_id = text_field(body, "template_id")
    if template_id not in state.group_welcome_templates:
        raise ApiError(40058, f"unknown template_id {template_id}")
    return template_id


@routes.post("/cgi-bin/externalcontact/group_welcome_template/edit")
async def template_edit(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    _check_agent(body)
    template_id = _template_id(state, body)
    changes = _template_body(state, body, partial=True)
    template = state.group_welcome_templates[template_id]
    if any(k in changes for k in _TEMPLATE_ATTACHMENTS):
        for kind in _TEMPLATE_ATTACHMENTS:
            template.pop(kind, None)
    template.update(changes)
    return json_response(ok())


@routes.post("/cgi-bin/externalcontact/group_welcome_template/get")
async def template_get(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    template_id = _template_id(state, body_of(request))
    return json_response(ok(**state.group_welcome_templates[template_id]))


@routes.post("/cgi-bin/externalcontact/group_welcome_template/del")
async def template_del(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    _check_agent(body)
    del state.group_welcome_templates[_template_id(state, body)]
    return json_response(ok())
