"""Keyword auto-replies that operations staff maintain through ``/api/v1/keyword_rules``: a saved rule
answers the next message through WeCom's real callback path, a reply the compliance gate would block is
refused with its findings, and every change is in the change log."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession

from bot import keys
from bot.wecom.xmlparse import parse_xml
from tests.api.conftest import ApiCaller

RULE = {
    "name": "branch_parking",
    "match": "contains",
    "pattern": "停车",
    "reply_text": "网点门前可免费停车一小时（SYNTHETIC 示例）。",
    "priority": 20,
}


async def _ask(api: ApiCaller, userid: str, text: str) -> str | None:
    """A member writes to the app in the simulator; the bot's passive reply (or app message) text."""
    async with ClientSession() as http:
        url = api.stack.sandbox_url + "/_sandbox/actions/member_message"
        async with http.post(url, json={"userid": userid, "text": text}) as resp:
            result = await resp.json()
        await api.stack.service[keys.TASKS].join()
        reply = result["callback"]["reply"]
        if reply:
            return str(parse_xml(reply)["Content"])
        async with http.get(api.stack.sandbox_url + "/_sandbox/requests?path=/cgi-bin/message/send") as resp:
            sent = await resp.json()
    return sent[-1]["body"]["text"]["content"] if sent else None


async def _changes(api: ApiCaller, name: str) -> list[tuple[str, str]]:
    status, body = await api.call("GET", f"/api/v1/audit/changes?object_type=keyword_rule&q={name}")
    assert status == 200, body
    return [(c["actor"], c["action"]) for c in reversed(body["changes"])]


async def test_a_rule_saved_by_operations_answers_the_next_message(api: ApiCaller) -> None:
    assert await _ask(api, "rm_zhangwei", "网点可以停车吗") != RULE["reply_text"]
    status, rule = await api.call("POST", "/api/v1/keyword_rules", role="operations", json=RULE)
    assert status == 201, rule
    assert rule["source"] == "db" and rule["enabled"] and rule["editable"] and rule["channels"] == []
    assert await _ask(api, "rm_zhangwei", "网点可以停车吗") == RULE["reply_text"]

    status, listed = await api.call("GET", "/api/v1/keyword_rules", role="manager")
    assert status == 200
    sources = {r["name"]: r["source"] for r in listed["rules"]}
    assert sources["branch_parking"] == "db" and sources["opening_hours"] == "config"
    assert "community/keywords/hotline" in listed["templates"]

    status, off = await api.call(
        "PATCH", "/api/v1/keyword_rules/branch_parking", role="operations", json={"enabled": False}
    )
    assert status == 200 and off["enabled"] is False
    assert await _ask(api, "rm_zhangwei", "网点可以停车吗") != RULE["reply_text"]
    assert await _changes(api, "branch_parking") == [
        ("apikey:test-operations", "keyword_rule.create"),
        ("apikey:test-operations", "keyword_rule.update"),
    ]


async def test_a_reply_the_gate_would_block_is_refused_with_its_findings(api: ApiCaller) -> None:
    promise = {**RULE, "name": "bad_promise", "reply_text": "本理财保本保收益，稳赚不赔。"}
    status, body = await api.call("POST", "/api/v1/keyword_rules", role="operations", json=promise)
    assert status == 422, body
    assert body["findings"] and {f["channel"] for f in body["findings"]} == {"app", "kf"}
    assert any("保本" in f["excerpt"] for f in body["findings"])
    assert (await api.call("GET", "/api/v1/keyword_rules/bad_promise"))[0] == 404  # nothing saved

    await api.call("POST", "/api/v1/keyword_rules", role="operations", json=RULE)
    status, body = await api.call(
        "PATCH", "/api/v1/keyword_rules/branch_parking", json={"reply_text": "停车后理财零风险！"}
    )
    assert status == 422, body
    status, kept = await api.call("GET", "/api/v1/keyword_rules/branch_parking")
    assert kept["reply_text"] == RULE["reply_text"]


async def test_wrong_rules_name_the_field(api: ApiCaller) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**RULE, "match": "regex", "pattern": "停车("}, 400, "pattern"),
        ({**RULE, "template": "community/keywords/hotline"}, 400, "reply_text"),  # both
        ({k: v for k, v in RULE.items() if k != "reply_text"}, 400, "reply_text"),  # neither
        ({**RULE, "reply_text": "", "template": "campaigns/notice"}, 400, "template"),
        ({**RULE, "roles": ["banker"]}, 400, "roles"),
        ({**RULE, "channels": ["sms"]}, 400, "channels"),
        ({**RULE, "name": "Bad Name!"}, 400, "name"),
        ({**RULE, "name": "opening_hours"}, 409, "name"),  # a config rule's name
    ]
    for body, status, field in cases:
        got, answer = await api.call("POST", "/api/v1/keyword_rules", role="operations", json=body)
        assert got == status and field in (answer.get("field") or answer["error"]), (body, answer)
    assert (await api.call("POST", "/api/v1/keyword_rules", json=RULE))[0] == 201
    status, again = await api.call("POST", "/api/v1/keyword_rules", json=RULE)
    assert status == 409 and again["field"] == "name"

    status, body = await api.call("PATCH", "/api/v1/keyword_rules/opening_hours", json={"enabled": False})
    assert status == 409 and "config" in body["error"]
    assert (await api.call("PATCH", "/api/v1/keyword_rules/nope", json={"enabled": False}))[0] == 404
    status, body = await api.call("PATCH", "/api/v1/keyword_rules/branch_parking", json={})
    assert status == 400


async def test_a_template_reply_and_a_staff_only_rule(api: ApiCaller) -> None:
    staff_only = {
        "name": "rm_hotline",
        "match": "exact",
        "pattern": "热线号码",
        "template": "community/keywords/hotline",
        "channels": ["app"],
        "roles": ["rm"],
    }
    status, rule = await api.call("POST", "/api/v1/keyword_rules", role="operations", json=staff_only)
    assert status == 201, rule
    hotline = api.stack.service[keys.DISPATCHER].resources.render.text("community/keywords/hotline")
    assert await _ask(api, "rm_zhangwei", "热线号码") == hotline
    assert await _ask(api, "ops_liuyan", "热线号码") != hotline  # not an rm

    status, changed = await api.call(
        "PATCH", "/api/v1/keyword_rules/rm_hotline", json={"reply_text": "请拨打分行热线（SYNTHETIC）。"}
    )
    assert status == 200 and changed["template"] == "" and changed["reply_text"].startswith("请拨打")
    assert await _ask(api, "rm_zhangwei", "热线号码") == "请拨打分行热线（SYNTHETIC）。"
