"""关键词回复: operations staff add a keyword auto-reply; the gate's findings stop a bad one."""

from __future__ import annotations

from tests.api.conftest import ApiCaller

FORM = {
    "name": "branch_parking",
    "match": "contains",
    "pattern": "停车",
    "priority": "20",
    "reply_text": "网点门前停车免费，理财保本保收益！",
    "channels": ["kf"],
}


async def test_operations_fix_a_blocked_reply_save_it_and_switch_it_off(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit("/console/keywords", FORM)
    assert status == 422 and 'class="finding"' in page and "保本" in page
    assert "理财保本保收益" in page  # what was typed is kept for the fix
    assert 'data-name="branch_parking"' not in page  # not saved

    fixed = {**FORM, "reply_text": "网点门前可免费停车一小时（SYNTHETIC 示例）。"}
    status, path, page = await ops.submit("/console/keywords", fixed)
    assert status == 200 and path == "/console/keywords" and "已保存" in page
    assert 'data-name="branch_parking" data-source="db"' in page
    status, rule = await api.call("GET", "/api/v1/keyword_rules/branch_parking")
    assert rule["channels"] == ["kf"] and rule["priority"] == 20 and rule["enabled"]

    status, _, page = await ops.submit("/console/keywords/branch_parking/toggle", {"enabled": "0"})
    assert status == 200 and "已停用" in page
    assert (await api.call("GET", "/api/v1/keyword_rules/branch_parking"))[1]["enabled"] is False

    status, _, page = await ops.submit("/console/keywords", {**fixed, "priority": "high"})
    assert status == 400 and "优先级" in page


async def test_a_manager_sees_the_rules_but_not_the_form(api: ApiCaller) -> None:
    manager = await api.browser("rm_zhangwei")
    async with manager.http.get(manager.base + "/console/keywords") as resp:
        page = await resp.text()
    assert resp.status == 200 and 'data-name="opening_hours" data-source="config"' in page
    assert 'id="new-rule"' not in page
    status, _, _ = await manager.submit("/console/keywords", {**FORM, "reply_text": "你好"})
    assert status == 403
