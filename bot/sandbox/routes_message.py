"""Messages to employees: message/send, appchat, group-robot webhooks, and media upload.

``message/send`` drops what exceeds 30/min or 1000/h per member without telling the caller, as
WeCom does; the simulator records each drop in ``state.dropped`` so a test can see it.
"""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from bot.sandbox.credentials import SANDBOX_AGENT_ID
from bot.sandbox.limits import SlidingWindow
from bot.sandbox.payloads import APP_MSGTYPES, INTERACTIVE_CARDS, check_app_payload
from bot.sandbox.store import SandboxState, new_id, sandbox_state
from bot.sandbox.wire import ApiError, Json, body_of, int_field, json_response, list_field, ok, text_field

routes = web.RouteTableDef()

_MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}
_CHATID = re.compile(r"^[0-9a-zA-Z]{1,32}$")


def _deliver(state: SandboxState, userid: str, message: Json, msgid: str) -> None:
    """Deliver to one member unless their per-minute / per-hour quota is used up (then drop)."""
    limits = state.limits
    window = state.member_windows.setdefault(userid, SlidingWindow())
    now = state.clock()
    record = {"userid": userid, "msgid": msgid, "time": now, **message}
    if window.allow(now, ((limits.member_per_minute, 60.0), (limits.member_per_hour, 3600.0))):
        state.delivered.append(record)
    else:
        state.dropped.append({**record, "reason": "member quota (30/min, 1000/h)"})


@routes.post("/cgi-bin/message/send")
async def message_send(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    if int_field(body, "agentid", 0) != SANDBOX_AGENT_ID:
        raise ApiError(301002)
    touser = text_field(body, "touser", required=False)
    toparty = text_field(body, "toparty", required=False)
    totag = text_field(body, "totag", required=False)
    if not (touser or toparty or totag):
        raise ApiError(82001)
    message = check_app_payload(body, APP_MSGTYPES)
    members = {m.userid for m in state.corp.members}
    if touser == "@all":
        valid, invalid = sorted(members), []
    else:
        wanted = [u for u in touser.split("|") if u]
        if len(wanted) > 1000:
            raise ApiError(40058, "touser lists more than 1000 members")
        valid = [u for u in dict.fromkeys(wanted) if u in members]
        invalid = [u.lower() for u in dict.fromkeys(wanted) if u not in members]
    # The synthetic corp has no departments or member tags: every party / tag is invalid.
    invalid_party = [p for p in toparty.split("|") if p]
    invalid_tag = [t for t in totag.split("|") if t]
    if not valid:
        raise ApiError(81013)
    msgid = new_id("", 40)
    for userid in valid:
        _deliver(state, userid, message, msgid)
    answer = ok(
        invaliduser="|".join(invalid),
        invalidparty="|".join(invalid_party),
        invalidtag="|".join(invalid_tag),
        unlicenseduser="",
        msgid=msgid,
    )
    card = body.get("template_card")
    if message["msgtype"] == "template_card" and card["card_type"] in INTERACTIVE_CARDS:
        answer["response_code"] = new_id("", 43)
    return json_response(answer)


@routes.post("/cgi-bin/appchat/create")
async def appchat_create(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    members = {m.userid for m in state.corp.members}
    userlist = list_field(body, "userlist")
    if len(userlist) < 2:
        raise ApiError(40058, "userlist needs at least 2 members")
    bad = [u for u in userlist if u not in members]
    if bad:
        raise ApiError(40003, ",".join(map(str, bad)))
    owner = text_field(body, "owner", required=False) or userlist[0]
    if owner not in members:
        raise ApiError(40003, owner)
    chatid = text_field(body, "chatid", required=False) or new_id("", 20)
    if not _CHATID.match(chatid):
        raise ApiError(86001, "chatid must be 1-32 letters or digits")
    if chatid in state.appchats:
        raise ApiError(40058, "chatid already exists")
    name = text_field(body, "name", required=False)
    state.appchats[chatid] = {"chatid": chatid, "name": name, "owner": owner, "userlist": userlist}
    return json_response(ok(chatid=chatid))


@routes.post("/cgi-bin/appchat/send")
async def appchat_send(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    chatid = text_field(body, "chatid")
    if chatid not in state.appchats:
        raise ApiError(86001, f"{chatid} was not created by this app")
    allowed = ("text", "markdown", "textcard", "news", "image", "file", "voice", "video")
    message = check_app_payload(body, allowed)
    state.appchat_messages.append({"chatid": chatid, "time": state.clock(), **message})
    return json_response(ok())


@routes.post("/cgi-bin/webhook/send")
async def webhook_send(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    key = request.query.get("key", "")
    if key not in state.webhook_keys:
        raise ApiError(93000)
    body = body_of(request)
    allowed = ("text", "markdown", "markdown_v2", "news", "template_card", "image", "file", "voice")
    msgtype = text_field(body, "msgtype")
    if msgtype in ("markdown", "markdown_v2"):
        message = check_app_payload(
            {**body, "msgtype": "markdown", "markdown": body.get(msgtype)}, ("markdown",), markdown_limit=4096
        )
        message = {"msgtype": msgtype, msgtype: message["markdown"]}
    elif msgtype == "image":
        image = body.get("image")
        if not isinstance(image, dict) or not image.get("base64") or not image.get("md5"):
            raise ApiError(40058, "image needs base64 and md5")
        message = {"msgtype": msgtype, "image": image}
    else:
        message = check_app_payload(body, allowed)
    window = state.webhook_windows.setdefault(key, SlidingWindow())
    if not window.allow(state.clock(), ((state.limits.webhook_per_minute, 60.0),)):
        raise ApiError(45009, "robot sends at most 20 messages per minute")
    state.webhook_messages.append({"key": key, "time": state.clock(), **message})
    return json_response(ok())


@routes.post("/cgi-bin/media/upload")
async def media_upload(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    media_type = request.query.get("type", "")
    if media_type not in _MEDIA_LIMITS:
        raise ApiError(40004, f"type must be one of {', '.join(_MEDIA_LIMITS)}")
    if request.content_type != "multipart/form-data":
        raise ApiError(40058, "upload must be multipart/form-data with a 'media' field")
    form = await request.post()
    field = form.get("media")
    if not isinstance(field, web.FileField):
        raise ApiError(40058, "multipart field 'media' with a file is required")
    data = field.file.read()
    if not 5 < len(data) <= _MEDIA_LIMITS[media_type]:
        raise ApiError(40006, f"{len(data)} bytes")
    media_id = "3" + secrets.token_urlsafe(48)
    created = state.now()
    state.media[media_id] = {
        "media_id": media_id,
        "type": media_type,
        "filename": field.filename,
        "size": len(data),
        "created_at": created,
    }
    return json_response(ok(type=media_type, media_id=media_id, created_at=str(created)))
