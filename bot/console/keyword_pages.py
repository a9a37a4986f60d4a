"""关键词回复 ``/console/keywords``: the keyword auto-replies, and the form operations staff add one with.

The same :class:`~handlers.community_keyword_rules.RuleDesk` as ``/api/v1/keyword_rules``: a reply the
compliance gate would block is shown with its findings and not saved; config rules are listed read-only.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.keywords import desk
from bot.console.explain import explain
from bot.console.render import back, needs, page, principal
from handlers.community_keyword_rules import RuleBlocked, RuleError

routes = web.RouteTableDef()
HERE = "/console/keywords"
MATCH_LABELS = {"exact": "完全一致", "contains": "包含", "regex": "正则表达式"}
CHANNEL_LABELS = {"app": "员工（应用）", "kf": "客户（微信客服）"}
ROLE_LABELS = {"rm": "理财经理", "ops": "运营", "compliance": "合规", "other": "其他员工"}
LABELS = {"match_labels": MATCH_LABELS, "channel_labels": CHANNEL_LABELS, "staff_role_labels": ROLE_LABELS}


async def _page(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    desk_ = desk(request)
    context = {"rules": await desk_.list(), "templates": desk_.templates(), "form": {}, "error": ""}
    context |= {"findings": [], "field": ""} | extra
    return page(request, "keywords.html", status=status, **LABELS, **context)


@routes.get(HERE)
@needs("read")
async def keywords(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(HERE)
@needs("content.publish")
async def add_rule(request: web.Request) -> web.Response:
    form = await request.post()
    data: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "match": str(form.get("match", "contains")),
        "pattern": str(form.get("pattern", "")),
        "channels": list(form.getall("channels", [])),
        "roles": list(form.getall("roles", [])),
        "reply_text": str(form.get("reply_text", "")),
        "template": str(form.get("template", "")),
    }
    try:
        data["priority"] = int(str(form.get("priority", "0")).strip() or 0)
    except ValueError:
        return await _page(request, 400, form=data, error="优先级须为整数。", field="priority")
    try:
        await desk(request).create(data, principal(request))
    except RuleBlocked as exc:
        error = "回复内容未通过合规检查，未保存。"
        return await _page(request, 422, form=data, error=error, findings=exc.findings, field="reply_text")
    except RuleError as exc:
        return await _page(request, 400, form=data, error=explain(str(exc)), field=exc.field)
    raise back(HERE, msg=f"关键词回复 {data['name']} 已保存，下一条消息起生效。")


@routes.post(HERE + "/{name}/toggle")
@needs("content.publish")
async def toggle_rule(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    form = await request.post()
    enabled = form.get("enabled") == "1"
    try:
        rule = await desk(request).update(name, {"enabled": enabled}, principal(request))
    except (RuleError, RuleBlocked) as exc:
        raise back(HERE, err=f"{name}：{explain(str(exc))}") from None
    if rule is None:
        raise back(HERE, err=f"{name} 不是可在此修改的规则。")
    raise back(HERE, msg=f"{name} 已{'启用' if enabled else '停用'}。")
