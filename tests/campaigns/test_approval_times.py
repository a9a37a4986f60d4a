"""Approval and time: a one-off whose time passed in review goes at approval; an expired one cannot go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db.models import Campaign, CampaignSpec
from scheduler.campaign_lifecycle import CampaignError, transition

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _submitted(at: datetime, expires_at: datetime | None = None) -> tuple[Campaign, CampaignSpec]:
    campaign = Campaign(name="测试", template_key="notice", created_by="ops_liuyan", status="pending_review")
    spec = CampaignSpec(lifecycle="submitted", schedule={"kind": "once", "at": at.isoformat()})
    spec.expires_at = expires_at
    return campaign, spec


def test_a_passed_one_off_time_becomes_the_approval_time() -> None:
    asked = NOW - timedelta(hours=2)
    campaign, spec = _submitted(asked)
    transition(campaign, spec, "approve", who="cmp_zhouqi", now=NOW)
    assert spec.schedule == {"kind": "once", "at": NOW.isoformat(), "requested_at": asked.isoformat()}


def test_a_future_one_off_time_is_kept() -> None:
    later = NOW + timedelta(days=1)
    campaign, spec = _submitted(later)
    transition(campaign, spec, "approve", who="cmp_zhouqi", now=NOW)
    assert spec.schedule == {"kind": "once", "at": later.isoformat()}


def test_an_expired_campaign_cannot_be_approved_and_the_reviewer_is_told_what_to_do() -> None:
    campaign, spec = _submitted(NOW - timedelta(hours=3), expires_at=NOW - timedelta(hours=1))
    with pytest.raises(CampaignError, match="reject it so the author can change expires_at"):
        transition(campaign, spec, "approve", who="cmp_zhouqi", now=NOW)
    assert spec.lifecycle == "submitted"
