"""WeChat Customer Service (``kf/``): pull with sync_msg, answer with send_msg, hand over by state.

Rules modelled: a cursor into the last 3 days, the callback Token (10 min), replies only in states
0/1, at most 5 replies within 48 h of the customer's last message, legal state transitions and the
one-use codes of ``send_msg_on_event``.
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.sandbox.payloads import check_text, payload_of
from bot.sandbox.store import KfCode, KfSession, SandboxState, new_id, sandbox_state
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

_KF_MSGID = re.compile(r"^[0-9a-zA-Z_-]{1,32}$")
_SEND_TYPES = ("text", "image", "voice", "video", "file", "link", "miniprogram", "msgmenu", "location")
# Moves the API may make (kf.md §6); 4 (ended) cannot be changed by the API at all.
_LEGAL = {0: {1, 2, 3, 4}, 1: {2, 3, 4}, 2: {3, 4}, 3: {3, 4}}
# msg_code validity and message types by the state that produced it (kf.md §5).
_CODE_RULES = {2: (48 * 3600.0, ("text",)), 3: (48 * 3600.0, ("text",)), 4: (20.0, ("text", "msgmenu"))}


def _open_kfid(state: SandboxState, body: Json) -> str:
    open_kfid = text_field(body, "open_kfid")
    if open_kfid != state.corp.kf_open_kfid:
        raise ApiError(95000, open_kfid)
    return open_kfid


def _customer(state: SandboxState, body: Json, field: str = "external_userid") -> str:
    external_userid = text_field(body, field)
    if external_userid not in state.customers:
        raise ApiError(40096, external_userid)
    return external_userid


@routes.post("/cgi-bin/kf/sync_msg")
async def sync_msg(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    token = text_field(body, "token", required=False)
    now = state.clock()
    if token:
        expires_at = state.kf_tokens.get(token)
        if expires_at is None or now >= expires_at:
            raise ApiError(95007)
    open_kfid = text_field(body, "open_kfid", required=False)
    if open_kfid and open_kfid != state.corp.kf_open_kfid:
        raise ApiError(95000, open_kfid)
    limit = int_field(body, "limit", 1000)
    if not 1 <= limit <= 1000:
        raise ApiError(40058, "limit must be 1..1000")
    cursor = text_field(body, "cursor", required=False)
    # The cursor is a position in the account's message log; without one, start 3 days back.
    if not cursor:
        horizon = now - state.limits.kf_history
        first = next(
            (i for i, m in enumerate(state.kf_messages) if m["send_time"] >= horizon), len(state.kf_messages)
        )
        cursor = str(first)
    chunk, next_cursor = page(state.kf_messages, cursor, limit)
    horizon = now - state.limits.kf_history
    fresh = [m for m in chunk if m["send_time"] >= horizon]
    has_more = 1 if next_cursor else 0
    next_cursor = next_cursor or str(len(state.kf_messages))
    return json_response(ok(next_cursor=next_cursor, has_more=has_more, msg_list=fresh))


def _check_kf_payload(body: Json) -> Json:
    msgtype = text_field(body, "msgtype")
    if msgtype not in _SEND_TYPES:
        raise ApiError(40008, f"msgtype {msgtype!r} cannot be sent through kf")
    payload = payload_of(body, msgtype)
    if msgtype == "text":
        check_text(payload, 2048)
    elif msgtype == "msgmenu":
        items = list_field(payload, "list")
        if len(items) > 10:
            raise ApiError(95008)
        if not items and not payload.get("head_content"):
            raise ApiError(44004)
    elif msgtype in ("image", "voice", "video", "file"):
        text_field(payload, "media_id")
    return {"msgtype": msgtype, msgtype: payload}


def _client_msgid(state: SandboxState, body: Json) -> str:
    msgid = text_field(body, "msgid", required=False)
    if not msgid:
        return new_id("", 32)
    if not _KF_MSGID.match(msgid):
        raise ApiError(40058, "msgid must be 1-32 of [0-9a-zA-Z_-]")
    if msgid in state.kf_msgids:
        raise ApiError(40058, f"msgid {msgid} already used")
    return msgid


@routes.post("/cgi-bin/kf/send_msg")
async def send_msg(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    open_kfid = _open_kfid(state, body)
    external_userid = _customer(state, body, "touser")
    message = _check_kf_payload(body)
    session = state.kf_sessions.get(external_userid) or KfSession(external_userid)
    if session.last_customer_msg is None:
        raise ApiError(95031)
    if session.state not in (0, 1):
        raise ApiError(95018, f"session state is {session.state}")
    if state.clock() - session.last_customer_msg > state.limits.kf_window:
        raise ApiError(95002)
    if session.sends_since_customer_msg >= state.limits.kf_sends_per_message:
        raise ApiError(95001)
    msgid = _client_msgid(state, body)
    state.kf_msgids.add(msgid)
    session.sends_since_customer_msg += 1
    state.kf_sent.append(
        {
            "msgid": msgid,
            "open_kfid": open_kfid,
            "touser": external_userid,
            "time": state.clock(),
            "via": "send_msg",
            **message,
        }
    )
    return json_response(ok(msgid=msgid))


@routes.post("/cgi-bin/kf/send_msg_on_event")
async def send_msg_on_event(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    code = state.kf_codes.get(text_field(body, "code"))
    if code is None or code.used:
        raise ApiError(40058, "invalid or used code")
    if state.clock() - code.issued_at > code.ttl:
        raise ApiError(40058, "code expired")
    message = _check_kf_payload(body)
    if message["msgtype"] not in code.msgtypes:
        raise ApiError(40008, f"this code allows only {', '.join(code.msgtypes)}")
    session = state.kf_session(code.external_userid)
    if code.state is not None and session.state != code.state:
        raise ApiError(95018, "the session left the state that produced this code")
    msgid = _client_msgid(state, body)
    state.kf_msgids.add(msgid)
    code.used = True
    state.kf_sent.append(
        {
            "msgid": msgid,
            "open_kfid": state.corp.kf_open_kfid,
            "touser": code.external_userid,
            "time": state.clock(),
            "via": "send_msg_on_event",
            **message,
        }
    )
    return json_response(ok(msgid=msgid))


@routes.post("/cgi-bin/kf/service_state/get")
async def service_state_get(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    _open_kfid(state, body)
    session = state.kf_sessions.get(_customer(state, body)) or KfSession("")
    return json_response(ok(service_state=session.state, servicer_userid=session.servicer_userid))


def issue_code(state: SandboxState, external_userid: str, new_state: int | None) -> str:
    """A one-use ``send_msg_on_event`` code (welcome_code when ``new_state`` is None)."""
    ttl, types = _CODE_RULES[new_state] if new_state is not None else (20.0, ("text", "msgmenu"))
    code = new_id("", 32)
    state.kf_codes[code] = KfCode(code, external_userid, state.clock(), ttl, new_state, types)
    return code


@routes.post("/cgi-bin/kf/service_state/trans")
async def service_state_trans(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    _open_kfid(state, body)
    session = state.kf_session(_customer(state, body))
    target = int_field(body, "service_state", -1)
    if target not in range(5):
        raise ApiError(40058, "service_state must be 0..4")
    if session.state == 4:
        raise ApiError(95013)
    if target not in _LEGAL[session.state]:
        raise ApiError(95016, f"{session.state} -> {target}")
    servicer = text_field(body, "servicer_userid", required=target == 3)
    if target == 3:
        member = state.corp.member(servicer)
        if member is None or member.role not in ("rm", "ops"):
            raise ApiError(95014, servicer)
    previous = session.state
    session.state = target
    session.servicer_userid = servicer if target == 3 else ""
    answer = ok()
    first_time = target in (2, 3) and previous not in (2, 3)
    if first_time or target == 4:
        answer["msg_code"] = issue_code(state, session.external_userid, target)
    return json_response(answer)


@routes.post("/cgi-bin/kf/customer/batchget")
async def customer_batchget(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    wanted = [str(e) for e in list_field(body, "external_userid_list")]
    if not 1 <= len(wanted) <= 100:
        raise ApiError(40058, "external_userid_list needs 1 to 100 ids")
    need_context = int_field(body, "need_enter_session_context", 0) == 1
    found, invalid = [], []
    for ext in dict.fromkeys(wanted):
        customer = state.customers.get(ext)
        if customer is None:
            invalid.append(ext)
            continue
        item: Json = {
            "external_userid": ext,
            "nickname": customer.name,
            "avatar": "",
            "gender": customer.gender,
            "unionid": "",
        }
        session = state.kf_sessions.get(ext)
        if need_context and session is not None:
            item["enter_session_context"] = {"scene": session.scene, "scene_param": session.scene_param}
        found.append(item)
    return json_response(ok(customer_list=found, invalid_external_userid=invalid))
