"""The campaign pages as operations staff and reviewers use them: a draft with a forbidden promise shows the
finding in the preview, the fix clears it, the author submits and a second person approves."""

from __future__ import annotations

import re

from tests.api.conftest import ApiCaller, SignedIn

PROMISE = "本产品保本保收益，稳赚不赔！"
CLEAN = "本周六下午举办养老规划沙龙，欢迎预约参加。"


async def _get(signed: SignedIn, path: str) -> tuple[int, str]:
    async with signed.http.get(signed.base + path) as resp:
        return resp.status, await resp.text()


NEW = {
    "name": "周末沙龙邀约（测试）",
    "template": "notice",
    "content_kind": "service",
    "channel": "mass_task",
    "var_title": "养老规划沙龙",
    "var_body": PROMISE,
    "chat_type": "single",
    "segments": ["affluent", "hnw"],
    "schedule_kind": "once",
}


async def test_finding_fix_submit_and_approve_by_a_second_person(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, path, page = await ops.submit("/console/campaigns/new", NEW)
    assert status == 200 and path.endswith("/edit"), page
    campaign_id = re.search(r"/console/campaigns/(\d+)/edit", path).group(1)
    assert "合规检查未通过" in page and 'class="finding"' in page
    assert 'id="submit" disabled' in page  # cannot submit while the content is blocked

    fixed = {**NEW, "var_body": CLEAN}
    status, path, page = await ops.submit(f"/console/campaigns/{campaign_id}/edit", fixed)
    assert status == 200 and "合规检查通过" in page and 'class="finding"' not in page
    assert CLEAN in page  # the phone frames show the new text

    status, path, page = await ops.submit(f"/console/campaigns/{campaign_id}/submit")
    assert path == f"/console/campaigns/{campaign_id}" and 'data-status="submitted"' in page
    assert 'id="approve"' not in page  # operations cannot approve, and not their own

    reviewer = await api.browser("cmp_zhouqi")
    status, queue = await _get(reviewer, "/console/review")
    assert status == 200 and NEW["name"] in queue
    status, path, page = await reviewer.submit(f"/console/campaigns/{campaign_id}/approve")
    assert 'data-status="scheduled"' in page, page

    status, campaign = await api.call("GET", f"/api/v1/campaigns/{campaign_id}")
    assert campaign["author"] == "ops_liuyan" and campaign["reviewer"] == "cmp_zhouqi"
    status, changes = await _get(reviewer, f"/console/campaigns/{campaign_id}")
    for actor in ("wecom:ops_liuyan", "wecom:cmp_zhouqi"):
        assert actor in changes  # the change history names who did each step


async def test_a_reviewer_cannot_create_and_a_manager_cannot_review(api: ApiCaller) -> None:
    reviewer = await api.browser("cmp_zhouqi")
    status, _ = await _get(reviewer, "/console/campaigns/new")
    assert status == 403
    manager = await api.browser("rm_zhangwei")
    status, page = await _get(manager, "/console/review")
    assert status == 403 and "无权限" in page


async def test_a_form_without_the_csrf_token_is_refused(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, _ = await ops.submit("/console/campaigns/new", NEW, csrf=False)
    assert status == 403
    _, listed = await api.call("GET", "/api/v1/campaigns")
    assert listed["campaigns"] == []


async def test_bad_input_keeps_the_form_and_says_what_is_wrong(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit("/console/campaigns/new", {**NEW, "schedule_at": "明天"})
    assert status == 400 and "发送时间" in page
    assert NEW["name"] in page  # what was typed is still there


async def test_a_refused_edit_keeps_the_new_text_for_the_fix(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, path, _ = await ops.submit("/console/campaigns/new", {**NEW, "var_body": CLEAN})
    edit = path
    changed = {
        **NEW,
        "var_body": "新写的正文：本周六网点延长营业。",
        "schedule_kind": "cron",
        "schedule_cron": "每周一十点",
    }
    status, _, page = await ops.submit(edit, changed)
    assert status == 400 and "发送周期须为 cron 格式" in page  # said in Chinese
    assert "新写的正文：本周六网点延长营业。" in page and "每周一十点" in page


async def test_the_detail_names_the_groups_and_managers_of_the_audience(api: ApiCaller) -> None:
    group = next(g for g in api.stack.corp.groups if g.name)
    manager = api.stack.corp.rms()[0]
    audience = {"chat_type": "group", "groups": [group.chat_id], "managers": [manager.userid]}
    body = {"name": "按群发送（测试）", "template": "notice", "audience": audience}
    body["variables"] = {"title": "服务通知", "body": "网点营业时间调整。"}
    status, created = await api.call("POST", "/api/v1/campaigns", role="operations", json=body)
    assert status == 201, created
    ops = await api.browser("ops_liuyan")
    async with ops.http.get(ops.base + f"/console/campaigns/{created['id']}") as resp:
        page = await resp.text()
    audience_cell = re.search(r'<td id="audience">(.*?)</td>', page, re.S).group(1)
    assert group.name in audience_cell and manager.name in audience_cell
