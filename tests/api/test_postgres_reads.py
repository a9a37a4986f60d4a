"""The read side on PostgreSQL, the production database: a campaign goes out, then every list, search and
per-day count the console shows is read back (their SQL differs by database, e.g. the Shanghai day)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.console.render import NAV
from tests.api.conftest import ApiCaller, running_api
from tests.databases import migrated_database
from tests.daytime import without_quiet_hours

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_api(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ApiCaller]:
    without_quiet_hours(tmp_path, monkeypatch)
    async with migrated_database(request, "postgres", tmp_path) as sessions:
        url = request.getfixturevalue("postgres_url")  # for the settings; the private schema is in db
        async with running_api(url, {"db": sessions}) as caller:
            yield caller


async def _send_a_campaign(api: ApiCaller) -> dict:
    body = {
        "name": "PostgreSQL 读取测试",
        "template": "notice",
        "content_kind": "service",
        "audience": {"segments": ["hnw"]},
        "variables": {"title": "服务通知", "body": "本周六网点营业时间调整为 9:00-17:00。"},
        "author": "ops_liuyan",
    }
    status, created = await api.call("POST", "/api/v1/campaigns", role="operations", json=body)
    assert status == 201, created
    ref = created["id"]
    for action, role, by in (("submit", "operations", "ops_liuyan"), ("approve", "reviewer", "cmp_zhouqi")):
        status, answer = await api.call(
            "POST", f"/api/v1/campaigns/{ref}/{action}", role=role, json={"by": by}
        )
        assert status == 200, answer
    for _ in range(200):
        status, campaign = await api.call("GET", f"/api/v1/campaigns/{ref}/coverage", role="operations")
        if campaign["tasks_created"]:
            return campaign
        await asyncio.sleep(0.05)
    raise AssertionError(f"the campaign did not reach the simulator: {campaign}")


async def test_reads_on_postgresql(pg_api: ApiCaller) -> None:
    api = pg_api
    coverage = await _send_a_campaign(api)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    status, daily = await api.call("GET", "/api/v1/deliveries/daily?days=7", role="operations")
    assert status == 200 and daily["days"][-1]["day"] == today
    assert sum(daily["days"][-1]["counts"].values()) > 0  # grouped by the Shanghai day on PostgreSQL

    status, day = await api.call("GET", f"/api/v1/coverage?day={today}", role="operations")
    assert (
        status == 200 and day["fires"] and day["totals"]["tasks_created"] >= coverage["tasks_created"]
    )  # more may have gone since

    status, rows = await api.call("GET", "/api/v1/deliveries?channel=mass_task&limit=5", role="operations")
    assert status == 200 and rows["deliveries"] and rows["total"] >= len(rows["deliveries"])

    status, found = await api.call("GET", "/api/v1/audit/messages?q=营业时间", role="reviewer")
    assert status == 200 and found["total"] >= 1
    status, changes = await api.call("GET", "/api/v1/audit/changes?action=campaign.approve", role="reviewer")
    assert status == 200 and [c["actor"] for c in changes["changes"]] == ["apikey:test-reviewer"]

    status, customers = await api.call("GET", "/api/v1/customers?segment=hnw&limit=3", role="operations")
    assert status == 200 and customers["customers"] and customers["total"] >= 1
    one = customers["customers"][0]["external_userid"]
    status, detail = await api.call("GET", f"/api/v1/customers/{one}", role="operations")
    assert status == 200 and detail["external_userid"] == one

    for path in (
        "/api/v1/groups",
        "/api/v1/schedules",
        "/api/v1/journeys",
        "/api/v1/templates?area=campaigns",
    ):
        status, answer = await api.call("GET", path, role="operations")
        assert status == 200, (path, answer)

    admin = await api.local()
    for path, _, _ in NAV:
        async with admin.http.get(admin.base + path) as resp:
            assert resp.status == 200, path  # every console page renders from PostgreSQL too
