"""Customer and group pages in the console, signed in through WeCom as operations staff and as a manager."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot import keys
from bot.db.models import Customer, CustomerGroup, CustomerManager
from tests.api.conftest import MANAGER, ApiCaller, SignedIn


async def _get(who: SignedIn, path: str) -> tuple[int, str]:
    async with who.http.get(who.base + path) as resp:
        return resp.status, await resp.text()


async def _own(api: ApiCaller, userid: str) -> list[Customer]:
    async with api.stack.service[keys.DB]() as session:
        statement = (
            select(Customer)
            .join(CustomerManager, CustomerManager.external_userid == Customer.external_userid)
            .where(CustomerManager.userid == userid)
            .order_by(Customer.external_userid)
        )
        return list((await session.execute(statement)).scalars())


async def test_operations_search_and_page_through_customers(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    status, html = await _get(ops, "/console/customers")
    assert status == 200
    assert "<h1>客户</h1>" in html and "共 60 条" in html and "第 1–50 条" in html
    assert 'rel="next" href="/console/customers?offset=50"' in html
    status, html = await _get(ops, "/console/customers?offset=50")
    assert "第 51–60 条" in html and 'rel="prev"' in html

    someone = (await _own(api, "rm_lina"))[0]
    status, html = await _get(ops, f"/console/customers?q={someone.name}&segment={someone.tier}")
    assert status == 200 and f"/console/customers/{someone.external_userid}" in html
    assert f'<option value="{someone.tier}" selected>' in html

    status, html = await _get(ops, "/console/customers?q=无此客户")
    assert status == 200 and "暂无数据" in html
    status, html = await _get(ops, "/console/customers?limit=abc&offset=-5")
    assert status == 200 and "共 60 条" in html  # a mistyped number falls back to the default


async def test_customer_detail_page_shows_holdings_managers_and_groups(api: ApiCaller) -> None:
    ops = await api.browser("ops_liuyan")
    customer = (await _own(api, MANAGER))[0]
    status, html = await _get(ops, f"/console/customers/{customer.external_userid}")
    assert status == 200
    assert f"<h1>{customer.name}</h1>" in html
    for heading in ("持仓", "理财经理", "标签", "所在客户群", "最近消息"):
        assert f"<h2>{heading}" in html
    assert 'id="holdings"' in html and "示例" in html  # synthetic fund names
    assert "张伟" in html  # the manager, by name

    status, html = await _get(ops, "/console/customers/wm_nobody")
    assert status == 404 and "不存在" in html


async def test_a_manager_sees_only_their_own_customers_in_the_console(api: ApiCaller) -> None:
    zhangwei = await api.browser(MANAGER)
    own = await _own(api, MANAGER)
    status, html = await _get(zhangwei, "/console/customers")
    assert status == 200 and "仅显示您服务的客户" in html and f"共 {len(own)} 条" in html
    listed = set(re.findall(r'href="/console/customers/([^"?]+)"', html))
    assert listed == {c.external_userid for c in own}

    other = (await _own(api, "rm_lina"))[0]
    status, html = await _get(zhangwei, f"/console/customers/{other.external_userid}")
    assert status == 404 and "不在您的可见范围内" in html and other.name not in html
    status, html = await _get(zhangwei, f"/console/customers/{own[0].external_userid}")
    assert status == 200 and own[0].name in html


async def test_group_pages_for_operations_and_for_the_owner(api: ApiCaller) -> None:
    async with api.stack.service[keys.DB]() as session:
        groups = list((await session.execute(select(CustomerGroup).order_by(CustomerGroup.name))).scalars())
    ops = await api.browser("ops_liuyan")
    status, html = await _get(ops, "/console/groups")
    assert status == 200 and "<h1>客户群</h1>" in html and "共 10 条" in html
    assert all(g.name in html for g in groups)

    mine = next(g for g in groups if g.owner_userid == MANAGER)
    theirs = next(g for g in groups if g.owner_userid != MANAGER)
    status, html = await _get(ops, f"/console/groups/{mine.chat_id}")
    assert status == 200 and f"<h1>{mine.name}</h1>" in html and "群成员" in html
    assert "员工" in html and "客户" in html and "/console/customers/" in html

    zhangwei = await api.browser(MANAGER)
    status, html = await _get(zhangwei, "/console/groups")
    assert mine.name in html and theirs.name not in html
    status, html = await _get(zhangwei, f"/console/groups/{theirs.chat_id}")
    assert status == 404
    status, html = await _get(zhangwei, f"/console/groups/{mine.chat_id}")
    assert status == 200
    # Links only to customers the manager may open.
    own = {c.external_userid for c in await _own(api, MANAGER)}
    assert set(re.findall(r'href="/console/customers/([^"]+)"', html)) <= own
