"""``/_sandbox/actions/*``: things people do in WeCom that make WeCom call the service.

A customer adds a manager, leaves, joins a group; a customer writes to the kf account; a member
writes to the app; a manager confirms a mass-message task. Each changes the simulator's state and,
where WeCom would, sends the signed, encrypted callback through the ``CallbackDriver``.
"""

from __future__ import annotations

import random
import secrets
from datetime import date

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.sandbox import events
from bot.sandbox.corp import Customer
from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.sandbox.driver import CallbackDriver, CallbackResult
from bot.sandbox.routes_groupmsg import confirm_mass_task
from bot.sandbox.routes_kf import issue_code
from bot.sandbox.store import Relation, SandboxState, WelcomeCode, new_id, sandbox_state
from bot.sandbox.wire import ApiError, Json, json_response, parse_json

routes = web.RouteTableDef()

SANDBOX_DRIVER: web.AppKey[CallbackDriver] = web.AppKey("sandbox_driver")


class ActionError(Exception):
    """A bad action request: answered with HTTP 400/404/409 and ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _body(request: web.Request) -> Json:
    try:
        body = parse_json(await request.read())
    except ApiError as exc:
        raise ActionError(400, exc.errmsg) from exc
    if not isinstance(body, dict):
        raise ActionError(400, "body must be a JSON object")
    return body


def _str(body: Json, name: str, *, required: bool = True, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or (required and not value):
        raise ActionError(
            400, f"'{name}' must be a non-empty string" if required else f"'{name}' must be a string"
        )
    return value


def _driver(request: web.Request) -> CallbackDriver:
    driver = request.app.get(SANDBOX_DRIVER)
    if driver is None:
        raise ActionError(409, "the sandbox has no callback_url configured, so it cannot call the service")
    return driver


async def _deliver(request: web.Request, xml: str, agent_id: int | str = "") -> Json:
    state = sandbox_state(request.app)
    result: CallbackResult = await _driver(request).send(xml, agent_id=agent_id)
    record = {"time": state.clock(), "plaintext": xml, "status": result.status, "reply": result.reply_xml}
    state.callbacks.append(record)
    return {"status": result.status, "reply": result.reply_xml}


def _member(state: SandboxState, userid: str) -> None:
    if state.corp.member(userid) is None:
        raise ActionError(404, f"no member {userid!r} in the sandbox corp")


def _new_customer(state: SandboxState, external_userid: str, rm_userid: str, contact_state: str) -> Customer:
    """A SYNTHETIC customer for a contact added at run time."""
    rng = random.Random(external_userid)
    return Customer(
        external_userid=external_userid,
        name=rng.choice("王李张刘陈杨") + rng.choice(("女士", "先生")),
        gender=rng.choice((1, 2)),
        rm_userid=rm_userid,
        tier="long_tail",
        risk_level="C2",
        aum_band="<5万",
        state=contact_state,
        tags=[],
        birthday=date(1990, 1, 1),
    )


@routes.post("/_sandbox/actions/add_contact")
async def add_contact(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = await _body(request)
    userid = _str(body, "userid")
    _member(state, userid)
    _driver(request)
    external_userid = _str(body, "external_userid", required=False) or new_id("wm")
    contact_state = _str(body, "state", required=False)
    if external_userid not in state.customers:
        state.customers[external_userid] = _new_customer(state, external_userid, userid, contact_state)
    state.relations[(userid, external_userid)] = Relation(userid, external_userid, state.now(), contact_state)
    code = new_id("", 32)
    state.welcome_codes[code] = WelcomeCode(code, userid, external_userid, state.clock())
    xml = events.external_contact_event(
        "add_external_contact",
        userid,
        external_userid,
        state=contact_state,
        welcome_code=code,
        create_time=state.now(),
    )
    callback = await _deliver(request, xml)
    return json_response({"external_userid": external_userid, "welcome_code": code, "callback": callback})


@routes.post("/_sandbox/actions/customer_leaves")
async def customer_leaves(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = await _body(request)
    userid, external_userid = _str(body, "userid"), _str(body, "external_userid")
    _driver(request)
    if state.relations.pop((userid, external_userid), None) is None:
        raise ActionError(404, f"{external_userid} is not a contact of {userid}")
    xml = events.external_contact_event("del_follow_user", userid, external_userid, create_time=state.now())
    return json_response({"callback": await _deliver(request, xml)})


async def _group_change(request: web.Request, join: bool) -> web.Response:
    state = sandbox_state(request.app)
    body = await _body(request)
    chat_id, external_userid = _str(body, "chat_id"), _str(body, "external_userid")
    _driver(request)
    group = state.groups.get(chat_id)
    if group is None or group.dismissed:
        raise ActionError(404, f"no customer group {chat_id!r}")
    last_ver = secrets.token_hex(16)
    if join:
        if external_userid in group.members:
            raise ActionError(409, f"{external_userid} is already in {chat_id}")
        group.members[external_userid] = state.now()
    elif group.members.pop(external_userid, None) is None:
        raise ActionError(404, f"{external_userid} is not in {chat_id}")
    xml = events.external_chat_event(
        "update",
        chat_id,
        update_detail="add_member" if join else "del_member",
        join_scene=3 if join else None,
        quit_scene=None if join else 0,
        members=[external_userid],
        last_mem_ver=last_ver,
        cur_mem_ver=secrets.token_hex(16),
        create_time=state.now(),
    )
    return json_response({"callback": await _deliver(request, xml)})


@routes.post("/_sandbox/actions/join_group")
async def join_group(request: web.Request) -> web.Response:
    return await _group_change(request, join=True)


@routes.post("/_sandbox/actions/leave_group")
async def leave_group(request: web.Request) -> web.Response:
    return await _group_change(request, join=False)


def _kf_store(state: SandboxState, item: Json) -> str:
    token = secrets.token_urlsafe(32)
    state.kf_tokens[token] = state.clock() + state.limits.kf_token_ttl
    state.kf_messages.append(item)
    return token


@routes.post("/_sandbox/actions/kf_message")
async def kf_message(request: web.Request) -> web.Response:
    """A customer writes to the kf account: stored for sync_msg, then the doorbell rings."""
    state = sandbox_state(request.app)
    body = await _body(request)
    external_userid, text = _str(body, "external_userid"), _str(body, "text")
    _driver(request)
    if external_userid not in state.customers:
        raise ActionError(404, f"no customer {external_userid!r}")
    session = state.kf_session(external_userid)
    if session.state == 4:
        session.state, session.servicer_userid = 0, ""
    session.last_customer_msg = state.clock()
    session.sends_since_customer_msg = 0
    msgid = new_id("", 24)
    token = _kf_store(
        state,
        {
            "msgid": msgid,
            "open_kfid": state.corp.kf_open_kfid,
            "external_userid": external_userid,
            "send_time": state.now(),
            "origin": 3,
            "msgtype": "text",
            "text": {"content": text},
        },
    )
    xml = events.kf_event(token, state.corp.kf_open_kfid, create_time=state.now())
    return json_response({"msgid": msgid, "token": token, "callback": await _deliver(request, xml)})


@routes.post("/_sandbox/actions/kf_enter_session")
async def kf_enter_session(request: web.Request) -> web.Response:
    """A customer opens the kf chat (from a link with ``scene``): enter_session with a welcome_code."""
    state = sandbox_state(request.app)
    body = await _body(request)
    external_userid = _str(body, "external_userid")
    _driver(request)
    if external_userid not in state.customers:
        raise ActionError(404, f"no customer {external_userid!r}")
    session = state.kf_session(external_userid)
    session.scene = _str(body, "scene", required=False)
    session.scene_param = _str(body, "scene_param", required=False)
    code = issue_code(state, external_userid, None)
    token = _kf_store(
        state,
        {
            "msgid": new_id("", 24),
            "send_time": state.now(),
            "origin": 4,
            "msgtype": "event",
            "event": {
                "event_type": "enter_session",
                "open_kfid": state.corp.kf_open_kfid,
                "external_userid": external_userid,
                "scene": session.scene,
                "scene_param": session.scene_param,
                "welcome_code": code,
            },
        },
    )
    xml = events.kf_event(token, state.corp.kf_open_kfid, create_time=state.now())
    return json_response({"welcome_code": code, "callback": await _deliver(request, xml)})


@routes.post("/_sandbox/actions/member_message")
async def member_message(request: web.Request) -> web.Response:
    """A member writes text to the app; the answer includes the decrypted passive reply, if any."""
    state = sandbox_state(request.app)
    body = await _body(request)
    userid, text = _str(body, "userid"), _str(body, "text")
    _member(state, userid)
    _driver(request)
    msg_id = state.take_msgid()
    xml = events.text_message(userid, text, msg_id, create_time=state.now())
    return json_response({"msg_id": msg_id, "callback": await _deliver(request, xml, SANDBOX_AGENT_ID)})


@routes.post("/_sandbox/actions/confirm_mass_task")
async def confirm_mass(request: web.Request) -> web.Response:
    """A manager taps "send" on a mass-message task in the client."""
    state = sandbox_state(request.app)
    body = await _body(request)
    msgid, userid = _str(body, "msgid"), _str(body, "userid")
    if msgid not in state.mass_tasks:
        raise ActionError(404, f"no mass-message task {msgid!r}")
    try:
        summary = confirm_mass_task(state, msgid, userid)
    except ApiError as exc:
        raise ActionError(409, exc.errmsg) from exc
    return json_response(summary)


@web.middleware
async def action_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render ``ActionError`` as JSON with its HTTP status."""
    try:
        return await handler(request)
    except ActionError as exc:
        return json_response({"error": str(exc)}, status=exc.status)
