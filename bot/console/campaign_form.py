"""The campaign editor's form: the choices it offers (templates, tags, groups, managers, slots) and the
translation between the form's fields and the campaign JSON the API takes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import meta
from multidict import MultiDictProxy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Renderer
from bot.db.models import CorpTag, CustomerGroup, Staff
from scheduler.campaigns import CHANNELS, CONTENT_KINDS
from scheduler.slots import load_slots, slot_label

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEGMENTS = {"long_tail": "长尾客户", "affluent": "富裕客户", "hnw": "高净值客户"}
CHANNEL_LABELS = {"mass_task": "客户群发（理财经理确认）", "app_message": "应用消息（员工）"}
KIND_LABELS = {
    "market": "市场资讯",
    "fund": "基金产品",
    "wealth_product": "理财产品",
    "education": "投资者教育",
    "service": "服务通知",
}
CHAT_TYPES = {"single": "客户（单聊）", "group": "客户群", "both": "客户和客户群", "none": "仅员工"}
VARIABLE_LABELS = {
    "title": "标题",
    "body": "正文",
    "fund_name": "基金名称",
    "fund_code": "基金代码",
    "pitch": "推荐语",
    "risk_level": "产品风险等级",
}
# Filled in by the planner for every message, so the editor does not ask for them.
PLANNER_VARIABLES = {"segment", "customer", "manager", "chat_type", "label", "count", "deadline", "now"}


def campaign_kinds(render: Renderer) -> list[str]:
    """Folders of ``content_templates/campaigns/`` with a default variant (``card`` is the manager's card)."""
    root = render.directory / "campaigns"
    return sorted(p.name for p in root.iterdir() if (p / "default.j2").is_file() and p.name != "card")


def template_variables(render: Renderer, kind: str) -> list[str]:
    """The variables the kind's variants read, in the order they first appear in the default variant."""
    folder = render.directory / "campaigns" / kind
    found: list[str] = []
    for path in sorted(folder.glob("*.j2"), key=lambda p: p.name != "default.j2"):
        source = path.read_text(encoding="utf-8")
        names = meta.find_undeclared_variables(render.env.parse(source))
        ordered = sorted(names, key=lambda n: source.find(n))
        found += [n for n in ordered if n not in found and n not in PLANNER_VARIABLES]
    return found


async def choices(sessions: async_sessionmaker[AsyncSession], render: Renderer) -> dict[str, Any]:
    async with sessions() as session:
        tags = (await session.execute(select(CorpTag.name).order_by(CorpTag.name))).scalars().all()
        groups = (await session.execute(select(CustomerGroup.chat_id, CustomerGroup.name))).all()
        managers = (
            await session.execute(
                select(Staff.userid, Staff.name).where(Staff.role == "rm", Staff.active.is_(True))
            )
        ).all()
    kinds = campaign_kinds(render)
    return {
        "kinds": kinds,
        "variables": {kind: template_variables(render, kind) for kind in kinds},
        "variable_labels": VARIABLE_LABELS,
        "tags": sorted(set(tags)),
        "groups": [{"id": g.chat_id, "name": g.name} for g in groups],
        "managers": [{"id": m.userid, "name": m.name} for m in managers],
        "slots": sorted(load_slots()),
        "segments": SEGMENTS,
        "channels": {c: CHANNEL_LABELS[c] for c in CHANNELS},
        "content_kinds": {k: KIND_LABELS[k] for k in CONTENT_KINDS},
        "chat_types": CHAT_TYPES,
    }


def _local(value: str, field: str) -> str:
    """``datetime-local`` input (Beijing time, no offset) -> ISO with +08:00."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI).isoformat()
    except ValueError:
        raise ValueError(f"{field}: 时间格式应为 YYYY-MM-DDTHH:MM") from None


def from_form(form: MultiDictProxy[Any], variables: list[str]) -> dict[str, Any]:
    """The campaign JSON for the API's ``create``/``update`` from the editor's fields."""
    audience: dict[str, Any] = {
        "segments": form.getall("segments", []),
        "tags": form.getall("tags", []),
        "groups": form.getall("groups", []),
        "managers": form.getall("managers", []),
        "chat_type": form.get("chat_type", "single"),
    }
    if form.get("holders_of", "").strip():
        audience["holders_of"] = form["holders_of"].strip()
    kind = form.get("schedule_kind", "once")
    if kind == "slot":
        schedule: dict[str, Any] | None = {"kind": "slot", "slot": form.get("schedule_slot", "")}
    elif kind == "cron":
        schedule = {"kind": "cron", "cron": form.get("schedule_cron", "").strip()}
    else:
        at = form.get("schedule_at", "").strip()
        schedule = {"kind": "once", "at": _local(at, "发送时间")} if at else None  # None: at once
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "template": form.get("template", ""),
        "channel": form.get("channel", "mass_task"),
        "content_kind": form.get("content_kind", "market"),
        "product_code": form.get("product_code", "").strip() or None,
        "variables": {name: form.get(f"var_{name}", "").strip() for name in variables},
        "audience": {k: v for k, v in audience.items() if v not in ([], "")},
        "schedule": schedule,
    }
    expires = form.get("expires_at", "").strip()
    data["expires_at"] = _local(expires, "截止时间") if expires else None
    return data


def _input_value(iso: str | None) -> str:
    """ISO time -> the ``datetime-local`` input's value in Beijing time."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def to_form(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """The editor's field values for an existing campaign (the inverse of :func:`from_form`)."""
    schedule = campaign.get("schedule") or {}
    at = _input_value(schedule.get("at")) if schedule.get("kind") == "once" else ""
    expires = _input_value(campaign.get("expires_at"))
    audience = campaign.get("audience") or {}
    return {
        "name": campaign.get("name", ""),
        "template": campaign.get("template", ""),
        "channel": campaign.get("channel", "mass_task"),
        "content_kind": campaign.get("content_kind", "market"),
        "product_code": campaign.get("product_code") or "",
        "variables": campaign.get("variables") or {},
        "segments": audience.get("segments", []),
        "tags": audience.get("tags", []),
        "groups": audience.get("groups", []),
        "managers": audience.get("managers", []),
        "chat_type": audience.get("chat_type", "single"),
        "holders_of": audience.get("holders_of") or "",
        "schedule_kind": schedule.get("kind", "once"),
        "schedule_at": at,
        "schedule_slot": schedule.get("slot", ""),
        "schedule_cron": schedule.get("cron", ""),
        "expires_at": expires,
    }


OUTBOX_LABELS = {
    "pending": "待发送",
    "claimed": "发送中",
    "sent": "已发出",
    "failed": "失败",
    "cancelled": "已撤回",
    "expired": "已过期",
}
COVERAGE_LABELS = {
    "tasks_created": "群发任务",
    "tasks_confirmed": "经理已确认",
    "tasks_failed": "任务失败",
    "targets_planned": "计划触达",
    "targets_delivered": "已送达",
}


def describe_audience(audience: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """The audience spec as the lines an operator reads (客群、标签、客户群……)."""
    names = names or {}
    lines = [f"对象：{CHAT_TYPES.get(audience.get('chat_type', 'single'), audience.get('chat_type'))}"]
    labelled = {
        "segments": ("客群", lambda v: SEGMENTS.get(v, v)),
        "tags": ("标签", str),
        "groups": ("客户群", lambda v: names.get(v, v)),
        "managers": ("理财经理", lambda v: names.get(v, v)),
        "staff": ("员工", str),
        "robots": ("内部群机器人", str),
        "aum_bands": ("资产档位", str),
    }
    for key, (label, show) in labelled.items():
        if audience.get(key):
            lines.append(f"{label}：{'、'.join(show(v) for v in audience[key])}")
    if audience.get("holders_of"):
        lines.append(f"持有基金：{audience['holders_of']}")
    if len(lines) == 1:
        lines.append("不限客群（全部可触达客户）")
    return lines


def describe_schedule(schedule: Mapping[str, Any]) -> str:
    kind = schedule.get("kind")
    if kind == "once":
        return f"一次：{_input_value(schedule.get('at')).replace('T', ' ')}（北京时间）"
    if kind == "slot":
        return f"随内容时段：{slot_label(str(schedule.get('slot')))}"
    if kind == "cron":
        return f"周期：{schedule.get('cron')}（cron，北京时间）"
    return "—"
