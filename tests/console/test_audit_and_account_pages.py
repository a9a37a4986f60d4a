"""The audit log page and the accounts page, driven with forms as a browser would (CSRF token included)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot import keys
from bot.db.models import AuditEntry
from tests.api.conftest import MANAGER, ApiCaller, SignedIn

PASSWORD = "Branch-ops-2026!"


async def _get(who: SignedIn, path: str) -> tuple[int, str]:
    async with who.http.get(who.base + path) as resp:
        return resp.status, await resp.text()


async def test_the_audit_page_searches_messages_and_changes(api: ApiCaller) -> None:
    async with api.stack.service[keys.DB]() as session, session.begin():
        session.add(
            AuditEntry(
                sent_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
                channel="mass_task",
                target="wm_customer_a",
                template_key="morning_report",
                rendered_text="早安！今日关注红利指数。",
            )
        )
        session.add(AuditEntry(channel="kf", target="wm_customer_b", rendered_text="您好，净值每日更新。"))
    reviewer = await api.browser("cmp_zhouqi")
    status, html = await _get(reviewer, "/console/audit")
    assert status == 200 and "<h1>审计日志</h1>" in html
    assert "消息审计" in html and "操作记录" in html and "红利指数" in html and "净值每日更新" in html

    status, html = await _get(reviewer, "/console/audit?tab=messages&q=红利")
    assert "红利指数" in html and "净值每日更新" not in html
    assert "2026-03-10 10:00" in html  # shown in Shanghai time
    # 导出 CSV takes the search along, and the session cookie is enough to download it
    export = re.search(r'id="export-csv" href="([^"]+)"', html)
    assert export and export.group(1).startswith("/api/v1/audit/messages.csv?q=")
    async with reviewer.http.get(reviewer.base + export.group(1).replace("&amp;", "&")) as resp:
        assert resp.status == 200 and resp.content_type == "text/csv"
        exported = (await resp.read()).decode("utf-8-sig")
    assert "红利指数" in exported and "净值每日更新" not in exported
    status, html = await _get(reviewer, "/console/audit?tab=messages&since=2026-03-11")
    assert "红利指数" not in html and "净值每日更新" in html
    status, html = await _get(reviewer, "/console/audit?tab=messages&q=无此内容")
    assert "暂无数据" in html
    status, html = await _get(reviewer, "/console/audit?tab=messages&since=3月10日")
    assert status == 200 and "开始日期格式不正确" in html

    await api.call("POST", "/api/v1/api_keys", role="admin", json={"name": "crm-sync", "role": "reviewer"})
    status, html = await _get(reviewer, "/console/audit?tab=changes&q=crm-sync")
    assert status == 200 and 'id="audit-changes"' in html
    assert "api_key.create" in html and "apikey:test-admin" in html


async def test_the_audit_page_is_refused_to_a_manager(api: ApiCaller) -> None:
    zhangwei = await api.browser(MANAGER)
    status, html = await _get(zhangwei, "/console/audit")
    assert status == 403 and "无权限" in html
    assert 'href="/console/audit"' not in html  # not in their navigation either


async def test_accounts_page_is_for_admins_only(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, html = await _get(ops, "/console/accounts")
    assert status == 403 and "无权限" in html
    status, _, html = await ops.submit("/console/api_keys", {"name": "sneaky", "role": "admin"})
    assert status == 403
    status, body = await api.call("GET", "/api/v1/api_keys", role="admin")
    assert "sneaky" not in {k["name"] for k in body["api_keys"]}

    admin = await api.local()
    status, html = await _get(admin, "/console/accounts")
    assert status == 200 and "<h1>账号与密钥</h1>" in html
    assert "控制台账号" in html and "API 密钥" in html and "test-operations" in html
    assert "不能修改自己的账号" in html  # the admin's own row has no controls


async def test_an_admin_adds_an_account_that_then_signs_in(api: ApiCaller) -> None:
    admin = await api.local()
    form = {
        "kind": "local",
        "username": "branch_ops",
        "display_name": "分行运营",
        "role": "operations",
        "password": PASSWORD,
    }
    status, _, html = await admin.submit("/console/accounts", form)
    assert status == 200 and "已添加账号 branch_ops（运营）" in html
    assert 'data-username="branch_ops"' in html

    ops = await api.local("branch_ops", PASSWORD)
    status, html = await _get(ops, "/console/")
    assert status == 200 and "分行运营" in html

    status, _, html = await admin.submit("/console/accounts", form)
    assert "该用户名已有账号" in html
    status, _, html = await admin.submit(
        "/console/accounts", form | {"username": "weak_one", "password": "abc"}
    )
    assert status == 400 and "密码至少 10 位" in html
    assert 'value="weak_one"' in html and 'value="abc"' not in html  # typed kept, never the password

    status, _ = await _get(ops, "/console/accounts")
    assert status == 403
    status, _, html = await admin.submit(
        "/console/accounts/branch_ops", {"action": "role", "role": "reviewer"}
    )
    assert "账号 branch_ops 角色已改为合规审核" in html
    status, html = await _get(ops, "/console/audit")
    assert status == 200 and "<h1>审计日志</h1>" in html  # the new role counts at once
    status, _, html = await admin.submit("/console/accounts/branch_ops", {"action": "disable"})
    assert "账号 branch_ops 已停用" in html
    async with ops.http.get(ops.base + "/console/", allow_redirects=False) as resp:
        assert resp.status == 302 and "/console/login" in resp.headers["Location"]  # signed out at once
    status, _, html = await admin.submit("/console/accounts/branch_ops", {"action": "enable"})
    assert "账号 branch_ops 已启用" in html

    status, _, html = await admin.submit("/console/accounts/admin", {"action": "disable"})
    assert "不能停用自己的账号" in html

    status, log = await api.call("GET", "/api/v1/audit/changes?q=branch_ops", role="reviewer")
    assert {c["actor"] for c in log["changes"]} == {"local:admin"}


async def test_a_key_made_in_the_console_is_shown_once_and_can_be_revoked(api: ApiCaller) -> None:
    admin = await api.local()
    status, _, html = await admin.submit("/console/api_keys", {"name": "core-banking", "role": "operations"})
    assert status == 200 and "API 密钥已创建" in html and "请立即复制" in html
    plain = re.search(r'id="plain-key" value="([^"]+)"', html)
    assert plain, html
    key = plain.group(1)

    bearer = {"Authorization": f"Bearer {key}"}
    status, me = await api.call("GET", "/api/v1/me", role=None, headers=bearer)
    assert status == 200 and me["role"] == "operations"

    status, html = await _get(admin, "/console/accounts")
    assert 'data-key="core-banking"' in html and key not in html

    status, _, html = await admin.submit("/console/api_keys/core-banking/revoke", {})
    assert "已吊销 API 密钥 core-banking" in html
    status, _ = await api.call("GET", "/api/v1/me", role=None, headers=bearer)
    assert status == 401

    status, _, html = await admin.submit("/console/api_keys", {"name": "core-banking", "role": "operations"})
    assert "已有同名 API 密钥" in html
