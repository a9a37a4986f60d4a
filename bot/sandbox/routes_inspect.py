"""``/_sandbox/...`` JSON views of what the simulator saw and did, and its fault switchboard.

Tests and the demo read these instead of reaching into the simulator's memory: the request log,
messages delivered to members (and those dropped by the quotas), mass tasks, kf sessions, welcome
messages, tag changes, callbacks sent. None of these paths exist in the real WeCom.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from bot.sandbox.faults import parse_rule
from bot.sandbox.store import sandbox_state
from bot.sandbox.wire import Json, json_response, parse_json

routes = web.RouteTableDef()


def _filtered(items: list[Json], request: web.Request) -> list[Json]:
    """Keep items whose fields equal every query parameter (``?userid=rm_lina``)."""
    wanted = dict(request.query)
    return [i for i in items if all(str(i.get(k)) == v for k, v in wanted.items())]


@routes.get("/_sandbox/requests")
async def list_requests(request: web.Request) -> web.Response:
    return json_response(_filtered(sandbox_state(request.app).requests, request))  # type: ignore[arg-type]


@routes.delete("/_sandbox/requests")
async def clear_requests(request: web.Request) -> web.Response:
    sandbox_state(request.app).requests.clear()
    return json_response({"cleared": True})


@routes.get("/_sandbox/corp")
async def corp(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    data = {
        "corp_id": state.corp.corp_id,
        "kf_open_kfid": state.corp.kf_open_kfid,
        "kf_name": state.corp.kf_name,
        "members": [asdict(m) for m in state.corp.members],
        "customers": [{**asdict(c), "birthday": c.birthday.isoformat()} for c in state.customers.values()],
        "relations": [asdict(r) for r in state.relations.values()],
        "groups": [asdict(g) for g in state.groups.values()],
        "tag_groups": state.tag_groups,
        "note": "SYNTHETIC sample data — not real people",
    }
    return json_response(data)


_LISTS = {
    "messages": "delivered",
    "dropped": "dropped",
    "appchat_messages": "appchat_messages",
    "webhook_messages": "webhook_messages",
    "welcome_messages": "welcome_messages",
    "tag_changes": "tag_changes",
    "callbacks": "callbacks",
    "kf/sent": "kf_sent",
    "kf/messages": "kf_messages",
}


def _list_view(attr: str) -> web.RequestHandler:  # type: ignore[name-defined]
    async def view(request: web.Request) -> web.Response:
        return json_response(_filtered(getattr(sandbox_state(request.app), attr), request))  # type: ignore[arg-type]

    return view


for _path, _attr in _LISTS.items():
    routes.get(f"/_sandbox/{_path}")(_list_view(_attr))


@routes.get("/_sandbox/mass_tasks")
async def mass_tasks(request: web.Request) -> web.Response:
    tasks = [t.summary() for t in sandbox_state(request.app).mass_tasks.values()]
    return json_response(tasks)  # type: ignore[arg-type]


@routes.get("/_sandbox/kf/sessions")
async def kf_sessions(request: web.Request) -> web.Response:
    sessions = [asdict(s) for s in sandbox_state(request.app).kf_sessions.values()]
    return json_response(sessions)  # type: ignore[arg-type]


@routes.get("/_sandbox/group_welcome_templates")
async def group_welcome_templates(request: web.Request) -> web.Response:
    return json_response(sandbox_state(request.app).group_welcome_templates)


@routes.get("/_sandbox/faults")
async def list_faults(request: web.Request) -> web.Response:
    return json_response(sandbox_state(request.app).faults)  # type: ignore[arg-type]


@routes.post("/_sandbox/faults")
async def add_fault(request: web.Request) -> web.Response:
    try:
        rule = parse_rule(parse_json(await request.read()))
    except Exception as exc:  # ApiError (bad JSON) or ValueError (bad rule)
        return json_response({"error": str(exc)}, status=400)
    sandbox_state(request.app).faults.append(rule)
    return json_response(rule)


@routes.delete("/_sandbox/faults")
async def clear_faults(request: web.Request) -> web.Response:
    sandbox_state(request.app).faults.clear()
    return json_response({"cleared": True})


@routes.delete("/_sandbox/tokens")
async def revoke_tokens(request: web.Request) -> web.Response:
    """Invalidate every access_token early (WeCom may), so clients' 40014 refresh path can be tested."""
    sandbox_state(request.app).tokens.clear()
    return json_response({"revoked": True})


@routes.post("/_sandbox/webhooks")
async def add_webhook(request: web.Request) -> web.Response:
    """Register another group-robot key (the synthetic ops group's key exists from the start)."""
    body = parse_json(await request.read())
    key = body.get("key") if isinstance(body, dict) else None
    if not isinstance(key, str) or not key:
        return json_response({"error": "'key' must be a non-empty string"}, status=400)
    sandbox_state(request.app).webhook_keys.add(key)
    return json_response({"key": key})
