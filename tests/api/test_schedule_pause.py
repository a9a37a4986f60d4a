"""Pausing a content slot: the scheduler stops running it, the dashboard says so, the change log says who."""

from __future__ import annotations

from sqlalchemy import select

from bot import keys
from bot.db.models import ChangeEntry
from tests.api.conftest import ApiCaller


async def _slot(api: ApiCaller, name: str) -> dict:
    status, day = await api.call("GET", "/api/v1/schedules", role="operations")
    assert status == 200
    return next(s for s in day["slots"] if s["slot"] == name)


async def test_pause_and_resume_a_slot(api: ApiCaller) -> None:
    service = api.stack.service[keys.SCHEDULER]
    assert "slot:evening_notes" in service.next_fire_times()
    status, answer = await api.call(
        "PATCH", "/api/v1/schedules/evening_notes", role="operations", json={"enabled": False}
    )
    assert status == 200 and answer["enabled"] is False
    assert (await _slot(api, "evening_notes"))["enabled"] is False
    assert "slot:evening_notes" not in service.next_fire_times()  # the scheduler no longer runs it

    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit("/console/schedules/evening_notes", {"enabled": "true"})
    assert status == 200 and "已恢复" in page
    assert (await _slot(api, "evening_notes"))["enabled"] is True
    assert "slot:evening_notes" in service.next_fire_times()

    async with api.stack.service[keys.DB]() as session:
        log = (
            await session.execute(
                select(ChangeEntry.actor, ChangeEntry.action).where(ChangeEntry.object_type == "schedule")
            )
        ).all()
    assert [tuple(r) for r in log] == [
        ("apikey:test-operations", "schedule.pause"),
        ("wecom:ops_liuyan", "schedule.resume"),
    ]


async def test_bad_requests(api: ApiCaller) -> None:
    status, answer = await api.call(
        "PATCH", "/api/v1/schedules/no_such_slot", role="operations", json={"enabled": False}
    )
    assert status == 404
    status, answer = await api.call(
        "PATCH", "/api/v1/schedules/evening_notes", role="operations", json={"enabled": "no"}
    )
    assert status == 400 and answer["field"] == "enabled"
    manager = await api.browser("rm_zhangwei")
    async with manager.http.get(manager.base + "/console/") as resp:
        assert "slot-switch" not in await resp.text()  # managers see the slots, not the switch
