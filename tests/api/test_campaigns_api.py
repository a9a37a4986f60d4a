"""``/api/v1/campaigns`` with the new access rules: input checked field by field, drafts editable until
review, author and reviewer taken from the caller, and each change in the change log with who made it."""

from __future__ import annotations

from sqlalchemy import select

from bot import keys
from bot.db.models import ChangeEntry
from tests.api.conftest import ApiCaller

NOTICE = {
    "name": "年末服务通知（测试）",
    "template": "notice",
    "content_kind": "service",
    "audience": {"segments": ["affluent"]},
    "variables": {"title": "服务升级", "body": "本周六起网点营业时间调整为 9:00-17:00。"},
}


async def test_bad_input_names_the_field(api: ApiCaller) -> None:
    cases = [
        ({**NOTICE, "name": ""}, "name"),
        ({k: v for k, v in NOTICE.items() if k != "template"}, "template"),
        ({**NOTICE, "channel": "sms"}, "channel"),
        ({**NOTICE, "audience": {"segments": "hnw"}}, "audience.segments"),
        ({**NOTICE, "audience": {"colour": ["red"]}}, "audience.colour"),
        ({**NOTICE, "schedule": {"kind": "weekly"}}, "schedule.kind"),
        ({**NOTICE, "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        status, answer = await api.call("POST", "/api/v1/campaigns", role="operations", json=body)
        assert status == 400, (field, answer)
        assert answer["field"] == field and answer["error"].startswith(field), answer
    status, answer = await api.call(
        "POST",
        "/api/v1/campaigns",
        role="operations",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert status == 400 and answer["error"] == "body must be JSON"
    status, answer = await api.call("GET", "/api/v1/campaigns?status=lost", role="operations")
    assert status == 400 and answer["field"] == "status"
    status, answer = await api.call("GET", "/api/v1/campaigns?colour=red", role="operations")
    assert status == 400 and answer["field"] == "colour"


async def test_a_draft_is_edited_until_it_is_submitted(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, created = await ops.call("POST", "/api/v1/campaigns", NOTICE)
    assert status == 201 and created["author"] == "ops_liuyan"
    ref = created["id"]

    status, edited = await ops.call(
        "PATCH", f"/api/v1/campaigns/{ref}", {"variables": {"title": "新", "body": "新"}}
    )
    assert status == 200 and edited["variables"] == {"title": "新", "body": "新"}
    assert edited["audience"]["segments"] == ["affluent"]  # what was not sent is kept
    status, _ = await ops.call("PATCH", f"/api/v1/campaigns/{ref}", {})
    assert status == 400  # nothing to change

    status, submitted = await ops.call("POST", f"/api/v1/campaigns/{ref}/submit", {})
    assert status == 200 and submitted["status"] == "submitted"
    status, refused = await ops.call("PATCH", f"/api/v1/campaigns/{ref}", {"name": "改名"})
    assert status == 409 and "edited" in refused["error"]

    reviewer = await api.browser("cmp_zhouqi")
    status, rejected = await reviewer.call(
        "POST", f"/api/v1/campaigns/{ref}/reject", {"reason": "标题不清楚"}
    )
    assert status == 200 and rejected["status"] == "rejected" and rejected["reviewer"] == "cmp_zhouqi"
    status, fixed = await ops.call(
        "PATCH", f"/api/v1/campaigns/{ref}", {"variables": {"title": "营业时间调整", "body": "x"}}
    )
    assert status == 200 and fixed["status"] == "draft"  # a fixed rejection starts over as a draft

    async with api.stack.service[keys.DB]() as session:
        rows = (
            await session.execute(
                select(ChangeEntry.actor, ChangeEntry.action)
                .where(ChangeEntry.object_type == "campaign", ChangeEntry.object_id == str(ref))
                .order_by(ChangeEntry.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("wecom:ops_liuyan", "campaign.create"),
        ("wecom:ops_liuyan", "campaign.update"),
        ("wecom:ops_liuyan", "campaign.submit"),
        ("wecom:cmp_zhouqi", "campaign.reject"),
        ("wecom:ops_liuyan", "campaign.update"),
    ]


async def test_a_person_cannot_pose_as_someone_else_but_a_bank_system_may_name_the_member(
    api: ApiCaller,
) -> None:
    ops = await api.browser("ops_liuyan")
    status, created = await ops.call("POST", "/api/v1/campaigns", {**NOTICE, "author": "cmp_zhouqi"})
    assert status == 201 and created["author"] == "ops_liuyan"
    await ops.call("POST", f"/api/v1/campaigns/{created['id']}/submit", {})
    # An admin signed in as a person cannot approve "as" another reviewer to get round the four eyes.
    admin = await api.local()
    status, approved = await admin.call(
        "POST", f"/api/v1/campaigns/{created['id']}/approve", {"by": "ops_liuyan"}
    )
    assert status == 200 and approved["reviewer"] == "admin"

    status, system = await api.call(
        "POST",
        "/api/v1/campaigns",
        role="operations",
        json={**NOTICE, "name": "系统创建", "author": "ops_sunhao"},
    )
    assert status == 201 and system["author"] == "ops_sunhao"  # the key acts for a named member
    async with api.stack.service[keys.DB]() as session:
        actor = (
            await session.execute(select(ChangeEntry.actor).where(ChangeEntry.object_id == str(system["id"])))
        ).scalar_one()
    assert actor == "apikey:test-operations"  # and the log still names the key


async def test_unknown_campaign_is_404(api: ApiCaller) -> None:
    for method, path in (
        ("GET", "/api/v1/campaigns/9999"),
        ("GET", "/api/v1/campaigns/9999/preview"),
        ("GET", "/api/v1/campaigns/9999/coverage"),
        ("PATCH", "/api/v1/campaigns/9999"),
        ("POST", "/api/v1/campaigns/9999/submit"),
    ):
        body = {"name": "x"} if method == "PATCH" else {}
        status, answer = await api.call(method, path, role="admin", json=body)
        assert status == 404 and "9999" in answer["error"], (method, path)


async def test_unknown_robots_are_refused_when_planned_not_when_sent(api: ApiCaller) -> None:
    body = {**NOTICE, "audience": {"chat_type": "none", "robots": ["no-such-team"]}}
    status, answer = await api.call("POST", "/api/v1/campaigns", role="operations", json=body)
    assert status == 400 and "no-such-team" in answer["error"]
    event = {"event": {"title": "美联储议息", "comment": "维持利率不变。"}, "audience": {"robots": ["x"]}}
    status, answer = await api.call("POST", "/api/v1/commentary", role="operations", json=event)
    assert status == 400 and "audience.robots" in answer["error"]


async def test_out_of_range_paging_is_bad_input(api: ApiCaller) -> None:
    for path in ("/api/v1/customers", "/api/v1/accounts", "/api/v1/events", "/api/v1/deliveries"):
        status, answer = await api.call("GET", f"{path}?offset=10359942516479985975296", role="admin")
        assert status == 400 and answer["field"] == "offset", (path, answer)


async def test_a_huge_campaign_number_is_just_unknown(api: ApiCaller) -> None:
    for ref in ("999999999999999999999999999999", "%C2%B9"):  # a huge number, a superscript one
        status, answer = await api.call("GET", f"/api/v1/campaigns/{ref}/coverage")
        assert status == 404, answer
