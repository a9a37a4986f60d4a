"""Campaign pages: the list, the editor (audience builder, per-segment preview in phone frames with the
compliance findings inline), the detail with its life-cycle actions, and the reviewers' queue.

Every action goes through :class:`scheduler.campaigns.CampaignBook`, exactly as ``/api/v1/campaigns`` does,
with the signed-in person as author or reviewer and in the change log.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot import keys
from bot.access.roles import allowed
from bot.api.campaigns import ACTION_PERMISSION, STATUSES, book
from bot.console.campaign_form import (
    CHANNEL_LABELS,
    COVERAGE_LABELS,
    KIND_LABELS,
    OUTBOX_LABELS,
    choices,
    describe_audience,
    describe_schedule,
    from_form,
    template_variables,
    to_form,
)
from bot.console.explain import explain
from bot.console.render import back, needs, page, principal
from bot.db.models import CustomerGroup, Staff
from bot.db.models.access import ChangeEntry
from bot.delivery.receipts import coverage
from scheduler.campaign_lifecycle import CampaignError, NotFound
from scheduler.campaigns import EDITABLE
from scheduler.service import reload_scheduler

routes = web.RouteTableDef()
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待审核",
    "approved": "已通过",
    "rejected": "已驳回",
    "scheduled": "已排期",
    "running": "发送中",
    "done": "已完成",
    "cancelled": "已撤销",
}
ACTION_LABELS = {"submit": "提交审核", "approve": "审核通过", "reject": "驳回", "cancel": "撤销活动"}
SUBMIT_NOTICE = {
    "submitted": "已提交审核，等待合规审核。",
    "rejected": "合规检查未通过，已自动驳回：请按提示修改后重新提交。",
}


async def _campaign(request: web.Request) -> dict[str, Any]:
    try:
        return await book(request).show(request.match_info["ref"])
    except NotFound:
        raise web.HTTPNotFound(text="没有这个营销活动") from None


async def _names(request: web.Request) -> dict[str, str]:
    """Customer groups' and members' names by id, so a reviewer reads 「养老客户群」, not wr_74zIJ…."""
    async with request.app[keys.DB]() as session:
        groups = (await session.execute(select(CustomerGroup.chat_id, CustomerGroup.name))).all()
        members = (await session.execute(select(Staff.userid, Staff.name))).all()
    named = {chat_id: f"{name}（{chat_id}）" for chat_id, name in groups if name}
    named |= {userid: f"{name}（{userid}）" for userid, name in members if name}
    return named


async def _history(request: web.Request, campaign_id: int) -> list[dict[str, Any]]:
    statement = (
        select(ChangeEntry)
        .where(ChangeEntry.object_type == "campaign", ChangeEntry.object_id == str(campaign_id))
        .order_by(ChangeEntry.id.desc())
        .limit(50)
    )
    async with request.app[keys.DB]() as session:
        rows = (await session.execute(statement)).scalars().all()
    return [
        {"at": r.at, "actor": r.actor, "action": r.action.removeprefix("campaign."), "detail": r.detail}
        for r in rows
    ]


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "kind_labels": KIND_LABELS,
    }


@routes.get("/console/campaigns")
@needs("read")
async def campaign_list(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    campaigns = await book(request).list(status)
    campaigns.reverse()  # newest first
    return page(
        request, "campaigns.html", campaigns=campaigns, current=status, statuses=STATUSES, **_labels()
    )


async def _editor(
    request: web.Request,
    values: dict[str, Any],
    campaign: dict[str, Any] | None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    resources = request.app[keys.DISPATCHER].resources
    options = await choices(request.app[keys.DB], resources.render)
    preview = None
    if campaign is not None:
        try:
            preview = (await book(request).preview(campaign["id"]))["plan"]
        except CampaignError as exc:
            error = error or explain(str(exc))
    return page(
        request,
        "campaign_edit.html",
        status=status,
        values=values,
        campaign=campaign,
        options=options,
        preview=preview,
        error=error,
        **_labels(),
    )


@routes.get("/console/campaigns/new")
@needs("campaigns.edit")
async def new_campaign(request: web.Request) -> web.Response:
    values = to_form({"audience": {"chat_type": "single"}})
    values["template"] = request.query.get("template", "notice")
    return await _editor(request, values, None)


def _variables(request: web.Request, kind: str) -> list[str]:
    render = request.app[keys.DISPATCHER].resources.render
    try:
        return template_variables(render, kind)
    except (FileNotFoundError, OSError):
        return []


def _as_typed(form: Any, campaign: dict[str, Any]) -> dict[str, Any]:
    """The editor's values as the person typed them (over the saved campaign's), after a refusal."""
    values = {**to_form(campaign), **{k: v for k, v in form.items() if k != "csrf_token"}}
    values.update({k: form.getall(k, []) for k in ("segments", "tags", "groups", "managers")})
    values["variables"] = {k[4:]: v for k, v in form.items() if k.startswith("var_")}
    return values


@routes.post("/console/campaigns/new")
@needs("campaigns.edit")
async def create_campaign(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        data = from_form(form, _variables(request, str(form.get("template", ""))))
        who = principal(request)
        created = await book(request).create({**data, "author": who.who()}, actor=who)
    except (CampaignError, ValueError) as exc:
        return await _editor(request, _as_typed(form, {}), None, error=explain(str(exc)), status=400)
    raise back(f"/console/campaigns/{created['id']}/edit", msg="草稿已保存，请查看预览与合规检查结果。")


@routes.get("/console/campaigns/{ref}/edit")
@needs("campaigns.edit")
async def edit_campaign(request: web.Request) -> web.Response:
    campaign = await _campaign(request)
    if campaign["status"] not in EDITABLE:
        raise back(f"/console/campaigns/{campaign['id']}", err="该活动已进入审核流程，不能再修改。")
    return await _editor(request, to_form(campaign), campaign)


@routes.post("/console/campaigns/{ref}/edit")
@needs("campaigns.edit")
async def save_campaign(request: web.Request) -> web.Response:
    campaign = await _campaign(request)
    form = await request.post()
    try:
        data = from_form(form, _variables(request, str(form.get("template", ""))))
        await book(request).update(campaign["id"], data, actor=principal(request))
    except (CampaignError, ValueError) as exc:  # the page keeps what was typed, for the fix
        typed = _as_typed(form, campaign)
        return await _editor(request, typed, campaign, error=explain(str(exc)), status=400)
    raise back(f"/console/campaigns/{campaign['id']}/edit", msg="已保存，预览与合规检查已更新。")


@routes.get("/console/campaigns/{ref}")
@needs("read")
async def campaign_detail(request: web.Request) -> web.Response:
    campaign = await _campaign(request)
    preview = None
    if campaign["status"] in ("draft", "submitted", "rejected", "approved", "scheduled"):
        try:
            preview = (await book(request).preview(campaign["id"]))["plan"]
        except CampaignError:
            preview = None
    delivered = await coverage(book(request).sessions, campaign_id=campaign["id"])
    who = principal(request)
    return page(
        request,
        "campaign_detail.html",
        campaign=campaign,
        preview=preview,
        coverage=delivered,
        coverage_labels=COVERAGE_LABELS,
        outbox_labels=OUTBOX_LABELS,
        audience_lines=describe_audience(campaign["audience"] or {}, await _names(request)),
        schedule_text=describe_schedule(campaign["schedule"] or {}),
        history=await _history(request, campaign["id"]),
        may_edit=allowed(who, "campaigns.edit"),
        may_review=allowed(who, "campaigns.review") and campaign["author"] != who.who(),
        **_labels(),
    )


@routes.post("/console/campaigns/{ref}/{action:submit|approve|reject|cancel}")
async def campaign_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    permission = ACTION_PERMISSION[action]
    campaign = await _campaign(request)
    where = f"/console/campaigns/{campaign['id']}"
    who = principal(request)
    if not allowed(who, permission):
        return page(request, "forbidden.html", status=403, permission=permission)
    form = await request.post()
    reason = str(form.get("reason", "")).strip()
    if action == "reject" and not reason:
        raise back(where, err="驳回时请填写原因。")
    try:
        result = await book(request).act(campaign["id"], action, who=who.who(), reason=reason, actor=who)
    except CampaignError as exc:
        raise back(where, err=f"操作未完成：{explain(str(exc))}") from None
    await reload_scheduler(request.app)
    if action == "submit":
        status = result["status"]
        if status == "rejected":  # the gate refused it: an error to fix, not a success
            raise back(where + "/edit", err=SUBMIT_NOTICE["rejected"])
        raise back(where, msg=SUBMIT_NOTICE.get(status, ""))
    raise back(where, msg=f"{ACTION_LABELS[action]}：完成。")


@routes.get("/console/review")
@needs("campaigns.review")
async def review_queue(request: web.Request) -> web.Response:
    waiting = await book(request).list("submitted")
    me = principal(request).who()
    return page(request, "review.html", waiting=waiting, me_who=me, **_labels())
