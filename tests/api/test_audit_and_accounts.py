"""The audit searches and account / API key management through ``/api/v1``, against the running service."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import ClientSession

from bot import keys
from bot.db.models import AuditEntry
from tests.api.conftest import ApiCaller
from tests.api.test_people import names_field

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "Branch-ops-2026!"


async def _arrange_messages(api: ApiCaller) -> None:
    rows = [
        (
            "2026-03-09T20:00",
            "mass_task",
            "wm_customer_a",
            "morning_report",
            "早安！今日关注红利指数与债市走势。",
        ),
        (
            "2026-03-10T23:30",
            "app_message",
            "rm_zhangwei",
            "reminder",
            "张伟您好，客户到期提醒：请及时联系。",
        ),
        ("2026-03-11T08:00", "kf", "wm_customer_b", "", "您好，基金净值每个交易日更新。"),
    ]
    async with api.stack.service[keys.DB]() as session, session.begin():
        for at, channel, target, template, text in rows:
            session.add(
                AuditEntry(
                    sent_at=datetime.fromisoformat(at).replace(tzinfo=SHANGHAI),
                    channel=channel,
                    target=target,
                    template_key=template,
                    rendered_text=text,
                )
            )


async def _texts(api: ApiCaller, query: str) -> list[str]:
    status, body = await api.call("GET", "/api/v1/audit/messages?" + query, role="reviewer")
    assert status == 200, body
    return [m["rendered_text"] for m in body["messages"]]


async def test_message_audit_finds_an_entry_by_a_word_of_its_text(api: ApiCaller) -> None:
    await _arrange_messages(api)
    assert await _texts(api, "q=红利") == ["早安！今日关注红利指数与债市走势。"]
    assert await _texts(api, "q=MORNING_report") == ["早安！今日关注红利指数与债市走势。"]  # template key
    assert len(await _texts(api, "q=wm_customer")) == 2  # target
    assert await _texts(api, "q=不存在的词") == []


async def test_message_audit_is_newest_first_and_filters_by_channel_target_and_shanghai_days(
    api: ApiCaller,
) -> None:
    await _arrange_messages(api)
    everything = await _texts(api, "")
    assert [t[:2] for t in everything] == ["您好", "张伟", "早安"]
    assert await _texts(api, "channel=kf") == ["您好，基金净值每个交易日更新。"]
    assert await _texts(api, "target=rm_zhangwei") == ["张伟您好，客户到期提醒：请及时联系。"]
    # 23:30 in Shanghai on the 10th is still the 10th (15:30 UTC); until is inclusive.
    assert [t[:2] for t in await _texts(api, "since=2026-03-10&until=2026-03-10")] == ["张伟"]
    assert [t[:2] for t in await _texts(api, "until=2026-03-09")] == ["早安"]
    assert [t[:2] for t in await _texts(api, "since=2026-03-11")] == ["您好"]
    assert [t[:2] for t in await _texts(api, "since=2026-03-10T23:00:00%2B08:00")] == ["您好", "张伟"]

    status, body = await api.call("GET", "/api/v1/audit/messages?limit=1&offset=1", role="operations")
    assert status == 200 and body["total"] == 3 and len(body["messages"]) == 1
    assert body["next_offset"] == 2


async def test_wrong_dates_are_400_naming_the_field(api: ApiCaller) -> None:
    for query, field in (
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-03-10&until=2026-03-09", "until"),
        ("limit=0", "limit"),
    ):
        for path in ("/api/v1/audit/messages", "/api/v1/audit/changes"):
            status, body = await api.call("GET", f"{path}?{query}", role="reviewer")
            assert status == 400, (path, query, body)
            assert names_field(body, field), (path, query, body)


async def test_account_created_by_an_admin_signs_in_and_the_change_log_names_the_admin(
    api: ApiCaller,
) -> None:
    admin = await api.local()
    account = {
        "kind": "local",
        "username": "branch_ops",
        "role": "operations",
        "display_name": "分行运营",
        "password": PASSWORD,
    }
    status, body = await admin.call("POST", "/api/v1/accounts", account)
    assert status == 201, body
    assert body["username"] == "branch_ops" and body["role"] == "operations" and body["active"] is True
    assert body["created_by"] == "local:admin"
    assert "password" not in body and "password_hash" not in body

    ops = await api.local("branch_ops", PASSWORD)
    status, me = await ops.call("GET", "/api/v1/me")
    assert status == 200 and me["name"] == "branch_ops" and me["role"] == "operations"

    status, log = await api.call("GET", "/api/v1/audit/changes?action=account.create", role="reviewer")
    assert status == 200, log
    entry = next(c for c in log["changes"] if c["object_id"] == "branch_ops")
    assert entry["actor"] == "local:admin" and entry["actor_role"] == "admin"
    status, found = await api.call("GET", "/api/v1/audit/changes?q=branch_ops&actor=admin", role="reviewer")
    assert [c["object_id"] for c in found["changes"]] == ["branch_ops"]
    status, found = await api.call("GET", "/api/v1/audit/changes?q=分行运营", role="reviewer")
    assert [c["object_id"] for c in found["changes"]] == ["branch_ops"], found  # a word of the detail

    status, listed = await api.call("GET", "/api/v1/accounts", role="admin")
    assert status == 200 and "branch_ops" in {a["username"] for a in listed["accounts"]}
    for text in (str(listed), str(log)):
        assert PASSWORD not in text and "scrypt$" not in text


async def test_account_input_errors_name_the_field(api: ApiCaller) -> None:
    base = {"kind": "local", "username": "new_person", "role": "operations", "password": PASSWORD}
    for change, status_wanted, field in (
        ({"password": "short1"}, 400, "password"),
        ({"password": "onlyletterslong"}, 400, "password"),
        ({"password": None}, 400, "password"),
        ({"username": "-bad name-"}, 400, "username"),
        ({"role": "superuser"}, 400, "role"),
        ({"kind": "ldap"}, 400, "kind"),
        ({"username": "admin"}, 409, "username"),
        ({"kind": "wecom", "username": "ops_sunhao"}, 400, "password"),
    ):
        body = {k: v for k, v in (base | change).items() if v is not None}
        status, answer = await api.call("POST", "/api/v1/accounts", role="admin", json=body)
        assert status == status_wanted, (change, answer)
        assert answer["field"] == field, (change, answer)
    status, answer = await api.call("POST", "/api/v1/accounts", role="admin", json={"kind": "local"})
    assert status == 400 and answer["field"] == "username"


async def test_a_wecom_member_account_decides_their_role(api: ApiCaller) -> None:
    body = {"kind": "wecom", "username": "rm_lina", "role": "reviewer"}
    status, answer = await api.call("POST", "/api/v1/accounts", role="admin", json=body)
    assert status == 201, answer
    lina = await api.browser("rm_lina")
    status, me = await lina.call("GET", "/api/v1/me")
    assert me["role"] == "reviewer"
    nobody = {"kind": "wecom", "username": "nobody_here", "role": "manager"}
    status, answer = await api.call("POST", "/api/v1/accounts", role="admin", json=nobody)
    assert status == 400 and answer["field"] == "username" and "member" in answer["error"]


async def test_admin_changes_role_and_disables_but_not_their_own(api: ApiCaller) -> None:
    admin = await api.local()
    made = {"kind": "local", "username": "temp_reviewer", "role": "reviewer", "password": PASSWORD}
    assert (await admin.call("POST", "/api/v1/accounts", made))[0] == 201

    status, body = await admin.call("PATCH", "/api/v1/accounts/temp_reviewer", {"role": "operations"})
    assert status == 200 and body["role"] == "operations"
    status, body = await admin.call("PATCH", "/api/v1/accounts/temp_reviewer", {"active": False})
    assert status == 200 and body["active"] is False
    async with (
        ClientSession() as http,
        http.post(
            api.stack.service_url + "/console/login",
            data={"username": "temp_reviewer", "password": PASSWORD},
            allow_redirects=False,
        ) as resp,
    ):
        assert resp.status == 401, "a disabled account cannot sign in"

    for change, field in (({"role": "operations"}, "role"), ({"active": False}, "active")):
        status, body = await admin.call("PATCH", "/api/v1/accounts/admin", change)
        assert status == 409, body
        assert body["field"] == field and "another admin" in body["error"]
    status, body = await admin.call("PATCH", "/api/v1/accounts/admin", {"role": "admin", "active": True})
    assert status == 200, "confirming one's own role and status is not a change"

    status, body = await admin.call("PATCH", "/api/v1/accounts/nobody_here", {"active": False})
    assert status == 404
    status, body = await admin.call("PATCH", "/api/v1/accounts/temp_reviewer", {})
    assert status == 400
    status, body = await admin.call("PATCH", "/api/v1/accounts/temp_reviewer", {"active": "no"})
    assert status == 400 and body["field"] == "active"

    status, log = await api.call("GET", "/api/v1/audit/changes?q=temp_reviewer", role="reviewer")
    actions = [(c["action"], c["detail"]) for c in log["changes"]]
    assert actions == [
        ("account.update", {"active": False}),
        ("account.update", {"role": "operations"}),
        ("account.create", {"kind": "local", "role": "reviewer"}),
    ]


async def test_a_created_key_works_once_shown_and_stops_when_revoked(api: ApiCaller) -> None:
    status, made = await api.call(
        "POST", "/api/v1/api_keys", role="admin", json={"name": "core-banking", "role": "operations"}
    )
    assert status == 201, made
    plain = made["key"]
    assert plain.startswith(made["prefix"]) and len(plain) > 30

    bearer = {"Authorization": f"Bearer {plain}"}
    status, me = await api.call("GET", "/api/v1/me", role=None, headers=bearer)
    assert status == 200 and me["kind"] == "apikey" and me["name"] == "core-banking"

    status, listed = await api.call("GET", "/api/v1/api_keys", role="admin")
    assert status == 200
    row = next(k for k in listed["api_keys"] if k["name"] == "core-banking")
    assert row["prefix"] == made["prefix"] and "key" not in row
    assert plain not in str(listed)

    status, again = await api.call(
        "POST", "/api/v1/api_keys", role="admin", json={"name": "core-banking", "role": "operations"}
    )
    assert status == 409 and again["field"] == "name"
    status, bad = await api.call(
        "POST", "/api/v1/api_keys", role="admin", json={"name": "x", "role": "admin"}
    )
    assert status == 400 and bad["field"] == "name"

    status, revoked = await api.call("POST", "/api/v1/api_keys/core-banking/revoke", role="admin")
    assert status == 200 and revoked["active"] is False
    status, _ = await api.call("GET", "/api/v1/me", role=None, headers=bearer)
    assert status == 401
    status, _ = await api.call("POST", "/api/v1/api_keys/no-such-key/revoke", role="admin")
    assert status == 404

    status, log = await api.call("GET", "/api/v1/audit/changes?object_type=api_key", role="reviewer")
    assert [c["action"] for c in log["changes"] if c["object_id"] == "core-banking"] == [
        "api_key.revoke",
        "api_key.create",
    ]
    assert all(c["actor"] == "apikey:test-admin" for c in log["changes"] if c["object_id"] == "core-banking")
    assert plain not in str(log)
