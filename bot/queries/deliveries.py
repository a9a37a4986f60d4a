"""What left, or is waiting to leave: outbox rows with filters, per-day counts for the dashboard chart,
each fire's coverage on a day (via :func:`bot.delivery.receipts.coverage`) and the mass-task
confirmation rate.

A manager (``scope`` = their userid) sees only rows addressed to themselves, sent in their name (their
mass-message tasks), or to their own customers and customer groups.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Campaign, CustomerGroup, CustomerManager, Fire, MassTask, Outbox
from bot.db.models.delivery import OUTBOX_STATUSES
from bot.delivery.receipts import coverage
from bot.queries.paging import SHANGHAI, between, clamp, iso, one_page, paged, window

Sessions = async_sessionmaker[AsyncSession]
TEXT_PREVIEW = 280


def scope_filter(userid: str) -> ColumnElement[bool]:
    """Rows a manager may see: to or from them, or to their own customers and groups."""
    customers = select(CustomerManager.external_userid).where(
        CustomerManager.userid == userid, CustomerManager.removed_at.is_(None)
    )
    groups = select(CustomerGroup.chat_id).where(CustomerGroup.owner_userid == userid)
    return or_(
        Outbox.sender == userid,
        Outbox.target == userid,
        Outbox.target.in_(customers),
        Outbox.target.in_(groups),
    )


def _task_view(task: MassTask | None) -> dict[str, Any] | None:
    """A mass task's confirmation: WeCom sends nothing until the manager confirms it in the client."""
    if task is None:
        return None
    return {
        "status": task.status,
        "target_count": task.target_count,
        "sent_count": task.sent_count,
        "remind_count": task.remind_count,
    }


def _view(
    row: Outbox, fire_name: str | None, campaign_id: int | None, task: MassTask | None = None
) -> dict[str, Any]:
    meta = (row.payload or {}).get("_meta") or {}
    text = row.rendered_text or ""
    return {
        "id": row.id,
        "channel": row.channel,
        "status": row.status,
        "target": row.target,
        "sender": row.sender,
        "label": meta.get("label") or "",
        "segment": meta.get("segment"),
        "template": row.template_key,
        "template_version": row.template_version,
        "text": text[:TEXT_PREVIEW] + ("…" if len(text) > TEXT_PREVIEW else ""),
        "attempts": row.attempts,
        "last_error": row.last_error or "",
        "not_before": iso(row.not_before),
        "sent_at": iso(row.sent_at),
        "created_at": iso(row.created_at),
        "fire_id": row.fire_id,
        "fire": fire_name,
        "campaign_id": campaign_id,
        "task": _task_view(task),
    }


async def list_deliveries(
    db: Sessions,
    *,
    scope: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    campaign: int | None = None,
    task: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Outbox rows newest first (by creation, then id); ``since``/``until`` are ISO dates or times."""
    limit, offset = clamp(limit, offset)
    start, stop = window(since, until)
    conditions: list[ColumnElement[bool]] = []
    if scope:
        conditions.append(scope_filter(scope))
    if status:
        conditions.append(Outbox.status == status)
    if channel:
        conditions.append(Outbox.channel == channel)
    if campaign is not None:
        conditions.append(Outbox.fire_id.in_(select(Fire.id).where(Fire.campaign_id == campaign)))
    if task:
        conditions.append(Outbox.id.in_(select(MassTask.outbox_id).where(MassTask.status == task)))
    conditions += between(Outbox.created_at, start, stop)
    newest_first = (
        select(Outbox, Fire.name, Fire.campaign_id, MassTask)
        .outerjoin(Fire, Fire.id == Outbox.fire_id)
        .outerjoin(MassTask, MassTask.outbox_id == Outbox.id)
        .order_by(Outbox.created_at.desc(), Outbox.id.desc())
    )
    async with db() as session:
        total, page = await one_page(session, Outbox, conditions, newest_first, limit, offset)
        items = [_view(row, name, cid, task) for row, name, cid, task in page.all()]
    return paged("deliveries", items, total, limit, offset)


def _local_date(session: AsyncSession, column: Any) -> Any:
    """The Shanghai calendar day of a UTC timestamp column, in SQL (Shanghai has no DST: UTC+8)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


async def daily_counts(
    db: Sessions, *, today: date, days: int = 14, scope: str | None = None
) -> dict[str, Any]:
    """Outbox rows per Shanghai day of queueing and current status, for ``days`` days up to ``today``
    (oldest first, every day present, zero when quiet)."""
    days = max(1, min(int(days), 90))
    first = today - timedelta(days=days - 1)
    async with db() as session:
        day = _local_date(session, Outbox.created_at)
        statement = (
            select(day, Outbox.status, func.count())
            .where(Outbox.created_at >= local_midnight(first))
            .group_by(day, Outbox.status)
        )
        if scope:
            statement = statement.where(scope_filter(scope))
        found: dict[str, dict[str, int]] = {}
        for value, status, n in (await session.execute(statement)).all():
            found.setdefault(str(value)[:10], {})[status] = int(n)
    out = []
    for offset in range(days):
        key = (first + timedelta(days=offset)).isoformat()
        counts = {status: found.get(key, {}).get(status, 0) for status in OUTBOX_STATUSES}
        out.append({"day": key, "counts": counts, "total": sum(counts.values())})
    return {"days": out, "statuses": list(OUTBOX_STATUSES)}


def fire_kind(name: str) -> str:
    prefix = name.split(":", 1)[0] if ":" in name else ""
    return prefix if prefix in ("slot", "campaign", "event") else "schedule"


def _rates(cov: dict[str, Any]) -> dict[str, Any]:
    outbox = cov["outbox"]
    created, confirmed = cov["tasks_created"], cov["tasks_confirmed"]
    return {
        "planned": sum(outbox.values()),
        "sent": outbox.get("sent", 0),
        "failed": outbox.get("failed", 0) + outbox.get("blocked", 0),
        "pending": outbox.get("pending", 0) + outbox.get("claimed", 0),
        "confirmed": confirmed,
        "confirmation_rate": round(confirmed / created, 4) if created else None,
        **{k: cov[k] for k in ("tasks_created", "tasks_failed", "targets_planned", "targets_delivered")},
        "outbox": outbox,
    }


async def fire_coverage(db: Sessions, fire_ids: list[int]) -> dict[str, Any]:
    """Planned / sent / confirmed / failed counts of some fires, with the tasks' confirmation rate."""
    return _rates(await coverage(db, fire_ids=fire_ids))


async def day_coverage(db: Sessions, day: date, slot_labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Every fire intended on ``day`` (Shanghai) with its coverage, in time order, and the day's totals."""
    labels = slot_labels or {}
    start = local_midnight(day)
    statement = (
        select(Fire, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Fire.campaign_id)
        .where(Fire.intended_at >= start, Fire.intended_at < start + timedelta(days=1))
        .order_by(Fire.intended_at, Fire.id)
    )
    async with db() as session:
        rows = (await session.execute(statement)).all()
    fires = []
    for fire, campaign_name in rows:
        kind = fire_kind(fire.name)
        name = fire.name.split(":", 1)[-1]
        label = {"slot": labels.get(name, name), "campaign": campaign_name or name, "event": "事件点评"}
        fires.append(
            {
                "fire_id": fire.id,
                "name": fire.name,
                "kind": kind,
                "label": label.get(kind, fire.name),
                "campaign_id": fire.campaign_id,
                "intended_at": iso(fire.intended_at),
                "status": fire.status,
                **await fire_coverage(db, [fire.id]),
            }
        )
    totals = await fire_coverage(db, [f["fire_id"] for f in fires])
    return {"day": day.isoformat(), "fires": fires, "totals": totals}


async def confirmation_rate(db: Sessions, since: datetime, scope: str | None = None) -> dict[str, Any]:
    """Mass-message tasks created since ``since``: how many the managers confirmed (WeCom sends nothing
    before they do)."""
    statement = select(MassTask.status, func.count()).where(MassTask.created_at >= since)
    if scope:
        statement = statement.where(MassTask.sender == scope)
    async with db() as session:
        counts = {s: int(n) for s, n in (await session.execute(statement.group_by(MassTask.status))).all()}
    total = sum(counts.values())
    confirmed = counts.get("sent", 0)  # as in receipts.coverage: the manager confirmed the task
    return {
        "since": since.isoformat(),
        "tasks": total,
        "confirmed": confirmed,
        "rate": round(confirmed / total, 4) if total else None,
        "by_status": counts,
    }
