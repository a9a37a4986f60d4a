"""Customers, groups and received events through ``/api/v1``, against the running service and its synthetic
corp: search and paging, validation errors that name the field, and a manager's narrow view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import keys
from bot.db.models import AuditEntry, Customer, CustomerGroup, CustomerManager
from tests.api.conftest import MANAGER, ApiCaller


def names_field(body: dict[str, Any], field: str) -> bool:
    """A 400 names the wrong parameter: in ``field``, or (query parameters today) at the head of the error."""
    return body.get("field") == field or body["error"].startswith(f"query {field}:")


async def _customers_of(api: ApiCaller, userid: str) -> set[str]:
    async with api.stack.service[keys.DB]() as session:
        statement = select(CustomerManager.external_userid).where(
            CustomerManager.userid == userid, CustomerManager.removed_at.is_(None)
        )
        return set((await session.execute(statement)).scalars())


async def _customer(api: ApiCaller, external_userid: str) -> Customer:
    async with api.stack.service[keys.DB]() as session:
        found = await session.get(Customer, external_userid)
        assert found is not None
        return found


async def _all(api: ApiCaller, path: str, role: str = "operations") -> list[dict[str, Any]]:
    status, body = await api.call("GET", path, role=role)
    assert status == 200, body
    return body["customers"] if "customers" in body else body["groups"]


async def test_customers_page_through_the_whole_list_in_a_stable_order(api: ApiCaller) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        status, body = await api.call("GET", f"/api/v1/customers?limit=25&offset={offset}", role="operations")
        assert status == 200, body
        assert body["limit"] == 25 and body["offset"] == offset
        seen += [c["external_userid"] for c in body["customers"]]
        offset = body["next_offset"]
    assert len(seen) == len(set(seen)) == body["total"] == 60
    again = [c["external_userid"] for c in await _all(api, "/api/v1/customers?limit=500")]
    assert again == seen


async def test_a_customer_row_carries_segment_risk_managers_tags_and_consent(api: ApiCaller) -> None:
    row = (await _all(api, "/api/v1/customers?limit=1"))[0]
    stored = await _customer(api, row["external_userid"])
    assert row["name"] == stored.name
    assert row["segment"] == stored.tier and row["risk_level"] == stored.risk_level
    assert row["consent"] == stored.consent and row["opt_out"] == stored.opt_out
    assert row["managers"] and row["managers"][0]["userid"] == stored.rm_userid
    assert row["managers"][0]["name"]  # the staff member's name, not just the id
    assert isinstance(row["tags"], list) and row["added_at"]


async def test_search_by_name_segment_manager_and_tag(api: ApiCaller) -> None:
    everyone = await _all(api, "/api/v1/customers?limit=500")
    target = everyone[7]
    by_name = await _all(api, "/api/v1/customers?q=" + target["name"])
    assert target["external_userid"] in {c["external_userid"] for c in by_name}
    assert all(target["name"] in c["name"] for c in by_name)

    by_id = await _all(api, "/api/v1/customers?q=" + target["external_userid"][3:12].lower())
    assert [c["external_userid"] for c in by_id] == [target["external_userid"]]  # case-insensitive

    hnw = await _all(api, "/api/v1/customers?segment=hnw&limit=500")
    assert hnw and {c["segment"] for c in hnw} == {"hnw"}
    assert len(hnw) == sum(1 for c in everyone if c["segment"] == "hnw")

    lina = await _all(api, "/api/v1/customers?manager=rm_lina&limit=500")
    assert {c["external_userid"] for c in lina} == await _customers_of(api, "rm_lina")

    tagged = await _all(api, "/api/v1/customers?tag=高净值&limit=500")
    assert tagged and all("高净值" in c["tags"] for c in tagged)
    assert len(tagged) == sum(1 for c in everyone if "高净值" in c["tags"])

    assert await _all(api, "/api/v1/customers?q=nobody-by-this-name") == []


async def test_a_percent_sign_in_the_search_is_literal(api: ApiCaller) -> None:
    assert await _all(api, "/api/v1/customers?q=%25") == []


async def test_bad_query_parameters_are_refused_naming_the_field(api: ApiCaller) -> None:
    for query, field in (
        ("segment=rich", "segment"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
        ("colour=blue", "colour"),
    ):
        status, body = await api.call("GET", "/api/v1/customers?" + query, role="operations")
        assert status == 400, (query, body)
        assert names_field(body, field), (query, body)


async def test_customer_detail_has_holdings_groups_and_recent_messages(api: ApiCaller) -> None:
    db = api.stack.service[keys.DB]
    async with db() as session:
        group = (await session.execute(select(CustomerGroup).limit(1))).scalar_one()
    status, detail = await api.call("GET", f"/api/v1/groups/{group.chat_id}", role="operations")
    member = next(m for m in detail["members"] if m["kind"] == "customer" and m["known_customer"])
    now = datetime.now(UTC)
    async with db() as session, session.begin():
        for i in range(22):
            session.add(
                AuditEntry(
                    sent_at=now - timedelta(minutes=30 - i),
                    channel="mass_task",
                    target=member["member_id"],
                    sender="rm_zhangwei",
                    template_key="morning_report",
                    rendered_text=f"早安资讯第{i}期",
                )
            )
        session.add(AuditEntry(channel="kf", target="someone-else", rendered_text="别人的消息"))

    status, body = await api.call("GET", f"/api/v1/customers/{member['member_id']}", role="operations")
    assert status == 200, body
    assert body["external_userid"] == member["member_id"]
    assert group.chat_id in {g["chat_id"] for g in body["groups"]}
    assert body["managers"] and body["tags"] is not None
    assert body["holdings"], "every synthetic customer holds 1-4 funds"
    holding = body["holdings"][0]
    assert holding["fund_name"].startswith("示例") and holding["fund_code"]
    assert holding["nav"] and holding["value"]
    messages = body["messages"]
    assert len(messages) == 20
    assert messages[0]["rendered_text"] == "早安资讯第21期"  # newest first
    assert all(m["target"] == member["member_id"] for m in messages)


async def test_unknown_customer_is_404(api: ApiCaller) -> None:
    status, body = await api.call("GET", "/api/v1/customers/wm_nobody", role="operations")
    assert status == 404 and "wm_nobody" in body["error"]


async def test_a_manager_sees_only_their_own_customers(api: ApiCaller) -> None:
    own = await _customers_of(api, MANAGER)
    zhangwei = await api.browser(MANAGER)
    status, body = await zhangwei.call("GET", "/api/v1/customers?limit=500")
    assert status == 200, body
    assert {c["external_userid"] for c in body["customers"]} == own and body["total"] == len(own)

    # Asking for another manager's customers does not widen the view.
    status, body = await zhangwei.call("GET", "/api/v1/customers?manager=rm_lina")
    assert status == 200 and body["customers"] == [] and body["total"] == 0

    mine = next(iter(own))
    status, body = await zhangwei.call("GET", f"/api/v1/customers/{mine}")
    assert status == 200 and body["external_userid"] == mine

    theirs = next(iter(await _customers_of(api, "rm_lina") - own))
    status, body = await zhangwei.call("GET", f"/api/v1/customers/{theirs}")
    assert status == 404, "someone else's customer is not confirmed to exist"

    # A manager-role API key is scoped to its own name, which follows nobody: it sees no customers.
    status, body = await api.call("GET", "/api/v1/customers", role="manager")
    assert status == 200 and body["total"] == 0


async def test_groups_with_counts_search_and_detail(api: ApiCaller) -> None:
    groups = await _all(api, "/api/v1/groups?limit=500")
    assert len(groups) == 10
    for group in groups:
        assert group["owner_name"] and group["member_count"] >= group["customer_count"] > 0

    first = groups[0]
    found = await _all(api, "/api/v1/groups?q=" + first["name"][:4])
    assert first["chat_id"] in {g["chat_id"] for g in found}
    owned = await _all(api, "/api/v1/groups?owner=rm_lina")
    assert owned and {g["owner_userid"] for g in owned} == {"rm_lina"}

    status, detail = await api.call("GET", f"/api/v1/groups/{first['chat_id']}", role="operations")
    assert status == 200, detail
    kinds = [m["kind"] for m in detail["members"]]
    assert kinds.count("customer") == first["customer_count"] and "staff" in kinds
    assert len(kinds) == first["member_count"]
    assert all(m["name"] for m in detail["members"] if m["known_customer"])

    status, body = await api.call("GET", "/api/v1/groups/wr_nothing", role="operations")
    assert status == 404
    status, body = await api.call("GET", "/api/v1/groups?limit=1000", role="operations")
    assert status == 400 and names_field(body, "limit")


async def test_a_manager_sees_only_the_groups_they_own(api: ApiCaller) -> None:
    zhangwei = await api.browser(MANAGER)
    status, body = await zhangwei.call("GET", "/api/v1/groups")
    assert status == 200 and body["groups"]
    assert {g["owner_userid"] for g in body["groups"]} == {MANAGER}
    other = next(g for g in await _all(api, "/api/v1/groups?limit=500") if g["owner_userid"] != MANAGER)
    status, _ = await zhangwei.call("GET", f"/api/v1/groups/{other['chat_id']}")
    assert status == 404
    status, body = await zhangwei.call("GET", f"/api/v1/groups/{body['groups'][0]['chat_id']}")
    assert status == 200 and body["members"]


async def _post_event(api: ApiCaller, event_id: str, external_userid: str) -> None:
    event = {
        "event_id": event_id,
        "type": "purchase",
        "external_userid": external_userid,
        "data": {"fund_code": "000001", "amount": 50000},
    }
    status, body = await api.call("POST", "/api/v1/events", role="operations", json=event)
    assert status in (200, 202), body


async def test_received_events_newest_first_filtered_and_scoped(api: ApiCaller) -> None:
    own = sorted(await _customers_of(api, MANAGER))
    other = sorted(await _customers_of(api, "rm_lina"))
    await _post_event(api, "bank-evt-1", own[0])
    await _post_event(api, "bank-evt-2", other[0])
    await _post_event(api, "bank-evt-3", own[1])

    status, body = await api.call("GET", "/api/v1/events", role="operations")
    assert status == 200, body
    ids = [e["event_id"] for e in body["events"]]
    assert ids[:3] == ["bank-evt-3", "bank-evt-2", "bank-evt-1"]
    assert body["events"][0]["customer_name"] and body["events"][0]["type"] == "purchase"

    status, body = await api.call("GET", f"/api/v1/events?external_userid={other[0]}", role="operations")
    assert [e["event_id"] for e in body["events"]] == ["bank-evt-2"]

    zhangwei = await api.browser(MANAGER)
    status, body = await zhangwei.call("GET", "/api/v1/events")
    assert status == 200
    assert {e["event_id"] for e in body["events"]} == {"bank-evt-1", "bank-evt-3"}

    status, body = await api.call("GET", "/api/v1/events?type=lottery", role="operations")
    assert status == 400 and names_field(body, "type")
