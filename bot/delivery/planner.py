"""Plan -> render per segment -> compliance gate -> outbox rows (one pipeline for slots, campaigns, events).

Customers and customer groups get one ``add_msg_template`` task per manager, chat type and segment
style (WeCom caps a task at 10,000 customers / 2,000 groups, so larger ones are split in parts). Each
row's idempotency key is ``<fire key>|<channel>|<manager or member>|...``: planning the same fire twice
queues nothing new. Planning respects quiet hours (the send waits for the window's end, or is dropped
when the content is time-bound), the monthly cap ledger (targets at the cap are skipped and reported),
the per-day/week frequency caps, opt-outs and suitability (in :mod:`bot.delivery.audience`).
A segment whose text fails the compliance gate is blocked as a whole and queues nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.delivery import quota
from bot.delivery.audience import Audience, CustomerTarget, GroupTarget, Selection, select_targets
from bot.delivery.outbox import enqueue
from bot.delivery.plan_types import DeliveryRequest, PlanResult
from bot.delivery.policy import DeliveryPolicy
from scheduler.timerules import next_send_time, within_cap

__all__ = ["DeliveryRequest", "PlanResult", "Planner"]
CUSTOMER_SEGMENTS = ("long_tail", "affluent", "hnw")
MAX_CUSTOMERS_PER_TASK = 10000
MAX_GROUPS_PER_TASK = 2000
STAFF_CHANNELS = ("app_message", "group_robot")


@dataclass
class Reach:
    """The targets left after quiet hours and caps, with the skipped ids by reason."""

    selection: Selection
    customers: list[CustomerTarget]
    groups: list[GroupTarget]
    skipped: dict[str, list[str]]
    not_before: datetime
    month: str


class Planner:
    """Turns a :class:`DeliveryRequest` into outbox rows (or, with ``dry_run``, only into a preview)."""

    def __init__(self, render: Renderer, gate: ComplianceGate, policy: DeliveryPolicy) -> None:
        self.render = render
        self.gate = gate
        self.policy = policy

    async def plan(
        self, session: AsyncSession, request: DeliveryRequest, *, dry_run: bool = False
    ) -> PlanResult:
        result = PlanResult()
        reach = await self.reach(
            session,
            request.audience,
            request.planned_at,
            product_risk=request.product_risk,
            time_bound=request.time_bound,
            valid_until=request.valid_until,
        )
        selection, customers, groups, skipped = reach.selection, reach.customers, reach.groups, reach.skipped
        result.not_before, month = reach.not_before, reach.month
        rows = self._render_segments(request, customers, groups, selection, result, skipped)
        if dry_run:
            self._check_unreached(request, result)
        result.skipped = dict(skipped)
        if not rows or dry_run:
            result.tasks = sum(1 for r in rows if r["channel"] == "mass_task")
            return result
        ids = await enqueue(session, [r for r, _ in rows_with_targets(rows)])
        result.outbox_ids = sorted(ids.values())
        result.tasks = sum(1 for r in rows if r["channel"] == "mass_task")
        entries = [
            {"target_kind": kind, "target_id": target, "month": month, "outbox_id": ids[key]}
            for key, kind, target in _quota_targets(rows)
        ]
        await quota.reserve(session, entries)
        return result

    async def reach(
        self,
        session: AsyncSession,
        audience: Audience,
        planned_at: datetime,
        *,
        product_risk: str | None = None,
        time_bound: bool = False,
        valid_until: datetime | None = None,
    ) -> Reach:
        """Whom a send planned at ``planned_at`` reaches, and whom it skips and why.

        Both :meth:`plan` and the audience preview use it, so a preview skips exactly whom a send would.
        """
        selection = await select_targets(session, audience, product_risk)
        skipped: dict[str, list[str]] = defaultdict(list, selection.skipped)
        customer_time = next_send_time(
            planned_at, quiet=self.policy.quiet, time_bound=time_bound, valid_until=valid_until
        )
        if customer_time is None:
            skipped["quiet_hours"] += [t.external_userid for t in selection.customers]
            skipped["quiet_hours"] += [g.chat_id for g in selection.groups]
            selection.customers, selection.groups = [], []
        not_before = customer_time or planned_at
        month = quota.month_of(not_before, self.policy.quiet.tz)
        customers = await self._within_caps(session, selection.customers, not_before, month, skipped)
        groups = await self._groups_within_cap(session, selection.groups, month, skipped)
        return Reach(selection, customers, groups, skipped, not_before, month)

    async def _within_caps(
        self,
        session: AsyncSession,
        targets: list[CustomerTarget],
        at: datetime,
        month: str,
        skipped: dict[str, list[str]],
    ) -> list[CustomerTarget]:
        if not targets:
            return []
        used = await quota.usage(session, "customer", month)
        freq = self.policy.frequency
        recent = (
            await quota.recent(session, "customer", at - timedelta(days=8))
            if freq.max_per_day or freq.max_per_week
            else {}
        )
        kept = []
        for target in targets:
            if used.get(target.external_userid, 0) >= self.policy.monthly_cap:
                skipped["monthly_cap"].append(target.external_userid)
            elif recent and not within_cap(
                recent.get(target.external_userid, ()),
                at,
                freq.max_per_day,
                freq.max_per_week,
                tz=self.policy.quiet.tz,
            ):
                skipped["frequency_cap"].append(target.external_userid)
            else:
                kept.append(target)
        return kept

    async def _groups_within_cap(
        self, session: AsyncSession, targets: list[GroupTarget], month: str, skipped: dict[str, list[str]]
    ) -> list[GroupTarget]:
        if not targets:
            return []
        used = await quota.usage(session, "group", month)
        kept = []
        for target in targets:
            if used.get(target.chat_id, 0) >= self.policy.monthly_cap:
                skipped["monthly_cap"].append(target.chat_id)
            else:
                kept.append(target)
        return kept

    def _checked(
        self,
        result: PlanResult,
        request: DeliveryRequest,
        segment: str,
        channel: str,
        audience_risk: str | None,
    ) -> tuple[str, str, str | None, list[dict[str, Any]]]:
        """:meth:`_check`, with the text, its template and any blocking findings kept in ``result``."""
        checked = self._check(request, segment, channel, audience_risk)
        text, template, _, findings = checked
        result.texts[segment], result.templates[segment] = text, template
        if findings:
            result.blocked[segment] = findings
        return checked

    def _check(
        self, request: DeliveryRequest, segment: str | None, channel: str, audience_risk: str | None
    ) -> tuple[str, str, str | None, list[dict[str, Any]]]:
        rendered = self.render.render(request.kind, segment, channel, **request.context)
        checked = self.gate.check(
            rendered.text,
            kind=request.content_kind,
            product_risk=request.product_risk,
            audience_risk=audience_risk if request.product_risk else None,
            template=rendered.template,
            template_version=rendered.version,
        )
        findings = [
            {
                "rule": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "start": f.start,
                "excerpt": f.excerpt,
            }
            for f in checked.blocking
        ]
        return rendered.text, rendered.template, rendered.version, findings

    def _render_segments(
        self,
        request: DeliveryRequest,
        customers: list[CustomerTarget],
        groups: list[GroupTarget],
        selection: Selection,
        result: PlanResult,
        skipped: dict[str, list[str]],
    ) -> list[dict[str, Any]]:
        by_key: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        risks: dict[str, list[str]] = defaultdict(list)
        for c in customers:
            by_key[(c.manager, "single", c.segment)].append(c.external_userid)
            risks[c.segment].append(c.risk_level or "C1")
        for g in groups:
            by_key[(g.owner, "group", g.segment)].append(g.chat_id)
            risks[g.segment].append(g.risk_level or "C1")
        texts: dict[str, tuple[str, str, int | None]] = {}
        for segment in sorted({seg for _, _, seg in by_key}):
            lowest = min(risks[segment], key=lambda r: int(r[1:]))
            text, template, version, findings = self._checked(result, request, segment, "mass_text", lowest)
            if not findings:
                texts[segment] = (text, template, version)
        rows: list[dict[str, Any]] = []
        for (manager, chat_type, segment), ids in sorted(by_key.items()):
            if segment not in texts:
                skipped["compliance"] += ids
                continue
            counter = result.customers if chat_type == "single" else result.groups
            counter[segment] = counter.get(segment, 0) + len(ids)
            rows += self._mass_rows(
                request, manager, chat_type, segment, ids, texts[segment], result.not_before
            )
        if selection.staff or selection.robots:
            rows += self._staff_rows(request, selection, result, skipped)
        return rows

    def _check_unreached(self, request: DeliveryRequest, result: PlanResult) -> None:
        """A preview or a submit checks the text of every segment the audience names, reached today or
        not: the reviewer approves the content, and who it reaches changes by the time it is sent."""
        audience = request.audience
        if audience.chat_type != "none":
            for segment in audience.segments or CUSTOMER_SEGMENTS:
                if segment not in result.texts:
                    self._checked(result, request, segment, "mass_text", None)
        to_staff = audience.staff or audience.robots or audience.chat_type == "none"
        if to_staff and "staff" not in result.texts:
            self._checked(result, request, "staff", "app_text", None)

    def _staff_rows(
        self,
        request: DeliveryRequest,
        selection: Selection,
        result: PlanResult,
        skipped: dict[str, list[str]],
    ) -> list[dict[str, Any]]:
        """Members get app messages; internal team groups get the group robot (same staff-style text)."""
        text, template, version, findings = self._checked(result, request, "staff", "app_text", None)
        if findings:
            skipped["compliance"] += selection.staff + selection.robots
            return []
        result.staff = len(selection.staff) + len(selection.robots)
        payload = {"msgtype": "text", "text": {"content": text}}
        rendered = (text, template, version)
        rows = [
            self._row(request, f"app|{u}", "app_message", u, None, payload, rendered, request.planned_at)
            for u in selection.staff
        ]
        rows += [
            self._row(request, f"robot|{r}", "group_robot", r, None, payload, rendered, request.planned_at)
            for r in selection.robots
        ]
        return rows

    def _mass_rows(
        self,
        request: DeliveryRequest,
        manager: str,
        chat_type: str,
        segment: str,
        ids: list[str],
        rendered: tuple[str, str, int | None],
        not_before: datetime | None,
    ) -> list[dict[str, Any]]:
        size = MAX_CUSTOMERS_PER_TASK if chat_type == "single" else MAX_GROUPS_PER_TASK
        rows = []
        for part, start in enumerate(range(0, len(ids), size)):
            chunk = ids[start : start + size]
            payload: dict[str, Any] = {
                "chat_type": chat_type,
                "sender": manager,
                "text": {"content": rendered[0]},
            }
            payload["external_userid" if chat_type == "single" else "chat_id_list"] = chunk
            payload["_meta"] = {"segment": segment, "label": request.label or request.kind}
            key = f"mass|{manager}|{chat_type}|{segment}|{part}"
            rows.append(self._row(request, key, "mass_task", manager, manager, payload, rendered, not_before))
        return rows

    def _row(
        self,
        request: DeliveryRequest,
        suffix: str,
        channel: str,
        target: str,
        sender: str | None,
        payload: dict[str, Any],
        rendered: tuple[str, str, int | None],
        not_before: datetime | None,
    ) -> dict[str, Any]:
        text, template, version = rendered
        return {
            "idempotency_key": f"{request.fire_key}|{suffix}"[:191],
            "channel": channel,
            "target": target[:128],
            "sender": sender,
            "payload": payload,
            "template_key": template,
            "template_version": version,
            "rendered_text": text,
            "approved_by": request.approved_by,
            "status": "pending",
            "not_before": not_before or request.planned_at,
            "fire_id": request.fire_id,
        }


def rows_with_targets(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    return [(r, r["payload"].get("external_userid") or r["payload"].get("chat_id_list") or []) for r in rows]


def _quota_targets(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    out = []
    for row in rows:
        if row["channel"] != "mass_task":
            continue
        payload = row["payload"]
        for ext in payload.get("external_userid", []):
            out.append((row["idempotency_key"], "customer", ext))
        for chat_id in payload.get("chat_id_list", []):
            out.append((row["idempotency_key"], "group", chat_id))
    return out
