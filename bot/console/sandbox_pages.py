"""Simulator controls, shown in the demo only: people doing things in WeCom without a phone.

"添加客户" makes a relationship manager add a new synthetic customer (WeCom then calls the service back
and the welcome message goes out); "确认发送" is a manager tapping send on a mass-message task. Both go
through the simulator's ``/_sandbox/actions/*``, so the service sees exactly what WeCom would send it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientError, web

from bot import keys
from bot.console.render import SANDBOX_URL, back, needs, page

routes = web.RouteTableDef()
HERE = "/console/sandbox"


def _sandbox(request: web.Request) -> str:
    url = request.app.get(SANDBOX_URL)
    if not url:
        raise web.HTTPNotFound(text="模拟器只在演示模式（wecombot demo）中可用")
    return url


async def _call(request: web.Request, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    http = request.app[keys.HTTP_SESSION]
    async with http.request(method, _sandbox(request) + path, json=body) as resp:
        return resp.status, await resp.json(content_type=None)


@routes.get(HERE)
@needs("sandbox.control")
async def controls(request: web.Request) -> web.Response:
    _, corp = await _call(request, "GET", "/_sandbox/corp")
    _, tasks = await _call(request, "GET", "/_sandbox/mass_tasks")
    managers = [m for m in corp.get("members", []) if m.get("role") == "rm"]
    pending = [
        {
            "msgid": t["msgid"],
            "userid": userid,
            "text": (t.get("text") or {}).get("content", ""),
            "targets": sum(1 for x in t.get("targets", []) if x.get("userid") == userid),
        }
        for t in reversed(tasks)
        if not t.get("cancelled")
        for userid, status in t.get("senders", {}).items()
        if status == 0
    ]
    return page(request, "sandbox.html", managers=managers, pending=pending[:50])


@routes.post(HERE + "/add_contact")
@needs("sandbox.control")
async def add_contact(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        status, body = await _call(
            request, "POST", "/_sandbox/actions/add_contact", {"userid": form.get("userid")}
        )
    except ClientError as exc:
        raise back(HERE, err=f"模拟器不可用：{exc}") from None
    if status != 200:
        raise back(HERE, err=f"添加失败：{body.get('error', body)}")
    raise back(HERE, msg=f"已添加客户 {body['external_userid']}，企业微信已回调服务（欢迎语流程）。")


@routes.post(HERE + "/confirm")
@needs("sandbox.control")
async def confirm(request: web.Request) -> web.Response:
    form = await request.post()
    payload = {"msgid": form.get("msgid"), "userid": form.get("userid")}
    try:
        status, body = await _call(request, "POST", "/_sandbox/actions/confirm_mass_task", payload)
    except ClientError as exc:
        raise back(HERE, err=f"模拟器不可用：{exc}") from None
    if status != 200:
        raise back(HERE, err=f"确认失败：{body.get('error', body)}")
    raise back(HERE, msg=f"{payload['userid']} 已确认发送群发任务。")
