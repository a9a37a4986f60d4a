"""Defects a QA pass found in the API, each kept fixed: late approvals, retried events, unsafe keyword
patterns, input that used to end in a 500, and what a manager may see of other managers' customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import keys
from handlers.regex_safety import UnsafeRegex, check_regex
from tests.api.conftest import ApiCaller
from tests.api.test_campaigns_api import NOTICE
from tests.campaigns.helpers import wait_for


async def _create(api: ApiCaller, **fields: Any) -> dict[str, Any]:
    status, body = await api.call("POST", "/api/v1/campaigns", role="operations", json={**NOTICE, **fields})
    assert status == 201, body
    return body


async def test_a_one_off_campaign_whose_time_passed_in_review_goes_out_at_approval(api: ApiCaller) -> None:
    """Review takes longer than the scheduler's grace: "once at T" means "at T, or at approval if later"."""
    past = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    campaign = await _create(api, schedule={"kind": "once", "at": past})
    ref = campaign["id"]
    assert (await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={}))[0] == 200
    before = datetime.now(UTC)
    status, approved = await api.call(
        "POST", f"/api/v1/campaigns/{ref}/approve", role="reviewer", json={"by": "cmp_zhouqi"}
    )
    assert status == 200 and approved["status"] == "scheduled", approved
    schedule = approved["schedule"]
    assert schedule["requested_at"] == datetime.fromisoformat(past).isoformat()
    assert datetime.fromisoformat(schedule["at"]) >= before - timedelta(seconds=1)

    async def sent() -> bool:
        return (await api.call("GET", f"/api/v1/campaigns/{ref}"))[1]["status"] == "done"

    await wait_for(sent, "the late-approved campaign to go out")  # it used to stay "scheduled" for ever
    status, listed = await api.call("GET", f"/api/v1/deliveries?campaign={ref}&channel=mass_task")
    assert status == 200 and listed["total"] > 0


async def test_campaign_input_that_cannot_work_is_refused_with_its_field(api: ApiCaller) -> None:
    gone = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for fields, status, field in (
        ({"expires_at": gone}, 400, "expires_at"),
        ({"name": "2027"}, 400, "name"),  # a number addresses a campaign by id
    ):
        got, body = await api.call("POST", "/api/v1/campaigns", role="operations", json={**NOTICE, **fields})
        assert got == status and body["field"] == field, body
    await _create(api)
    got, body = await api.call("POST", "/api/v1/campaigns", role="operations", json=NOTICE)
    assert got == 409 and body["field"] == "name"

    bare = await _create(api, name="缺少变量", variables={})
    status, body = await api.call("GET", f"/api/v1/campaigns/{bare['id']}/preview")
    assert status == 400 and body["field"] == "variables" and "title" in body["error"]
    status, body = await api.call(
        "POST", f"/api/v1/campaigns/{bare['id']}/submit", role="operations", json={}
    )
    assert status == 400 and body["field"] == "variables"


async def test_the_reviewer_is_not_the_author_whatever_the_case(api: ApiCaller) -> None:
    ref = (await _create(api, author="ops_liuyan"))["id"]
    await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={})
    status, body = await api.call(
        "POST", f"/api/v1/campaigns/{ref}/approve", role="admin", json={"by": "OPS_LIUYAN"}
    )
    assert status == 409 and "author" in body["error"]


async def test_a_manager_sees_counts_of_a_plan_not_other_managers_customers(api: ApiCaller) -> None:
    ref = (await _create(api, audience={"segments": ["affluent", "long_tail", "hnw"]}))["id"]
    async with api.stack.service[keys.DB]() as session, session.begin():
        from sqlalchemy import update

        from bot.db.models import Customer

        await session.execute(update(Customer).values(opt_out=True))  # everybody is skipped, by id
    status, full = await api.call("GET", f"/api/v1/campaigns/{ref}/preview", role="operations")
    assert status == 200 and full["plan"]["skipped_examples"]["opt_out"]
    status, mine = await api.call("GET", f"/api/v1/campaigns/{ref}/preview", role="manager")
    assert status == 200 and mine["plan"]["skipped"]["opt_out"] == full["plan"]["skipped"]["opt_out"]
    assert "skipped_examples" not in str(mine)
    await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={})
    status, listed = await api.call("GET", "/api/v1/campaigns", role="manager")
    assert status == 200 and "skipped_examples" not in str(listed)


async def test_a_retried_event_without_a_time_is_a_duplicate_not_a_conflict(api: ApiCaller) -> None:
    async with api.stack.service[keys.DB]() as session:
        from sqlalchemy import select

        from bot.db.models import Customer

        customer = (await session.execute(select(Customer.external_userid).limit(1))).scalar_one()
    event = {
        "event_id": "retry-1",
        "type": "purchase",
        "external_userid": customer,
        "data": {"fund_code": "000001", "amount": 50000},
    }
    first = await api.call("POST", "/api/v1/events", role="operations", json=event)
    assert first[0] == 202, first
    again = await api.call("POST", "/api/v1/events", role="operations", json=event)
    assert again[0] == 200 and again[1]["status"] == "duplicate", again
    changed = {**event, "data": {"fund_code": "000001", "amount": 60000}}
    assert (await api.call("POST", "/api/v1/events", role="operations", json=changed))[0] == 409


async def test_json_that_is_not_json_or_too_deep_is_400(api: ApiCaller) -> None:
    json_headers = {"Content-Type": "application/json"}
    for text in (
        '{"event_id": "n", "type": "purchase", "data": {"amount": NaN}}',
        '{"name": "x", "template": "notice", "variables": {"x": Infinity}}',
        "[" * 20_000 + "]" * 20_000,
    ):
        for path in ("/api/v1/events", "/api/v1/campaigns"):
            status, body = await api.call("POST", path, role="operations", data=text, headers=json_headers)
            assert status == 400 and "error" in body, (path, text[:40], body)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/coverage?day=9999-12-31",
        "/api/v1/coverage?day=0001-01-01",
        "/api/v1/schedules?day=0001-01-01",
        "/api/v1/audit/changes?since=0001-01-01",
        "/api/v1/audit/changes?until=9999-12-31",
        "/api/v1/audit/changes.csv?until=9999-12-31",
        "/api/v1/deliveries?until=9999-12-31T00:00:00%2B08:00",
        "/api/v1/deliveries?since=0001-01-01",
    ],
)
async def test_dates_at_the_ends_of_the_calendar_are_400(api: ApiCaller, path: str) -> None:
    status, body = await api.call("GET", path)
    assert status == 400 and body.get("field") in ("day", "since", "until"), body


async def test_a_keyword_pattern_that_can_backtrack_for_ever_is_refused(api: ApiCaller) -> None:
    rule = {"name": "slow", "match": "regex", "reply_text": "你好（SYNTHETIC）。"}
    for pattern in ("(a+)+$", "(a|aa)+$", r"(\w+\s?)+$", "(.*a){12}", r"(a)\1"):
        status, body = await api.call("POST", "/api/v1/keyword_rules", json={**rule, "pattern": pattern})
        assert status == 400 and body["field"] == "pattern", (pattern, body)
    ok = {**rule, "pattern": r"(客服|人工)(电话|热线)|基金\d{6}"}
    assert (await api.call("POST", "/api/v1/keyword_rules", json=ok))[0] == 201


@pytest.mark.parametrize("pattern", ["(a+)+", "(a*b?)*", "(x+x+)+y", "(ab|a)*c"])
def test_unsafe_patterns(pattern: str) -> None:
    with pytest.raises(UnsafeRegex):
        check_regex(pattern)


@pytest.mark.parametrize(
    "pattern", ["营业时间", "(客服|人工)(电话|热线)", r"(\d{6}){1,3}", r"^(停车|泊车).*$"]
)
def test_safe_patterns(pattern: str) -> None:
    check_regex(pattern)


async def test_the_gate_checks_the_text_even_when_the_audience_is_empty_today(api: ApiCaller) -> None:
    """Who a campaign reaches changes by the time it is sent; the reviewer approves the text itself."""
    promise = {"title": "稳健之选", "body": "本产品保本保收益，年化收益率5%。"}
    for audience in (
        {"holders_of": "999999", "segments": ["affluent"]},
        {"chat_type": "none", "staff": ["@rm"]},
    ):
        ref = (await _create(api, name=f"空受众 {audience}", variables=promise, audience=audience))["id"]
        status, preview = await api.call("GET", f"/api/v1/campaigns/{ref}/preview")
        assert status == 200 and preview["plan"]["blocked"], preview["plan"]
        assert preview["plan"]["texts"], "the reviewer sees the text"
        status, submitted = await api.call(
            "POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={}
        )
        assert status == 200 and submitted["status"] == "rejected", submitted
        assert "保本" in submitted["review_reason"] or "promise" in submitted["review_reason"]


async def test_me_says_the_scope_and_to_a_signed_in_caller_the_csrf_token(api: ApiCaller) -> None:
    status, me = await api.call("GET", "/api/v1/me", role="manager")
    assert status == 200 and me["manager_scope"] == "test-manager" and "csrf_token" not in me
    manager = await api.browser("rm_zhangwei")
    status, me = await manager.call("GET", "/api/v1/me")
    assert status == 200 and me["manager_scope"] == "rm_zhangwei" and me["csrf_token"] == manager.csrf


async def test_market_inputs_for_a_slot_that_does_not_exist_or_an_odd_date_are_refused(
    api: ApiCaller,
) -> None:
    inputs = {"theme": "测试", "indices": [{"name": "上证指数", "close": 3000, "change": 0.01}]}
    for day, slot, field in (
        ("2026-12-01", "nosuch_slot", "slot"),
        ("2026-W49-2", "morning_report", "day"),
        ("20261202", "morning_report", "day"),
    ):
        body = {"day": day, "slot": slot, "inputs": inputs}
        status, answer = await api.call("POST", "/api/v1/market_inputs", role="operations", json=body)
        assert status == 400 and answer["field"] == field, answer


async def test_the_change_log_says_whom_a_key_created_a_campaign_for(api: ApiCaller) -> None:
    ref = (await _create(api, author="ops_liuyan"))["id"]
    status, log = await api.call("GET", f"/api/v1/audit/changes?action=campaign.create&q={ref}")
    assert status == 200
    entry = next(c for c in log["changes"] if c["object_id"] == str(ref))
    assert entry["actor"] == "apikey:test-operations" and entry["detail"]["author"] == "ops_liuyan"


async def test_a_body_over_the_limit_is_413_in_json_and_an_action_needs_no_body(api: ApiCaller) -> None:
    huge = {**NOTICE, "variables": {"title": "大", "body": "长" * 70_000}}
    status, body = await api.call("POST", "/api/v1/campaigns", role="operations", json=huge)
    assert status == 413 and "error" in body
    ref = (await _create(api))["id"]
    status, body = await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations")  # no body
    assert status == 200 and body["status"] == "submitted", body


async def test_domain_errors_on_events_and_market_inputs_name_the_field(api: ApiCaller) -> None:
    event = {"event_id": "f-1", "type": "purchase", "external_userid": "wm_x"}
    event["data"] = {"fund_code": "000001"}
    status, body = await api.call("POST", "/api/v1/events", role="operations", json=event)
    assert status == 400 and body.get("field") == "external_userid", body  # not a customer of ours
    event["data"] = {"fund_code": "000001", "amount": -5}
    async with api.stack.service[keys.DB]() as session:
        from sqlalchemy import select

        from bot.db.models import Customer

        first = await session.execute(select(Customer.external_userid).limit(1))
        event["external_userid"] = first.scalar_one()
    status, body = await api.call("POST", "/api/v1/events", role="operations", json=event)
    assert status == 400 and body.get("field") == "data.amount", body
    inputs = {"day": "2026-12-01", "slot": "morning_report", "inputs": {"theme": "测试"}}
    status, body = await api.call("POST", "/api/v1/market_inputs", role="operations", json=inputs)
    assert status == 400 and body.get("field"), body


async def test_a_chain_of_open_ended_repeats_is_refused(api: ApiCaller) -> None:
    rule = {"name": "chain", "match": "regex", "reply_text": "您好，已收到。"}
    for pattern in (".*.*.*.*.*.*.*.*.*x", "[a-z]*[a-z]*[a-z]*1"):
        status, body = await api.call("POST", "/api/v1/keyword_rules", json={**rule, "pattern": pattern})
        assert status == 400 and body["field"] == "pattern", (pattern, body)
    assert (
        await api.call("POST", "/api/v1/keyword_rules", json={**rule, "pattern": "(停车|泊车).*(免费|收费)"})
    )[0] == 201


async def test_an_unpaired_surrogate_is_400_not_500(api: ApiCaller) -> None:
    text = '{"event_id": "sur", "type": "birthday", "external_userid": "\\ud800"}'
    status, body = await api.call(
        "POST", "/api/v1/events", role="operations", data=text, headers={"Content-Type": "application/json"}
    )
    assert status == 400 and "surrogate" in body["error"], body


async def test_campaign_times_outside_2000_2099_or_sending_after_expiry_are_refused(api: ApiCaller) -> None:
    cases = (
        ({"expires_at": "9999-12-31T23:59:59-12:00"}, "expires_at"),
        ({"schedule": {"kind": "once", "at": "9999-12-31T23:59:59+08:00"}}, "schedule.at"),
        ({"schedule": {"kind": "once", "at": "0001-01-01T00:00:00+08:00"}}, "schedule.at"),
        (
            {
                "schedule": {"kind": "once", "at": "2027-02-01T00:00:00+08:00"},
                "expires_at": "2027-01-01T00:00:00+08:00",
            },
            "expires_at",
        ),
    )
    for fields, field in cases:
        status, body = await api.call(
            "POST", "/api/v1/campaigns", role="operations", json={**NOTICE, **fields}
        )
        assert status == 400 and body["field"] == field, (fields, body)


async def test_a_retry_giving_the_same_instant_in_another_offset_is_a_duplicate(api: ApiCaller) -> None:
    async with api.stack.service[keys.DB]() as session:
        from sqlalchemy import select

        from bot.db.models import Customer

        customer = (await session.execute(select(Customer.external_userid).limit(1))).scalar_one()
    event = {
        "event_id": "offset-1",
        "type": "purchase",
        "external_userid": customer,
        "occurred_at": "2026-11-30T10:00:00+08:00",
        "data": {"fund_code": "000001", "amount": 50000},
    }
    assert (await api.call("POST", "/api/v1/events", role="operations", json=event))[0] == 202
    utc = {**event, "occurred_at": "2026-11-30T02:00:00+00:00"}
    status, body = await api.call("POST", "/api/v1/events", role="operations", json=utc)
    assert status == 200 and body["status"] == "duplicate", body
    later = {**event, "occurred_at": "2026-11-30T11:00:00+08:00"}
    assert (await api.call("POST", "/api/v1/events", role="operations", json=later))[0] == 409
