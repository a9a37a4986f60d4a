"""Campaigns as operations staff use them: create, list, show, submit, approve, reject, cancel, preview.

Shared by ``wecombot campaign ...`` and ``/api/v1/campaigns``. A preview renders the message for each
segment, runs the compliance gate and shows the planned counts (and who would be skipped, by reason)
without queueing anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import changes
from bot.db.models import Campaign, CampaignSpec, Fire, Fund, Outbox, Product
from bot.delivery import quota
from bot.delivery.audience import Audience, AudienceError, check_robots
from bot.delivery.planner import DeliveryRequest, Planner, PlanResult
from bot.queries.paging import YEARS
from scheduler.campaign_lifecycle import CampaignError, NotFound, describe, gate_reject, transition
from scheduler.slots import SHANGHAI, cron_trigger

CHANNELS = ("mass_task", "app_message")
CONTENT_KINDS = ("market", "fund", "wealth_product", "education", "service")
EDITABLE = ("draft", "rejected")


class ContentError(CampaignError):
    """The campaign's content cannot be rendered (a variable its template needs is missing)."""


class NameTaken(CampaignError):
    """Another campaign has the name; names address campaigns, so they are unique."""


class NotEditable(CampaignError):
    """The campaign is past review; the life cycle, not the input, refuses the edit."""


def parse_time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise CampaignError(f"{name}: an ISO time with offset, e.g. 2026-12-01T10:00:00+08:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CampaignError(f"{name}: not an ISO time: {value!r}") from None
    if moment.tzinfo is None:
        raise CampaignError(f"{name}: give a time zone offset (e.g. +08:00)")
    if not YEARS[0] <= moment.year <= YEARS[1]:  # year 1 or 9999 overflow when shown in Beijing time
        raise CampaignError(f"{name}: a time from {YEARS[0]} to {YEARS[1]}, not {value!r}")
    return moment


def validate_schedule(
    raw: Mapping[str, Any] | None, slots: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``{"kind": "once", "at": ISO}``, ``{"kind": "cron", "cron": "0 10 * * mon-fri"}``, or
    ``{"kind": "slot", "slot": NAME}``; no schedule means once, now."""
    raw = dict(raw or {"kind": "once", "at": datetime.now(UTC).isoformat()})
    kind = raw.get("kind")
    if kind == "once":
        return {"kind": "once", "at": parse_time(raw.get("at"), "schedule.at").isoformat()}
    if kind == "cron":
        try:
            cron_trigger(str(raw.get("cron", "")), SHANGHAI)
        except ValueError as exc:
            raise CampaignError(f"schedule.cron: {exc}") from None
        return {"kind": "cron", "cron": raw["cron"]}
    if kind == "slot":
        if slots is not None and raw.get("slot") not in slots:
            raise CampaignError(f"schedule.slot: unknown slot {raw.get('slot')!r}; known: {', '.join(slots)}")
        return {"kind": "slot", "slot": str(raw.get("slot"))}
    raise CampaignError("schedule.kind: once, cron or slot")


def _sends_before_expiry(fields: Mapping[str, Any]) -> None:
    """A one-off send after the campaign's own expiry would be approved to send nothing."""
    schedule, expires = fields["schedule"], fields["expires_at"]
    if expires is not None and schedule.get("kind") == "once":
        if datetime.fromisoformat(schedule["at"]) >= expires:
            raise CampaignError("expires_at: must be after the send time (schedule.at)")


def _future(value: object) -> datetime | None:
    """``expires_at``: a campaign that has already expired could only ever be approved to send nothing."""
    if not value:
        return None
    moment = parse_time(value, "expires_at")
    if moment <= datetime.now(UTC):
        raise CampaignError(f"expires_at: {value} has passed")
    return moment


async def product_risk(session: AsyncSession, code: str | None) -> str | None:
    if not code:
        return None
    risk = (await session.execute(select(Fund.risk_level).where(Fund.code == code))).scalar_one_or_none()
    if risk is None:
        risk = (
            await session.execute(select(Product.risk_level).where(Product.code == code))
        ).scalar_one_or_none()
    if risk is None:
        raise CampaignError(f"product_code: no fund or product {code!r}")
    return risk


class CampaignBook:
    """Campaign operations over a session factory, with the planner for previews and runs."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        planner: Planner,
        slots: Mapping[str, Any] | None = None,
    ) -> None:
        self.sessions = sessions
        self.planner = planner
        self.slots = slots

    def _validated(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check a campaign's fields; CampaignError names the first bad one."""
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CampaignError("name: required")
        if name.strip().isdigit():
            raise CampaignError("name: not only digits (a number addresses a campaign by its id)")
        template = data.get("template")
        if not isinstance(template, str) or not template:
            raise CampaignError("template: required (a kind under content_templates/campaigns/)")
        try:
            self.planner.render.resolve(f"campaigns/{template}")
        except Exception:
            raise CampaignError(f"template: no content_templates/campaigns/{template}/ template") from None
        try:
            audience = Audience.from_mapping(data.get("audience"))
            check_robots(audience, self.planner.policy.robots)
        except AudienceError as exc:
            raise CampaignError(str(exc)) from None
        channel = data.get("channel", "mass_task")
        if channel not in CHANNELS:
            raise CampaignError(f"channel: one of {', '.join(CHANNELS)}")
        kind = data.get("content_kind", "market")
        if kind not in CONTENT_KINDS:
            raise CampaignError(f"content_kind: one of {', '.join(CONTENT_KINDS)}")
        variables = data.get("variables", {})
        if not isinstance(variables, dict):
            raise CampaignError("variables: must be an object")
        fields = {
            "name": name.strip(),
            "template": template,
            "audience": audience.to_mapping(),
            "channel": channel,
            "content_kind": kind,
            "variables": variables,
            "product_code": data.get("product_code") or None,
            "schedule": validate_schedule(data.get("schedule"), self.slots),
            "expires_at": _future(data.get("expires_at")),
        }
        _sends_before_expiry(fields)
        return fields

    async def create(
        self, data: Mapping[str, Any], now: datetime | None = None, actor: changes.Actor | None = None
    ) -> dict[str, Any]:
        author = data.get("author")
        if not isinstance(author, str) or not author:
            raise CampaignError("author: required")
        fields = self._validated(data)
        async with self.sessions() as session, session.begin():
            if (await session.execute(select(Campaign.id).where(Campaign.name == fields["name"]))).first():
                raise NameTaken(f"name: a campaign {fields['name']!r} exists already")
            await product_risk(session, fields["product_code"])
            campaign = Campaign(
                name=fields["name"],
                template_key=fields["template"],
                target=fields["audience"],
                created_by=author,
                status="draft",
                end_at=fields["expires_at"],
            )
            session.add(campaign)
            await session.flush()
            spec = CampaignSpec(
                campaign_id=campaign.id,
                channel=fields["channel"],
                content_kind=fields["content_kind"],
                product_code=fields["product_code"],
                variables=fields["variables"],
                schedule=fields["schedule"],
                expires_at=fields["expires_at"],
                lifecycle="draft",
                review_reason="",
                last_plan={},
            )
            session.add(spec)
            detail = {"name": campaign.name, "author": author}  # a key may act for a member
            changes.record(session, actor, "campaign.create", "campaign", campaign.id, detail)
        return describe(campaign, spec)

    async def update(
        self, ref: int | str, data: Mapping[str, Any], actor: changes.Actor | None = None
    ) -> dict[str, Any]:
        """Edit a draft or a rejected campaign (the fix after a finding); it goes back to draft."""
        async with self.sessions() as session, session.begin():
            campaign, spec = await self._load(session, ref)
            if spec.lifecycle not in EDITABLE:
                raise NotEditable(
                    f"campaign {campaign.name!r} is {spec.lifecycle}: "
                    "only a draft or a rejected one can be edited"
                )
            merged = {**describe(campaign, spec), **data}
            fields = self._validated(merged)
            if fields["name"] != campaign.name:
                taken = select(Campaign.id).where(Campaign.name == fields["name"], Campaign.id != campaign.id)
                if (await session.execute(taken)).first():
                    raise NameTaken(f"name: a campaign {fields['name']!r} exists already")
            await product_risk(session, fields["product_code"])
            before = describe(campaign, spec)
            campaign.name, campaign.template_key = fields["name"], fields["template"]
            campaign.target, campaign.end_at = fields["audience"], fields["expires_at"]
            spec.channel, spec.content_kind = fields["channel"], fields["content_kind"]
            spec.product_code, spec.variables = fields["product_code"], fields["variables"]
            spec.schedule, spec.expires_at = fields["schedule"], fields["expires_at"]
            if spec.lifecycle == "rejected":
                spec.lifecycle, campaign.status = "draft", "draft"
            after = describe(campaign, spec)
            changed = {k: after[k] for k in after if after[k] != before[k] and k != "status"}
            changes.record(session, actor, "campaign.update", "campaign", campaign.id, {"changed": changed})
        return after

    async def _load(self, session: AsyncSession, ref: int | str) -> tuple[Campaign, CampaignSpec]:
        # Only ASCII digits are an id ("¹" is a digit to Python, not to int()); larger numbers are names.
        by_id = bool(re.fullmatch(r"[0-9]{1,9}", str(ref)))
        where = Campaign.id == int(ref) if by_id else Campaign.name == str(ref)
        row = (await session.execute(select(Campaign, CampaignSpec).join(CampaignSpec).where(where))).first()
        if row is None:
            raise NotFound(f"no campaign {ref!r}")
        return row[0], row[1]

    async def show(self, ref: int | str) -> dict[str, Any]:
        async with self.sessions() as session:
            return describe(*await self._load(session, ref))

    async def list(self, status: str | None = None) -> list[dict[str, Any]]:
        statement = select(Campaign, CampaignSpec).join(CampaignSpec).order_by(Campaign.id)
        if status:
            statement = statement.where(CampaignSpec.lifecycle == status)
        async with self.sessions() as session:
            return [describe(c, s) for c, s in (await session.execute(statement)).all()]

    async def request(
        self,
        session: AsyncSession,
        campaign: Campaign,
        spec: CampaignSpec,
        fire_key: str,
        planned: datetime,
        fire_id: int | None,
    ) -> DeliveryRequest:
        return DeliveryRequest(
            fire_key=fire_key,
            kind=f"campaigns/{campaign.template_key}",
            content_kind=spec.content_kind,
            audience=Audience.from_mapping(campaign.target),
            planned_at=planned,
            context=dict(spec.variables),
            label=campaign.name,
            fire_id=fire_id,
            product_risk=await product_risk(session, spec.product_code),
            approved_by=spec.reviewer,
            valid_until=spec.expires_at,
        )

    async def preview(self, ref: int | str, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        async with self.sessions() as session:
            campaign, spec = await self._load(session, ref)
            req = await self.request(session, campaign, spec, f"preview:{campaign.id}", now, None)
            result = await self._dry_run(session, req)
        return {"campaign": describe(campaign, spec), "plan": result.summary()}

    async def _dry_run(self, session: AsyncSession, req: DeliveryRequest) -> PlanResult:
        """Plan without queueing; a template its variables cannot fill is the author's to fix (400)."""
        try:
            return await self.planner.plan(session, req, dry_run=True)
        except TemplateError as exc:
            raise ContentError(f"variables: the template cannot be filled: {exc}") from None

    async def act(
        self,
        ref: int | str,
        action: str,
        who: str = "",
        reason: str = "",
        now: datetime | None = None,
        actor: changes.Actor | None = None,
    ) -> dict[str, Any]:
        """Apply a life-cycle action; ``submit`` runs the gate and may end in ``rejected``."""
        now = now or datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            campaign, spec = await self._load(session, ref)
            if action == "submit":
                transition(campaign, spec, "submit", who=who, now=now)
                req = await self.request(session, campaign, spec, f"preview:{campaign.id}", now, None)
                plan = await self._dry_run(session, req)
                spec.last_plan = plan.summary()
                if plan.blocked:
                    gate_reject(campaign, spec, plan.blocked, now)
            else:
                transition(campaign, spec, action, who=who, now=now, reason=reason)
                if action == "approve":
                    transition(campaign, spec, "schedule", who=who, now=now)
                if action == "cancel":
                    await self._cancel_pending(session, campaign.id)
            detail = {"who": who, "status": spec.lifecycle}
            if reason or spec.lifecycle == "rejected":
                detail["reason"] = spec.review_reason
            changes.record(session, actor, f"campaign.{action}", "campaign", campaign.id, detail)
        return describe(campaign, spec)

    async def _cancel_pending(self, session: AsyncSession, campaign_id: int) -> None:
        fire_ids = select(Fire.id).where(Fire.campaign_id == campaign_id)
        rows = (
            (
                await session.execute(
                    select(Outbox.id).where(Outbox.fire_id.in_(fire_ids), Outbox.status == "pending")
                )
            )
            .scalars()
            .all()
        )
        for row_id in rows:
            await quota.release(session, row_id)
        if rows:
            await session.execute(update(Outbox).where(Outbox.id.in_(rows)).values(status="cancelled"))
