"""Full and incremental WeCom sync against the simulator: paging, a rate limit mid-sync, resuming, races."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import sync
from bot.db.models import (
    CorpTag,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    GroupMember,
    Staff,
    SyncCheckpoint,
)
from bot.sandbox.app import create_sandbox_app, sandbox_state
from bot.sandbox.corp import SyntheticCorp, build_corp
from bot.sandbox.credentials import (
    SANDBOX_AES_KEY,
    SANDBOX_AGENT_ID,
    SANDBOX_CORP_ID,
    SANDBOX_SECRET,
    SANDBOX_TOKEN,
)
from bot.settings import WeComSettings
from bot.state import MemoryStateStore
from bot.wecom.client import RetryPolicy, WeComClient
from bot.wecom.errors import RetryLater


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Sandbox:
    def __init__(self, app: web.Application, base: str, http: aiohttp.ClientSession) -> None:
        self.app, self.base, self.http = app, base, http
        self.corp: SyntheticCorp = sandbox_state(app).corp

    async def fault(self, path: str, errcode: int, count: int = 1) -> None:
        url = self.base.replace("/cgi-bin/", "/_sandbox/faults")
        async with self.http.post(url, json={"path": path, "errcode": errcode, "count": count}) as resp:
            assert resp.status == 200, await resp.text()

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [r for r in sandbox_state(self.app).requests if r["path"].endswith(path)]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    app = create_sandbox_app(build_corp())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield Sandbox(app, str(server.make_url("/cgi-bin/")), http)
    await server.close()


@pytest.fixture
def client(sandbox: Sandbox) -> WeComClient:
    settings = WeComSettings(
        corp_id=SANDBOX_CORP_ID,
        agent_id=SANDBOX_AGENT_ID,
        secret=SANDBOX_SECRET,
        token=SANDBOX_TOKEN,
        encoding_aes_key=SANDBOX_AES_KEY,
        api_base=sandbox.base,
    )
    # One attempt: a RetryLater reaches the sync, which must wait and resume by itself.
    return WeComClient(settings, sandbox.http, MemoryStateStore(), retry=RetryPolicy(attempts=1))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type, *where: Any) -> int:
    async with sessionmaker() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(query)).scalar_one())


async def assert_matches_corp(sessionmaker: async_sessionmaker[AsyncSession], corp: SyntheticCorp) -> None:
    assert await count(sessionmaker, Customer) == len(corp.customers)
    assert await count(sessionmaker, CustomerManager, CustomerManager.removed_at.is_(None)) == len(
        corp.customers
    )
    assert await count(sessionmaker, CustomerGroup, CustomerGroup.dismissed_at.is_(None)) == len(corp.groups)
    assert await count(sessionmaker, Staff, Staff.can_contact_customers) == len(corp.rms())
    assert await count(sessionmaker, CorpTag) == sum(len(group.tags) for group in corp.tag_groups)
    group = corp.groups[0]
    async with sessionmaker() as session:
        query = select(GroupMember.member_id).where(
            GroupMember.chat_id == group.chat_id, GroupMember.member_type == 2
        )
        assert sorted((await session.execute(query)).scalars()) == sorted(group.member_external_userids)
        customer = corp.customers[0]
        relation = (
            await session.execute(
                select(CustomerManager).where(CustomerManager.external_userid == customer.external_userid)
            )
        ).scalar_one()
        assert relation.userid == customer.rm_userid and relation.state == customer.state
        tags = set(
            (
                await session.execute(
                    select(CorpTag.name)
                    .join(CustomerTag)
                    .where(CustomerTag.external_userid == customer.external_userid)
                )
            ).scalars()
        )
        assert tags == set(customer.tags)


async def test_full_sync_pages_through_everything(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    state = MemoryStateStore()
    report = await sync.full_sync(sessionmaker, client, state, page_size=7, sleep=Sleeps())
    await assert_matches_corp(sessionmaker, sandbox.corp)
    pages = sandbox.calls("externalcontact/batch/get_by_user")
    assert len(pages) >= len(sandbox.corp.customers) // 7 and any(p["body"]["cursor"] for p in pages)
    assert report.relations == len(sandbox.corp.customers) and not report.resumed
    again = await sync.full_sync(sessionmaker, client, state, page_size=50, sleep=Sleeps())
    assert not again.resumed and again.removed_relations == 0 and again.dismissed_groups == 0
    await assert_matches_corp(sessionmaker, sandbox.corp)


async def test_rate_limit_mid_sync_waits_and_resumes(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    await sandbox.fault("externalcontact/batch/get_by_user", 45009)
    sleeps = Sleeps()
    report = await sync.full_sync(sessionmaker, client, MemoryStateStore(), page_size=10, sleep=sleeps)
    assert report.retries == 1 and sleeps == [60.0]
    await assert_matches_corp(sessionmaker, sandbox.corp)


async def test_an_interrupted_sync_resumes_at_its_checkpoint(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    await sandbox.fault("externalcontact/groupchat/get", 45009, count=1)
    with pytest.raises(RetryLater):
        await sync.full_sync(sessionmaker, client, MemoryStateStore(), max_retries=0, sleep=Sleeps())
    async with sessionmaker() as session:
        checkpoint = await session.get(SyncCheckpoint, "wecom")
        assert checkpoint is not None and checkpoint.phase == "groups"
    customer_pages = len(sandbox.calls("externalcontact/batch/get_by_user"))
    report = await sync.full_sync(sessionmaker, client, MemoryStateStore(), sleep=Sleeps())
    assert report.resumed
    assert len(sandbox.calls("externalcontact/batch/get_by_user")) == customer_pages  # not fetched again
    await assert_matches_corp(sessionmaker, sandbox.corp)


async def test_a_delete_event_during_the_sync_is_not_undone(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    """The customer leaves after WeCom answered the page but before the page is stored."""
    gone = sandbox.corp.customers[0]
    real_page = client.batch_get_external_contacts

    async def page_then_event(*args: Any, **kwargs: Any) -> dict[str, Any]:
        page = await real_page(*args, **kwargs)
        if (gone.rm_userid, gone.external_userid) in sandbox_state(sandbox.app).relations:
            del sandbox_state(sandbox.app).relations[(gone.rm_userid, gone.external_userid)]
            async with sessionmaker() as session, session.begin():
                await sync.on_follow_user_deleted(session, gone.rm_userid, gone.external_userid)
        return page

    client.batch_get_external_contacts = page_then_event  # type: ignore[method-assign]
    report = await sync.full_sync(sessionmaker, client, MemoryStateStore(), sleep=Sleeps())
    assert report.skipped_newer == 1
    async with sessionmaker() as session:
        relation = (
            await session.execute(
                select(CustomerManager).where(CustomerManager.external_userid == gone.external_userid)
            )
        ).scalar_one()
        assert relation.removed_at is not None and relation.removed_by == "customer"


async def test_what_wecom_no_longer_has_is_marked_removed(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    await sync.full_sync(sessionmaker, client, MemoryStateStore(), sleep=Sleeps())
    customer, group = sandbox.corp.customers[1], sandbox.corp.groups[1]
    del sandbox_state(sandbox.app).relations[(customer.rm_userid, customer.external_userid)]
    del sandbox_state(sandbox.app).groups[group.chat_id]
    report = await sync.full_sync(sessionmaker, client, MemoryStateStore(), sleep=Sleeps())
    assert (report.removed_relations, report.dismissed_groups) == (1, 1)
    async with sessionmaker() as session:
        stored = await session.get(Customer, customer.external_userid)
        assert stored is not None and stored.removed_at is not None
        dismissed = await session.get(CustomerGroup, group.chat_id)
        assert dismissed is not None and dismissed.dismissed_at is not None


async def test_incremental_updates(
    sessionmaker: async_sessionmaker[AsyncSession], client: WeComClient, sandbox: Sandbox
) -> None:
    await sync.full_sync(sessionmaker, client, MemoryStateStore(), sleep=Sleeps())
    customer = sandbox.corp.customers[2]
    tag = sandbox.corp.tag_groups[2].tags[0]
    async with sessionmaker() as session, session.begin():
        await sync.record_tag_marked(session, customer.rm_userid, customer.external_userid, add_tag=[tag.id])
        await sync.on_contact_deleted(
            session, customer.rm_userid, customer.external_userid, "DELETE_BY_TRANSFER"
        )
        await sync.on_contact_added(session, "rm_lina", customer.external_userid, state="event_2026q4")
        await sync.on_group_dismissed(session, sandbox.corp.groups[0].chat_id)
        await sync.on_group_changed(session, client, sandbox.corp.groups[1].chat_id)
    async with sessionmaker() as session:
        link = await session.get(CustomerTag, (customer.external_userid, tag.id))
        assert link is not None
        rows = (
            (
                await session.execute(
                    select(CustomerManager).where(CustomerManager.external_userid == customer.external_userid)
                )
            )
            .scalars()
            .all()
        )
        by_user = {row.userid: row for row in rows}
        assert by_user[customer.rm_userid].removed_by == "transfer"
        assert by_user["rm_lina"].removed_at is None and by_user["rm_lina"].state == "event_2026q4"
        assert (await session.get(Customer, customer.external_userid)).removed_at is None  # type: ignore[union-attr]
        assert (
            await count(sessionmaker, GroupMember, GroupMember.chat_id == sandbox.corp.groups[0].chat_id) == 0
        )
