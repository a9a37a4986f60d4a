"""Previews that send nothing: a template rendered per segment with its compliance findings, and who an
audience spec reaches (and who it would skip, and why) if a push went out now.

The audience preview runs the planner's own steps (targets with opt-outs and suitability, quiet hours,
the monthly and frequency caps) without rendering or queueing, so its counts are what a campaign with
that audience would plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.delivery.audience import Audience
from bot.delivery.planner import Planner
from bot.queries.paging import QueryError
from bot.queries.templates import catalogue
from scheduler.campaign_lifecycle import CampaignError
from scheduler.campaigns import product_risk
from scheduler.slots import DEFAULT_SLOTS, read_toml

Sessions = async_sessionmaker[AsyncSession]
CUSTOMER_SEGMENTS = ("long_tail", "affluent", "hnw")
PREVIEW_SEGMENTS = (*CUSTOMER_SEGMENTS, "staff")
SEGMENT_LABELS = {"long_tail": "长尾客户", "affluent": "富裕客户", "hnw": "高净值客户", "staff": "员工"}
EXAMPLES = 20


def resolve_kind(render: Renderer, template: str) -> str:
    """``notice`` or ``campaigns/notice`` -> ``campaigns/notice``; any other template name as it is.

    QueryError("template") when no such template exists, or it is a partial (``_macros``).
    """
    name = template.strip().strip("/")
    kinds = catalogue(render.directory)
    for candidate in (f"campaigns/{name}", name):
        files = kinds.get(candidate)
        if files and not files[0].partial:
            return candidate
    raise QueryError("template", f"no template {template!r} (a kind under content_templates/campaigns/)")


async def risk_of(db: Sessions, product_code: str | None) -> str | None:
    """The product's risk level (R1-R5), QueryError("product_code") for an unknown code."""
    if not product_code:
        return None
    async with db() as session:
        try:
            return await product_risk(session, product_code)
        except CampaignError as exc:
            raise QueryError("product_code", str(exc).split(": ", 1)[-1]) from None


def _findings(gate: ComplianceGate, text: str, kind: str, risk: str | None, rendered: Any) -> dict[str, Any]:
    checked = gate.check(
        text, kind=kind, product_risk=risk, template=rendered.template, template_version=rendered.version
    )
    return {
        "passed": checked.passed,
        "findings": [
            {
                "rule": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "start": f.start,
                "end": f.end,
                "excerpt": f.excerpt,
            }
            for f in checked.findings
        ],
    }


def render_preview(
    render: Renderer,
    gate: ComplianceGate,
    *,
    template: str,
    variables: Mapping[str, Any],
    segments: Sequence[str] = CUSTOMER_SEGMENTS,
    content_kind: str = "market",
    product_risk: str | None = None,
) -> dict[str, Any]:
    """The text each segment would get (channel limits applied as the planner does) and the gate's
    findings on it; QueryError("variables") when the template needs a value that is not given."""
    kind = resolve_kind(render, template)
    results = []
    for segment in dict.fromkeys(segments):
        channel = "app_text" if segment == "staff" else "mass_text"
        try:
            rendered = render.render(kind, segment, channel, **dict(variables))
        except TemplateError as exc:
            raise QueryError("variables", f"{kind} cannot be rendered: {exc}") from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise QueryError("variables", f"{kind}: a value has the wrong type ({exc})") from None
        results.append(
            {
                "segment": segment,
                "label": SEGMENT_LABELS.get(segment, segment),
                "text": rendered.text,
                "template": rendered.template,
                "version": rendered.version,
                "truncated": rendered.truncated,
                **_findings(gate, rendered.text, content_kind, product_risk, rendered),
            }
        )
    return {
        "template": kind,
        "content_kind": content_kind,
        "product_risk": product_risk,
        "passed": all(r["passed"] for r in results),
        "segments": results,
    }


class _Placeholder(ChainableUndefined):
    """A missing variable in a sample rendering shows as 〔name〕 instead of failing."""

    def __str__(self) -> str:
        return f"〔{self._undefined_name or '…'}〕"


def _sample_context() -> dict[str, Any]:
    """Synthetic values most templates read: the example market inputs and an invented event."""
    try:
        inputs = read_toml(DEFAULT_SLOTS.parent / "market_inputs.example.toml", ValueError)
    except ValueError:
        inputs = {}
    event = {
        "title": "〔示例事件〕",
        "comment": "〔示例点评〕",
        "category": "other",
        "index": "沪深300",
        "change": -0.032,
        "amount": 120000,
        "month": "2026-01",
    }
    return {
        "inputs": inputs,
        "label": "示例",
        "day": "2026-01-05",
        "event": event,
        "facts": {"event": event},  # reminders read the journey event under facts
        "customer": {"name": "〔客户〕", "tier_name": "富裕客户", "risk_level": "C3"},
        "manager": {"name": "〔理财经理〕"},
        "fund": {
            "code": "000001",
            "name": "〔示例基金〕",
            "mgmt_fee": 0.012,
            "custody_fee": 0.002,
            "risk_level": "R3",
        },
        "holdings": [
            {
                "fund_name": "〔示例基金〕",
                "fund_code": "000001",
                "risk_level": "R3",
                "value": 52000.0,
                "return": 0.041,
            }
        ],
        "total_value": 52000.0,
        "remind_count": 2,
        "deadline": datetime(2026, 1, 5, 10, 30),
    }


def sample_renderings(render: Renderer, name: str) -> list[dict[str, Any]]:
    """One sample per customer segment (and staff, when the kind has a staff style) with synthetic
    values; a variable the sample cannot supply shows as 〔name〕, a template that still fails says why."""
    env = render.env.overlay(undefined=_Placeholder)
    files = catalogue(render.directory).get(name) or []
    styles = {f.variant for f in files if f.variant}
    segments: list[str | None] = [None]
    if styles:
        segments = [*CUSTOMER_SEGMENTS, *(["staff"] if "staff" in styles else [])]
    context = _sample_context()
    samples = []
    for segment in segments:
        sample = {"segment": segment or "default", "label": SEGMENT_LABELS.get(segment or "", "通用")}
        try:
            path = render.resolve(name, segment)
            text = env.get_template(path).render(**context).strip()
            samples.append({**sample, "file": path, "text": text, "error": ""})
        except Exception as exc:  # any template error is shown on the page, never a 500
            samples.append({**sample, "file": "", "text": "", "error": f"{type(exc).__name__}: {exc}"})
    return samples


async def audience_preview(
    db: Sessions,
    planner: Planner,
    audience: Audience,
    now: datetime,
    *,
    product_risk: str | None = None,
) -> dict[str, Any]:
    """Who ``audience`` reaches if sent at ``now``: counts per segment, staff, tasks, and the skipped by
    reason (opt_out, suitability, quiet_hours, monthly_cap, frequency_cap) with a few examples each."""
    async with db() as session:
        reach = await planner.reach(session, audience, now, product_risk=product_risk)
    customers, groups, skipped, at = reach.customers, reach.groups, reach.skipped, reach.not_before
    by_customer = Counter(c.segment for c in customers)
    by_group = Counter(g.segment for g in groups)
    tasks = {(c.manager, "single", c.segment) for c in customers} | {
        (g.owner, "group", g.segment) for g in groups
    }
    return {
        "audience": audience.to_mapping(),
        "send_at": at.isoformat(),
        "customers": {"total": len(customers), "by_segment": _segments(by_customer)},
        "groups": {"total": len(groups), "by_segment": _segments(by_group)},
        "staff": len(reach.selection.staff),
        "robots": len(reach.selection.robots),
        "managers": len({manager for manager, _, _ in tasks}),
        "tasks": len(tasks),
        "skipped": {reason: len(ids) for reason, ids in sorted(skipped.items()) if ids},
        "skipped_examples": {reason: ids[:EXAMPLES] for reason, ids in sorted(skipped.items()) if ids},
    }


def _segments(counts: Counter[str]) -> dict[str, int]:
    return {segment: counts.get(segment, 0) for segment in CUSTOMER_SEGMENTS}
