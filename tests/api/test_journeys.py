"""Journeys with the customers at each step and the reminders each step created, as the bank's events
move customers through them; a manager's counts cover only their own customers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import keys
from bot.db.models import Customer
from tests.api.conftest import ApiCaller


async def _customers(api: ApiCaller) -> tuple[str, str]:
    """One customer of rm_zhangwei and one of another manager."""
    async with api.stack.service[keys.DB]() as session:
        rows = (
            await session.execute(
                select(Customer.external_userid, Customer.rm_userid)
                .where(Customer.rm_userid.is_not(None), Customer.removed_at.is_(None))
                .order_by(Customer.external_userid)
            )
        ).all()
    mine = next(ext for ext, rm in rows if rm == "rm_zhangwei")
    theirs = next(ext for ext, rm in rows if rm != "rm_zhangwei")
    return mine, theirs


def _maturity(ext: str, n: int, today: str) -> dict[str, object]:
    return {
        "event_id": f"maturity-test-{n}",
        "type": "maturity",
        "external_userid": ext,
        "data": {"product_code": "WP-2026-01", "maturity_date": today, "product_name": "示例理财"},
    }


def _journey(body: dict[str, object], name: str) -> dict[str, object]:
    return next(j for j in body["journeys"] if j["id"] == name)  # type: ignore[attr-defined, index]


async def test_counts_per_step_follow_the_events_and_the_ticks(api: ApiCaller) -> None:
    mine, theirs = await _customers(api)
    service = api.stack.service[keys.DISPATCHER].resources.services["journeys"]
    now = service.engine.clock()
    soon = (now + timedelta(days=10)).date().isoformat()
    for n, ext in enumerate((mine, theirs)):
        status, body = await api.call(
            "POST", "/api/v1/events", role="operations", json=_maturity(ext, n, soon)
        )
        assert status == 202, body

    status, body = await api.call("GET", "/api/v1/journeys", role="reviewer")
    assert status == 200, body
    maturity = _journey(body, "maturity")
    assert maturity["label"] == "产品到期" and maturity["trigger"] == "maturity"
    (step,) = maturity["steps"]
    assert step["id"] == "remind" and step["action"] == "remind" and step["reason"] == "maturity"
    assert step["customers_now"] == 2 and maturity["customers"]["active"] == 2
    assert sum(step["reminders"].values()) == 0

    manager = await api.browser("rm_zhangwei")
    status, own = await manager.call("GET", "/api/v1/journeys")
    assert status == 200 and _journey(own, "maturity")["steps"][0]["customers_now"] == 1

    later = service.engine.clock() + timedelta(seconds=1)
    await service.tick(later, scan_now=False)  # the step runs: a reminder to each manager, journey done
    status, body = await api.call("GET", "/api/v1/journeys")
    maturity = _journey(body, "maturity")
    (step,) = maturity["steps"]
    assert step["customers_now"] == 0 and maturity["customers"]["done"] == 2
    assert sum(step["reminders"].values()) == 2
    assert set(step["reminders"]) == {"pending", "sent", "done", "dismissed", "suppressed"}
    status, own = await manager.call("GET", "/api/v1/journeys")
    assert sum(_journey(own, "maturity")["steps"][0]["reminders"].values()) == 1

    status, detail = await api.call("GET", "/api/v1/journeys/maturity", role="operations")
    assert status == 200, detail
    assert {r["external_userid"] for r in detail["recent"]} == {mine, theirs}
    assert all(r["status"] == "done" and r["subject"] == "WP-2026-01" for r in detail["recent"])
    status, own_detail = await manager.call("GET", "/api/v1/journeys/maturity")
    assert [r["external_userid"] for r in own_detail["recent"]] == [mine]


async def test_definitions_show_each_step_and_unknown_is_404(api: ApiCaller) -> None:
    status, body = await api.call("GET", "/api/v1/journeys", role="manager")
    assert status == 200
    ids = [j["id"] for j in body["journeys"]]
    assert ids == sorted(ids) and {"product_companion", "onboarding", "maturity"} <= set(ids)
    product = _journey(body, "product_companion")
    assert product["exit_on"] == ["redemption"] and product["subject"] == "fund_code"
    steps = {s["id"]: s for s in product["steps"]}
    assert list(steps) == ["d1_confirm", "d7_first_week", "d30_check", "d30_review", "d30_remind", "end"]
    assert steps["d1_confirm"]["after"] == "1d" and steps["d1_confirm"]["at"] == "10:00"
    assert steps["d1_confirm"]["template"] == "companion/product/d1"
    assert steps["d30_check"]["branches"] == [
        {"field": "holds_subject", "op": "true", "value": None, "goto": "d30_review"}
    ]
    assert steps["d30_check"]["otherwise"] == "end"

    status, body = await api.call("GET", "/api/v1/journeys/no_such_journey")
    assert status == 404 and "no_such_journey" in body["error"]
