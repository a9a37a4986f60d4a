"""Mass messages to customers and customer groups (``add_msg_template`` and its receipts).

A task stays unsent until a manager confirms it (``/_sandbox/actions/confirm_mass_task``, the
stand-in for the tap in the WeCom client). Each customer / group receives at most
``mass_monthly_cap`` mass messages per natural month: one already at the cap is put in
``fail_list`` at creation, and one that reaches it before confirmation gets send status 3.
"""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.limits import count_in_month
from bot.sandbox.payloads import check_attachments, check_text
from bot.sandbox.store import MassTarget, MassTask, SandboxState, new_id, sandbox_state
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


def _at_cap(state: SandboxState, target_id: str) -> bool:
    times = state.mass_receipts.get(target_id, [])
    return count_in_month(times, state.clock()) >= state.limits.mass_monthly_cap


def _tag_filter(state: SandboxState, body: Json) -> list[set[str]]:
    """Tag groups of the filter: a customer must carry one tag of every listed group."""
    tag_filter = body.get("tag_filter") or {}
    if not isinstance(tag_filter, dict):
        raise ApiError(40058, "tag_filter must be an object")
    sets = []
    for group in list_field(tag_filter, "group_list"):
        if not isinstance(group, dict):
            raise ApiError(40058, "tag_filter.group_list items must be objects")
        sets.append({str(t) for t in list_field(group, "tag_list")})
    return sets


def _single_targets(state: SandboxState, body: Json, sender: str) -> tuple[list[MassTarget], list[str]]:
    wanted = [str(e) for e in list_field(body, "external_userid")]
    if len(wanted) > 10000:
        raise ApiError(40058, "external_userid holds at most 10000 customers")
    tag_sets = _tag_filter(state, body)
    fail: list[str] = []
    targets: list[MassTarget] = []
    if wanted:
        for ext in dict.fromkeys(wanted):
            followers = [r for r in state.followers(ext) if not sender or r.userid == sender]
            if not followers:
                fail.append(ext)
            else:
                targets.append(MassTarget(userid=followers[0].userid, external_userid=ext))
    else:
        relations = [r for (uid, _), r in state.relations.items() if not sender or uid == sender]
        seen: set[str] = set()
        for r in relations:
            if r.external_userid not in seen:
                seen.add(r.external_userid)
                targets.append(MassTarget(userid=r.userid, external_userid=r.external_userid))
    if tag_sets:

        def carries(t: MassTarget) -> bool:
            relation = state.relation(t.userid, t.external_userid)
            tags = set(relation.tag_ids) if relation else set()
            return all(tags & wanted_tags for wanted_tags in tag_sets)

        targets = [t for t in targets if carries(t)]
    return targets, fail


def _group_targets(state: SandboxState, body: Json, sender: str) -> tuple[list[MassTarget], list[str]]:
    chat_ids = [str(c) for c in list_field(body, "chat_id_list")]
    if len(chat_ids) > 2000:
        raise ApiError(40058, "chat_id_list holds at most 2000 groups")
    owned = [g.chat_id for g in state.groups.values() if g.owner == sender and not g.dismissed]
    fail = [c for c in chat_ids if c not in owned]
    chosen = [c for c in chat_ids if c in owned] if chat_ids else owned
    return [MassTarget(userid=sender, chat_id=c) for c in chosen], fail


@routes.post("/cgi-bin/externalcontact/add_msg_template")
async def add_msg_template(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    chat_type = text_field(body, "chat_type", required=False) or "single"
    if chat_type not in ("single", "group"):
        raise ApiError(40058, "chat_type must be single or group")
    sender = text_field(body, "sender", required=chat_type == "group")
    if sender and state.corp.member(sender) is None:
        raise ApiError(40003, sender)
    if chat_type == "single" and body.get("chat_id_list"):
        raise ApiError(40058, "chat_id_list is only for chat_type group")
    text = body.get("text")
    if text is not None and not isinstance(text, dict):
        raise ApiError(40058, "text must be an object")
    attachments = check_attachments(body.get("attachments"), state.media)
    if text and text.get("content"):
        check_text(text, 4000, "text.content")
    elif not attachments:
        raise ApiError(44004)
    if chat_type == "single":
        targets, fail = _single_targets(state, body, sender)
    else:
        targets, fail = _group_targets(state, body, sender)
    over_cap = [t for t in targets if _at_cap(state, t.external_userid or t.chat_id)]
    fail.extend(t.external_userid or t.chat_id for t in over_cap)
    targets = [t for t in targets if t not in over_cap]
    if not targets:
        raise ApiError(41048)
    msgid = new_id("msg", 24)
    state.mass_tasks[msgid] = MassTask(
        msgid=msgid,
        chat_type=chat_type,
        creator=sender or targets[0].userid,
        create_time=state.now(),
        text=text or None,
        attachments=attachments,
        targets=targets,
        sender_status={t.userid: 0 for t in targets},
    )
    return json_response(ok(msgid=msgid, fail_list=fail))


def confirm_mass_task(state: SandboxState, msgid: str, userid: str) -> Json:
    """A manager confirms a task in the client: send to their targets, respecting the cap."""
    task = state.mass_tasks.get(msgid)
    if task is None:
        raise ApiError(40058, f"unknown msgid {msgid}")
    if userid not in task.sender_status:
        raise ApiError(40003, f"{userid} has no part in {msgid}")
    if task.cancelled:
        raise ApiError(40058, f"task {msgid} was cancelled")
    if task.sender_status[userid] == 2:
        raise ApiError(40058, f"{userid} already sent {msgid}")
    now = state.now()
    for target in task.targets:
        if target.userid != userid or target.status != 0:
            continue
        key = target.external_userid or target.chat_id
        if target.external_userid and state.relation(userid, target.external_userid) is None:
            target.status = 2
        elif _at_cap(state, key):
            target.status = 3
        else:
            target.status, target.send_time = 1, now
            state.mass_receipts.setdefault(key, []).append(state.clock())
    task.sender_status[userid] = 2
    task.sender_send_time[userid] = now
    return task.summary()


def _task(state: SandboxState, body: Json) -> MassTask:
    msgid = text_field(body, "msgid")
    task = state.mass_tasks.get(msgid)
    if task is None:
        raise ApiError(40058, f"unknown msgid {msgid}")
    if state.clock() - task.create_time < state.limits.mass_dispatch_seconds:
        raise ApiError(41063)
    return task


def _limit(body: Json, default: int, maximum: int) -> int:
    limit = int_field(body, "limit", default)
    if not 1 <= limit <= maximum:
        raise ApiError(40058, f"limit must be 1..{maximum}")
    return limit


@routes.post("/cgi-bin/externalcontact/get_groupmsg_list_v2")
async def get_groupmsg_list_v2(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    chat_type = text_field(body, "chat_type")
    start, end = int_field(body, "start_time", 0), int_field(body, "end_time", 0)
    if not start or not end or end < start:
        raise ApiError(40058, "start_time and end_time are required, end after start")
    if end - start > 31 * 86400:
        raise ApiError(40058, "the time span is at most one month")
    creator = text_field(body, "creator", required=False)
    filter_type = int_field(body, "filter_type", 2)
    tasks = [
        t
        for t in state.mass_tasks.values()
        if t.chat_type == chat_type
        and start <= t.create_time <= end
        and (not creator or t.creator == creator)
        and filter_type in (0, 2)
    ]
    chunk, next_cursor = page(tasks, text_field(body, "cursor", required=False), _limit(body, 100, 100))
    items = [
        {
            "msgid": t.msgid,
            "creator": t.creator,
            "create_time": str(t.create_time),
            "create_type": 0,
            "text": t.text,
            "attachments": t.attachments,
        }
        for t in chunk
    ]
    return json_response(ok(group_msg_list=items, next_cursor=next_cursor))


@routes.post("/cgi-bin/externalcontact/get_groupmsg_task")
async def get_groupmsg_task(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    task = _task(state, body)
    rows = [
        {"userid": u, "status": s, "send_time": task.sender_send_time.get(u, 0)}
        for u, s in task.sender_status.items()
    ]
    chunk, next_cursor = page(rows, text_field(body, "cursor", required=False), _limit(body, 500, 1000))
    return json_response(ok(task_list=chunk, next_cursor=next_cursor))


@routes.post("/cgi-bin/externalcontact/get_groupmsg_send_result")
async def get_groupmsg_send_result(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    task = _task(state, body)
    userid = text_field(body, "userid")
    rows: list[Json] = []
    for t in task.targets:
        if t.userid == userid:
            who = {"external_userid": t.external_userid} if t.external_userid else {"chat_id": t.chat_id}
            rows.append({**who, "userid": t.userid, "status": t.status, "send_time": t.send_time})
    chunk, next_cursor = page(rows, text_field(body, "cursor", required=False), _limit(body, 500, 1000))
    return json_response(ok(send_list=chunk, next_cursor=next_cursor))


@routes.post("/cgi-bin/externalcontact/remind_groupmsg_send")
async def remind_groupmsg_send(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    task = _task(state, body_of(request))
    now = state.clock()
    task.reminders = [t for t in task.reminders if t > now - 86400]
    if len(task.reminders) >= state.limits.remind_per_day:
        raise ApiError(45009, "a task can be reminded at most 3 times in 24 h")
    task.reminders.append(now)
    return json_response(ok())


@routes.post("/cgi-bin/externalcontact/cancel_groupmsg_send")
async def cancel_groupmsg_send(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    _task(state, body_of(request)).cancelled = True
    return json_response(ok())
