"""Campaign life cycle: draft -> submitted -> approved/rejected -> scheduled -> running -> done/cancelled.

The rules live here as one transition table, so the CLI, the API and the scheduler cannot disagree:
a reviewer must not be the author; a rejection records its reason; submitting runs the compliance
gate on every segment's rendering and a failing campaign is rejected by the gate with its findings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db.models import Campaign, CampaignSpec

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submit": ("draft", "rejected"),
    "approve": ("submitted",),
    "reject": ("submitted",),
    "schedule": ("approved",),
    "start": ("scheduled", "running"),
    "finish": ("running", "scheduled"),
    "cancel": ("draft", "submitted", "approved", "rejected", "scheduled", "running"),
}
TARGET = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "schedule": "scheduled",
    "start": "running",
    "finish": "done",
    "cancel": "cancelled",
}
# The core ``campaigns.status`` vocabulary is smaller; keep it as close as it allows.
CORE_STATUS = {
    "draft": "draft",
    "submitted": "pending_review",
    "approved": "approved",
    "rejected": "draft",
    "scheduled": "approved",
    "running": "running",
    "done": "done",
    "cancelled": "cancelled",
}
GATE_REVIEWER = "compliance-gate"


class CampaignError(ValueError):
    """A refused operation (bad input or a transition the life cycle does not allow)."""


class NotFound(CampaignError):
    pass


def transition(
    campaign: Campaign, spec: CampaignSpec, action: str, *, who: str, now: datetime, reason: str = ""
) -> None:
    """Apply ``action`` by ``who``; CampaignError says why it is refused."""
    allowed = TRANSITIONS.get(action)
    if allowed is None:
        raise CampaignError(f"unknown action {action!r}; known: {', '.join(TRANSITIONS)}")
    if spec.lifecycle not in allowed:
        raise CampaignError(f"campaign {campaign.name!r} is {spec.lifecycle}: cannot {action}")
    if action in ("approve", "reject"):
        if not who:
            raise CampaignError(f"{action}: the reviewer is required")
        if who.strip().casefold() == (campaign.created_by or "").strip().casefold():
            raise CampaignError(f"{action}: the reviewer must not be the author ({who})")
        if action == "reject" and not reason.strip():
            raise CampaignError("reject: a reason is required")
        if action == "approve":
            _due_at_approval(spec, now)
        spec.reviewer, spec.reviewed_at, spec.review_reason = who, now, reason.strip()
        if action == "approve":
            campaign.approved_by = who
    if action == "submit":
        spec.submitted_at = now
        spec.reviewer, spec.reviewed_at, spec.review_reason = None, None, ""
    if action == "cancel" and reason:
        spec.review_reason = reason
    spec.lifecycle = TARGET[action]
    campaign.status = CORE_STATUS[spec.lifecycle]


def _due_at_approval(spec: CampaignSpec, now: datetime) -> None:
    """A one-off send whose time passed while it waited for review goes out when it is approved
    (review takes longer than the scheduler's grace, so it would otherwise never fire); an expired one
    cannot be approved."""
    if spec.expires_at is not None and spec.expires_at <= now:
        raise CampaignError("approve: expired while it waited; reject it so the author can change expires_at")
    schedule = dict(spec.schedule or {})
    if schedule.get("kind") == "once" and datetime.fromisoformat(schedule["at"]) < now:
        spec.schedule = {"kind": "once", "at": now.isoformat(), "requested_at": schedule["at"]}


def gate_reject(campaign: Campaign, spec: CampaignSpec, findings: dict[str, Any], now: datetime) -> None:
    """The compliance gate refuses the submitted content: rejected, with the findings as the reason."""
    parts = []
    for segment, items in findings.items():
        rules = "; ".join(f"{f['rule']}: {f['message']}" for f in items)
        parts.append(f"[{segment}] {rules}")
    spec.lifecycle, spec.reviewer, spec.reviewed_at = "rejected", GATE_REVIEWER, now
    spec.review_reason = " | ".join(parts)[:2000]
    campaign.status = CORE_STATUS["rejected"]


def describe(campaign: Campaign, spec: CampaignSpec) -> dict[str, Any]:
    """The JSON view shared by the API and the CLI."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": spec.lifecycle,
        "template": campaign.template_key,
        "channel": spec.channel,
        "content_kind": spec.content_kind,
        "product_code": spec.product_code,
        "audience": campaign.target,
        "variables": spec.variables,
        "schedule": spec.schedule,
        "expires_at": spec.expires_at.isoformat() if spec.expires_at else None,
        "author": campaign.created_by,
        "reviewer": spec.reviewer,
        "review_reason": spec.review_reason,
        "submitted_at": spec.submitted_at.isoformat() if spec.submitted_at else None,
        "reviewed_at": spec.reviewed_at.isoformat() if spec.reviewed_at else None,
        "last_plan": spec.last_plan,
    }
