"""What the planner takes (a DeliveryRequest) and gives back (a PlanResult, with a JSON summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.delivery.audience import Audience


@dataclass(frozen=True)
class DeliveryRequest:
    """One push to plan. ``kind`` is the template kind (``slots/morning_report``, ``campaigns/x``)."""

    fire_key: str
    kind: str
    content_kind: str
    audience: Audience
    planned_at: datetime
    context: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    fire_id: int | None = None
    product_risk: str | None = None
    approved_by: str | None = None
    time_bound: bool = False
    valid_until: datetime | None = None


@dataclass
class PlanResult:
    not_before: datetime | None = None
    customers: dict[str, int] = field(default_factory=dict)  # per segment
    groups: dict[str, int] = field(default_factory=dict)
    staff: int = 0
    tasks: int = 0
    skipped: dict[str, list[str]] = field(default_factory=dict)
    blocked: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    outbox_ids: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocked

    def summary(self) -> dict[str, Any]:
        """JSON-ready counts (no id lists beyond the first few skipped, per reason)."""
        return {
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "customers": self.customers,
            "groups": self.groups,
            "staff": self.staff,
            "tasks": self.tasks,
            "skipped": {reason: len(ids) for reason, ids in self.skipped.items()},
            "skipped_examples": {reason: ids[:20] for reason, ids in self.skipped.items()},
            "blocked": self.blocked,
            "texts": self.texts,
            "queued": len(self.outbox_ids),
        }
