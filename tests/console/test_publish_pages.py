"""内容发布: event commentary is checked before it leaves; market inputs typed in percent are stored right."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot import keys
from bot.db.models import ChangeEntry, MarketInput, Outbox
from tests.api.conftest import ApiCaller


async def _outbox_rows(api: ApiCaller) -> int:
    async with api.stack.service[keys.DB]() as session:
        return (await session.execute(select(func.count()).select_from(Outbox))).scalar_one()


async def test_commentary_with_a_promise_is_stopped_with_its_finding(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    before = await _outbox_rows(api)
    status, _, page = await ops.submit(
        "/console/publish/commentary",
        {
            "title": "央行降准",
            "comment": "利好落地，持有我行基金稳赚不赔。",
            "kind": "policy",
            "chat_type": "group",
        },
    )
    assert status == 422 and 'class="finding"' in page and "合规检查未通过" in page
    assert "稳赚不赔" in page  # what was typed is kept for the fix
    assert await _outbox_rows(api) == before  # nothing queued


async def test_clean_commentary_is_queued_and_logged(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, _, page = await ops.submit(
        "/console/publish/commentary",
        {
            "title": "央行降准",
            "comment": "央行宣布下调存款准备金率0.25个百分点，释放中长期流动性。",
            "chat_type": "group",
        },
    )
    assert status == 200 and "事件点评已排入发送" in page
    assert await _outbox_rows(api) > 0
    async with api.stack.service[keys.DB]() as session:
        actors = (
            (await session.execute(select(ChangeEntry.actor).where(ChangeEntry.action == "commentary.post")))
            .scalars()
            .all()
        )
    assert actors == ["wecom:ops_liuyan"]


async def test_market_inputs_in_percent_are_stored_as_decimals(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    form = {
        "day": "2026-12-01",
        "slot": "morning_report",
        "theme": "（测试）年末流动性平稳",
        "index_name_0": "上证指数",
        "index_close_0": "3352.18",
        "index_change_0": "0.62",
        "index_name_1": "深证成指",
        "index_close_1": "10876.40",
        "index_change_1": "-0.18%",
        "news_title_0": "（测试）央行开展逆回购操作",
    }
    status, _, page = await ops.submit("/console/publish/market_inputs", form)
    assert status == 200 and "市场数据已保存" in page
    async with api.stack.service[keys.DB]() as session:
        row = (
            await session.execute(select(MarketInput).where(MarketInput.day == date(2026, 12, 1)))
        ).scalar_one()
    assert row.slot == "morning_report" and row.posted_by == "ops_liuyan"
    assert "财经早报的市场数据已保存" in page
    assert [(i["name"], i["change"]) for i in row.data["indices"]] == [
        ("上证指数", 0.0062),
        ("深证成指", -0.0018),
    ]
    assert row.data["news"] == [{"title": "（测试）央行开展逆回购操作"}]

    status, _, page = await ops.submit("/console/publish/market_inputs", {**form, "index_close_0": "三千点"})
    assert status == 400 and "请填写数字" in page
    assert 'value="（测试）年末流动性平稳"' in page and 'value="三千点"' in page  # kept for the fix
    assert 'value="（测试）央行开展逆回购操作"' in page
    status, _, page = await ops.submit("/console/publish/market_inputs", {**form, "index_change_0": "35"})
    assert status == 400 and "change" in page  # 35% is a typo, not a day's move


async def test_only_operations_and_admins_publish(api: ApiCaller) -> None:
    for userid in ("cmp_zhouqi", "rm_zhangwei"):
        member = await api.browser(userid)
        async with member.http.get(member.base + "/console/publish") as resp:
            assert resp.status == 403
