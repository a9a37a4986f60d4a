"""The dashboard, template and journey pages render for the roles that may read them, in Chinese, with
what the API says (slots, the chart, version history, counts per step), and without any script."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot import keys
from bot.console.charts import nice_ceiling, stacked_bars
from bot.content import Renderer
from bot.db.models import MassTask, Outbox
from bot.queries.previews import sample_renderings
from bot.queries.templates import catalogue
from tests.api.conftest import ApiCaller


async def _get(session: object, api: ApiCaller, path: str) -> tuple[int, str]:
    async with session.http.get(api.stack.service_url + path) as resp:  # type: ignore[attr-defined]
        return resp.status, await resp.text()


async def _sent_yesterday_and_today(api: ApiCaller) -> None:
    now = datetime.now(UTC)
    async with api.stack.service[keys.DB]() as session:
        for i, (status, ago) in enumerate((("sent", 0), ("sent", 0), ("failed", 0), ("sent", 1))):
            session.add(
                Outbox(
                    idempotency_key=f"page|{i}",
                    channel="app_message",
                    target="ops_liuyan",
                    payload={},
                    rendered_text=f"测试消息 {i}",
                    status=status,
                    created_at=now - timedelta(days=ago, minutes=i),
                )
            )
        await session.commit()


async def test_the_dashboard_shows_slots_campaigns_rate_and_a_chart(api: ApiCaller) -> None:
    await _sent_yesterday_and_today(api)
    for member in ("ops_liuyan", "cmp_zhouqi"):
        browser = await api.browser(member)
        status, html = await _get(browser, api, "/console/")
        assert status == 200, html
        assert "<h1>总览</h1>" in html and "今日内容栏目" in html
        for label in ("财经早报", "午间快讯", "收盘点评", "理财笔记"):
            assert label in html
        assert 'id="confirmation-rate"' in html and "群发任务确认率" in html
        assert "<script" not in html  # the chart is SVG drawn on the server
        svg = re.search(r'<svg class="chart" id="deliveries-chart".*?</svg>', html, re.S)
        assert svg, "no chart"
        bars = re.findall(r'<g class="bar" data-day="([\d-]+)" data-total="(\d+)"', svg.group(0))
        assert len(bars) == 14 and sum(int(total) for _, total in bars) == 4
        assert "<title>" in svg.group(0) and "已发送" in svg.group(0)
        assert 'id="chart-legend"' in html and "失败" in html
        assert 'id="daily-table"' in html  # the numbers as a table too


async def test_a_manager_sees_their_own_numbers(api: ApiCaller) -> None:
    await _sent_yesterday_and_today(api)  # messages to ops_liuyan: not the manager's
    manager = await api.browser("rm_zhangwei")
    status, html = await _get(manager, api, "/console/")
    assert status == 200 and "仅统计与您和您的客户有关的消息" in html
    assert 'id="chart-empty"' in html and "暂无数据" in html
    assert 'id="waiting-tasks"' not in html

    async with api.stack.service[keys.DB]() as session, session.begin():  # a task waits for them
        session.add(MassTask(msgid="msg-waiting", sender="rm_zhangwei", status="created", target_count=3))
        session.add(MassTask(msgid="msg-other", sender="rm_lina", status="created", target_count=2))
    status, html = await _get(manager, api, "/console/")
    link = re.search(r'<a id="waiting-tasks" href="([^"]+)">([^<]+)</a>', html)
    assert link and link.group(1) == "/console/deliveries?channel=mass_task&amp;task=created"
    assert link.group(2).startswith("1 个任务待您确认")  # theirs only, not rm_lina's


async def test_template_pages_show_source_samples_and_history(api: ApiCaller) -> None:
    browser = await api.browser("rm_lina")  # every role may read the templates
    status, html = await _get(browser, api, "/console/templates?area=slots")
    assert status == 200, html
    assert "<h1>内容模板</h1>" in html and 'href="/console/templates/slots/morning_report"' in html
    assert "campaigns/notice" not in html  # filtered by area

    status, html = await _get(browser, api, "/console/templates/slots/morning_report")
    assert status == 200, html
    assert 'id="template-name">slots/morning_report' in html
    assert html.count('<pre class="source">') == 4  # long_tail, affluent, hnw, staff
    assert "{{" in html and "<script" not in html  # sources shown as text, escaped
    phones = re.findall(r'<div class="phone" data-segment="(\w+)">', html)
    assert phones == ["long_tail", "affluent", "hnw", "staff"]
    assert "上证指数" in html  # rendered with the example market inputs
    assert html.count('class="badge approved">当前</span>') == 4 and "代码仓库" in html

    status, html = await _get(browser, api, "/console/templates/campaigns/notice")
    assert status == 200 and html.count('<div class="phone"') == 3
    assert "〔title〕" in html  # a value only the campaign supplies

    status, html = await _get(browser, api, "/console/templates/nothing/here")
    assert status == 404 and "不存在" in html


async def test_journey_pages_show_counts_per_step(api: ApiCaller) -> None:
    status, body = await api.call(
        "POST",
        "/api/v1/events",
        role="operations",
        json={
            "event_id": "page-purchase-1",
            "type": "purchase",
            "external_userid": await _a_customer(api),
            "data": {"fund_code": "000001", "amount": 10000},
        },
    )
    assert status == 202, body
    browser = await api.browser("ops_sunhao")
    status, html = await _get(browser, api, "/console/journeys")
    assert status == 200, html
    assert "<h1>客户旅程</h1>" in html and "产品陪伴" in html and "新客投教" in html
    row = re.search(
        r'<table class="steps" data-journey="product_companion">.*?<tr data-step="d1_confirm">(.*?)</tr>',
        html,
        re.S,
    )
    assert row and '<td class="customers-now">1</td>' in row.group(1)

    status, html = await _get(browser, api, "/console/journeys/product_companion")
    assert status == 200 and 'id="journey-name">产品陪伴' in html
    assert "config/journeys/product.toml" in html and 'id="recent"' in html
    assert 'href="/console/templates/companion/product/d1"' in html

    status, html = await _get(browser, api, "/console/journeys/nope")
    assert status == 404 and "不存在" in html


async def _a_customer(api: ApiCaller) -> str:
    from sqlalchemy import select

    from bot.db.models import Customer

    async with api.stack.service[keys.DB]() as session:
        statement = (
            select(Customer.external_userid)
            .where(Customer.rm_userid.is_not(None), Customer.removed_at.is_(None))
            .order_by(Customer.external_userid)
        )
        return str((await session.execute(statement)).scalars().first())


def test_bars_stack_by_status_and_scale_to_a_round_top() -> None:
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 230)] == [1, 1, 5, 10, 10, 20, 500]
    days = [
        {"day": "2026-11-29", "counts": {"sent": 6, "failed": 2, "blocked": 0}, "total": 8},
        {"day": "2026-11-30", "counts": {"sent": 0, "failed": 0, "blocked": 0}, "total": 0},
    ]
    colors = {"sent": "#0a0", "failed": "#a00", "blocked": "#c50"}
    labels = {"sent": "已发送", "failed": "失败", "blocked": "合规拦截"}
    chart = stacked_bars(days, ("sent", "failed", "blocked"), colors, labels)
    first, empty = chart["bars"]
    assert [s["title"] for s in first["segments"]] == ["已发送 6", "失败 2"]  # sent at the bottom
    sent, failed = first["segments"]
    assert sent["y"] + sent["h"] == chart["baseline"] and failed["y"] + failed["h"] == sent["y"]
    assert round(sent["h"] / failed["h"]) == 3 and empty["segments"] == []
    assert [t["value"] for t in chart["ticks"]] == [0, 5, 10]
    assert [item["status"] for item in chart["legend"]] == ["sent", "failed"]  # no empty legend entries
    assert first["label"] == "11/29" and not chart["empty"]


async def test_an_address_that_names_nothing_gets_a_chinese_page_with_the_navigation(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    for path in ("/console/nope", "/console/campaigns/999999"):
        status, html = await _get(ops, api, path)
        assert status == 404 and "<h1>未找到</h1>" in html and 'class="menu"' in html, path


async def test_preview_skip_reasons_and_slot_notices_are_in_chinese(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, html = await ops.submit("/console/schedules/morning_report", {"enabled": "false"})
    assert status == 200 and "栏目「财经早报」已暂停" in html
    status, _, html = await ops.submit("/console/schedules/morning_report", {"enabled": "true"})
    assert "栏目「财经早报」已恢复" in html


def test_every_template_has_a_sample_rendering_without_an_error() -> None:
    """The 内容模板 page shows each template rendered with synthetic values; none should show an error."""
    render = Renderer()
    failing = [
        (name, sample["segment"], sample["error"])
        for name in catalogue(render.directory)
        for sample in sample_renderings(render, name)
        if sample["error"]
    ]
    assert failing == []
