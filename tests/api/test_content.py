"""Templates with their versions, previews with compliance findings, audience previews and the day's
schedule, through the running service (and the template history sync on a folder of its own)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot import keys
from bot.content import Renderer
from bot.content_history import content_hash, scan, sync_templates
from bot.database import open_database
from bot.db.models import (
    AuditEntry,
    ChangeEntry,
    ContentTemplate,
    Customer,
    CustomerGroup,
    CustomerManager,
    TemplateVersion,
)
from bot.queries.paging import SHANGHAI
from bot.queries.schedules import slot_state
from bot.queries.templates import template_detail
from bot.settings import PROJECT_ROOT
from tests.api.conftest import ApiCaller

PROMISE = {"title": "限时活动", "body": "本产品保本保收益，稳赚不赔！"}
CLEAN = {"title": "服务时间调整", "body": "国庆期间网点营业时间调整为 9:00-16:00。"}


async def test_templates_are_listed_with_their_running_version(api: ApiCaller) -> None:
    status, body = await api.call("GET", "/api/v1/templates?area=slots", role="operations")
    assert status == 200, body
    names = [t["name"] for t in body["templates"]]
    assert names == sorted(names) and "slots/morning_report" in names
    assert all(t["area"] == "slots" for t in body["templates"])
    report = next(t for t in body["templates"] if t["name"] == "slots/morning_report")
    assert [v["variant"] for v in report["variants"]] == ["long_tail", "affluent", "hnw", "staff"]
    render = api.stack.service[keys.RENDER]
    for variant in report["variants"]:
        assert variant["version"] == render.version(variant["file"])  # the hash the audit log records
        assert variant["version_number"] == 1 and variant["since"]  # recorded at start-up

    status, page = await api.call("GET", "/api/v1/templates?limit=2&offset=1", role="manager")
    assert status == 200 and len(page["templates"]) == 2 and page["offset"] == 1
    assert page["total"] > 10 and "campaigns" in page["areas"]


async def test_a_template_shows_each_variant_source_and_history(api: ApiCaller) -> None:
    render = api.stack.service[keys.RENDER]
    async with api.stack.service[keys.DB]() as session:
        session.add(
            AuditEntry(
                channel="mass_task",
                target="rm_zhangwei",
                template_key="campaigns/notice/default.j2",
                template_version=render.version("campaigns/notice/default.j2"),
                rendered_text="……",
            )
        )
        await session.commit()
    status, body = await api.call("GET", "/api/v1/templates/campaigns/notice")
    assert status == 200, body
    (variant,) = body["variants"]
    source = (render.directory / "campaigns/notice/default.j2").read_text(encoding="utf-8")
    assert variant["source"] == source
    (version,) = variant["history"]
    assert version["number"] == 1 and version["author"] == "repository" and version["status"] == "approved"
    assert version["current"] and version["messages"] == 1 and version["version"] == variant["version"]

    status, body = await api.call("GET", "/api/v1/templates/campaigns/no_such_thing")
    assert status == 404 and "no_such_thing" in body["error"]


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


async def test_a_changed_template_file_gets_a_second_version(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    _write(folder, "greeting/default.j2", "您好，{{ name }}。\n")
    _write(folder, "greeting/hnw.j2", "尊敬的{{ name }}，您好。\n")
    _write(folder, "help/staff.j2", "帮助\n")
    _write(folder, "help/customer.j2", "客户帮助\n")
    files = {f.path: f for f in scan(folder)}
    assert files["greeting/hnw.j2"].name == "greeting" and files["greeting/hnw.j2"].variant == "hnw"
    assert files["help/staff.j2"].name == "help/staff" and files["help/staff.j2"].variant is None

    async with open_database(f"sqlite+aiosqlite:///{tmp_path}/h.sqlite3", migrate=True) as db:
        first = await sync_templates(db, folder)
        assert (first.new_templates, first.new_versions) == (4, 4)
        again = await sync_templates(db, folder)
        assert (again.new_templates, again.new_versions) == (0, 0)  # a restart adds nothing

        old = Renderer(folder).version("greeting/default.j2")
        _write(folder, "greeting/default.j2", "您好，{{ name }}！欢迎回来。\n")
        assert (await sync_templates(db, folder)).new_versions == 1

        detail = await template_detail(db, folder, "greeting")
        assert detail is not None
        default = next(v for v in detail["variants"] if v["variant"] == "default")
        assert [h["number"] for h in default["history"]] == [2, 1]
        assert [h["current"] for h in default["history"]] == [True, False]
        assert default["history"][1]["version"] == old
        assert default["history"][0]["version"] == content_hash((folder / "greeting/default.j2").read_bytes())

        (folder / "help/customer.j2").unlink()
        assert (await sync_templates(db, folder)).retired == 1
        async with db() as session:
            versions = (await session.execute(select(func.count()).select_from(TemplateVersion))).scalar_one()
            active = (
                await session.execute(
                    select(ContentTemplate.active).where(ContentTemplate.key == "help/customer.j2")
                )
            ).scalar_one()
            log = (await session.execute(select(ChangeEntry).order_by(ChangeEntry.id))).scalars().all()
        assert versions == 5 and active is False  # the history stays; the row is marked inactive
        assert [(e.actor, e.action, e.object_id) for e in log] == [
            ("deploy:repository", "template.version", "greeting/default.j2"),
            ("deploy:repository", "template.retire", "help/customer.j2"),
        ]  # first versions begin the history; later ones are changes
        assert log[0].detail == {"version": 2, "hash": default["history"][0]["version"]}


async def test_a_promise_is_found_in_every_segment_and_a_clean_text_has_none(api: ApiCaller) -> None:
    status, body = await api.call(
        "POST", "/api/v1/previews", role="operations", json={"template": "notice", "variables": PROMISE}
    )
    assert status == 200, body
    assert body["template"] == "campaigns/notice" and body["passed"] is False
    assert [s["segment"] for s in body["segments"]] == ["long_tail", "affluent", "hnw"]
    for segment in body["segments"]:
        assert "保本保收益" in segment["text"]
        rules = {f["rule"] for f in segment["findings"] if f["severity"] == "block"}
        assert {"promise.principal", "promise.return"} <= rules, segment["findings"]
        excerpts = "".join(f["excerpt"] for f in segment["findings"])
        assert "保本" in excerpts and "稳赚" in excerpts

    status, body = await api.call(
        "POST",
        "/api/v1/previews",
        role="reviewer",
        json={"template": "campaigns/notice", "variables": CLEAN, "segments": ["hnw", "staff"]},
    )
    assert status == 200, body
    assert body["passed"] is True
    assert [s["segment"] for s in body["segments"]] == ["hnw", "staff"]
    assert all(s["findings"] == [] and "9:00-16:00" in s["text"] for s in body["segments"])


async def test_preview_validation_names_the_field(api: ApiCaller) -> None:
    cases = [
        ({"template": "no_such_template", "variables": CLEAN}, "template"),
        ({"template": "campaigns/card"}, "template"),  # not a kind of its own
        ({"template": "notice", "variables": {"title": "只有标题"}}, "variables"),
        ({"template": "notice", "variables": CLEAN, "segments": ["vip"]}, "segments.0"),
        ({"template": "notice", "variables": CLEAN, "product_code": "999999"}, "product_code"),
        ({"template": "notice", "variables": CLEAN, "colour": "red"}, "colour"),
        ({"variables": CLEAN}, "template"),
    ]
    for body, field in cases:
        status, answer = await api.call("POST", "/api/v1/previews", json=body)
        assert status == 400 and answer.get("field") == field, (body, answer)


async def _reachable(api: ApiCaller, tier: str, manager: str | None = None) -> set[str]:
    statement = (
        select(Customer.external_userid)
        .join(
            CustomerManager,
            (CustomerManager.external_userid == Customer.external_userid)
            & (CustomerManager.userid == Customer.rm_userid),
        )
        .where(
            Customer.tier == tier,
            Customer.removed_at.is_(None),
            CustomerManager.removed_at.is_(None),
            Customer.opt_out.is_(False),
        )
    )
    if manager:
        statement = statement.where(Customer.rm_userid == manager)
    async with api.stack.service[keys.DB]() as session:
        return set((await session.execute(statement)).scalars())


async def test_an_audience_preview_counts_what_the_database_holds(api: ApiCaller) -> None:
    hnw = await _reachable(api, "hnw")
    assert hnw
    opted_out = sorted(hnw)[0]
    async with api.stack.service[keys.DB]() as session:
        await session.execute(
            update(Customer).where(Customer.external_userid == opted_out).values(opt_out=True)
        )
        await session.commit()

    spec = {"audience": {"segments": ["hnw"], "chat_type": "single"}}
    status, body = await api.call("POST", "/api/v1/audiences/preview", role="operations", json=spec)
    assert status == 200, body
    assert body["customers"]["total"] == len(hnw) - 1
    assert body["customers"]["by_segment"] == {"long_tail": 0, "affluent": 0, "hnw": len(hnw) - 1}
    assert body["groups"]["total"] == 0 and body["staff"] == 0
    assert body["skipped"]["opt_out"] == 1 and body["skipped_examples"]["opt_out"] == [opted_out]
    assert body["tasks"] == body["managers"] >= 1  # one task per manager for one segment

    status, groups = await api.call(
        "POST", "/api/v1/audiences/preview", json={"audience": {"chat_type": "group", "staff": ["@rm"]}}
    )
    async with api.stack.service[keys.DB]() as session:
        live = (
            await session.execute(
                select(func.count())
                .select_from(CustomerGroup)
                .where(CustomerGroup.dismissed_at.is_(None), CustomerGroup.owner_userid != "")
            )
        ).scalar_one()
    assert status == 200 and groups["groups"]["total"] == live and groups["customers"]["total"] == 0
    assert groups["staff"] == 6  # the synthetic corp's relationship managers

    manager = await api.browser("rm_zhangwei")
    status, mine = await manager.call("POST", "/api/v1/audiences/preview", spec)
    assert status == 200, mine
    assert mine["customers"]["total"] == len(await _reachable(api, "hnw", "rm_zhangwei"))
    assert mine["audience"]["managers"] == ["rm_zhangwei"]  # a manager only ever previews their own


async def test_audience_preview_validation_names_the_field(api: ApiCaller) -> None:
    cases = [
        ({"audience": {"segments": ["vip"]}}, "audience.segments"),
        ({"audience": {"chat_type": "everyone"}}, "audience.chat_type"),
        ({"audience": {"colour": ["red"]}}, "audience.colour"),
        ({}, "audience"),
        ({"audience": {}, "product_code": "999999"}, "product_code"),
    ]
    for body, field in cases:
        status, answer = await api.call("POST", "/api/v1/audiences/preview", json=body)
        assert status == 400 and answer.get("field") == field, (body, answer)


async def test_the_schedule_of_a_holiday_and_of_a_trading_day(api: ApiCaller) -> None:
    status, holiday = await api.call("GET", "/api/v1/schedules?day=2026-02-16", role="manager")
    assert status == 200, holiday
    assert holiday["trading_day"] is False and "春节" in holiday["holiday"]
    slots = {s["slot"]: s for s in holiday["slots"]}
    assert [s["time"] for s in holiday["slots"]] == ["08:00", "11:35", "15:30", "20:00"]
    assert slots["morning_report"]["runs_today"] is False and slots["morning_report"]["state"] == "not_today"
    assert slots["evening_notes"]["runs_today"] is True  # every day, holidays too
    assert slots["morning_report"]["planned_at"] == "2026-02-16T08:00:00+08:00"

    status, workday = await api.call("GET", "/api/v1/schedules?day=2026-02-24")
    assert status == 200 and workday["trading_day"] is True
    assert all(s["runs_today"] for s in workday["slots"])

    status, quiet = await api.call("GET", "/api/v1/coverage?day=2026-02-16")
    assert status == 200 and quiet["fires"] == [] and quiet["totals"]["planned"] == 0
    assert quiet["totals"]["confirmation_rate"] is None

    status, bad = await api.call("GET", "/api/v1/schedules?day=2026-13-01")
    assert status == 400 and bad["field"] == "day"
    status, bad = await api.call("GET", "/api/v1/schedules?day=tomorrow")
    assert status == 400 and bad["field"] == "day"


async def test_a_scheduled_campaign_shows_its_next_run(api: ApiCaller) -> None:
    campaign = {
        "name": "每周服务提示",
        "template": "notice",
        "author": "ops_liuyan",
        "content_kind": "service",
        "variables": CLEAN,
        "schedule": {"kind": "cron", "cron": "0 10 * * mon-fri"},
    }
    status, created = await api.call("POST", "/api/v1/campaigns", role="operations", json=campaign)
    assert status == 201, created
    ref = created["id"]
    status, _ = await api.call("POST", f"/api/v1/campaigns/{ref}/submit", role="operations", json={})
    status, approved = await api.call(
        "POST", f"/api/v1/campaigns/{ref}/approve", role="reviewer", json={"by": "cmp_zhouqi"}
    )
    assert status == 200 and approved["status"] == "scheduled", approved
    status, body = await api.call("GET", "/api/v1/schedules")
    assert status == 200
    (listed,) = [c for c in body["campaigns"] if c["id"] == ref]
    assert listed["schedule"]["kind"] == "cron" and listed["next_run"].endswith("+08:00")
    assert "T10:00:00" in listed["next_run"]


PLANNED = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


@pytest.mark.parametrize(
    ("runs", "enabled", "now_offset", "created_offset", "expected"),
    [
        (True, True, -1, -48, "upcoming"),
        (True, True, 1, -48, "missed"),
        (True, True, 1, 0.5, "before_schedule"),  # the schedule row came after the slot's time
        (False, True, 1, -48, "not_today"),
        (None, True, 1, -48, "unknown_day"),
        (True, False, 1, -48, "disabled"),
    ],
)
def test_a_slot_without_a_fire_is_described_by_the_day_and_the_clock(
    runs: bool | None, enabled: bool, now_offset: float, created_offset: float, expected: str
) -> None:
    now = PLANNED + timedelta(hours=now_offset)
    created = PLANNED + timedelta(hours=created_offset)
    assert slot_state(runs, enabled, None, PLANNED, now, created) == expected


async def test_a_fired_slot_shows_its_coverage(api: ApiCaller) -> None:
    inputs = tomllib.loads(
        (PROJECT_ROOT / "config" / "market_inputs.example.toml").read_text(encoding="utf-8")
    )
    day = {"day": "2026-11-27", "slot": "morning_report", "inputs": inputs}  # a Friday, a trading day
    status, body = await api.call("POST", "/api/v1/market_inputs", role="operations", json=day)
    assert status == 201, body
    intended = datetime(2026, 11, 27, 8, 0, tzinfo=SHANGHAI)
    result = await api.stack.service[keys.SCHEDULER].pipeline.run("slot:morning_report", intended)
    assert result is not None and result.staff == 6  # the report goes to every relationship manager

    status, body = await api.call("GET", "/api/v1/schedules?day=2026-11-27")
    assert status == 200, body
    slots = {s["slot"]: s for s in body["slots"]}
    fired = slots["morning_report"]
    assert fired["state"] in ("running", "fired") and fired["fire_id"]
    assert fired["coverage"]["planned"] == 6 and fired["coverage"]["tasks_created"] == 0
    assert slots["midday_brief"]["state"] == "before_schedule"  # the schedule rows began today

    status, cov = await api.call("GET", "/api/v1/coverage?day=2026-11-27")
    (fire,) = cov["fires"]
    assert fire["kind"] == "slot" and fire["label"] == "财经早报" and fire["planned"] == 6
    assert fire["intended_at"] == intended.astimezone(UTC).isoformat()
