"""The resumable full sync from WeCom (``wecombot sync``); incremental updates are in :mod:`bot.db.sync`.

Full sync (``wecombot sync``): corp tags -> members with customer-contact permission -> their customers
(paged by cursor, 100 members per batch) -> customer groups (paged) with each group re-fetched. Tags go
first so customers' tags can reference them. A checkpoint row (``sync_checkpoints``) is written after
every page, so a crash or a rate limit resumes at the page it stopped; a ``RetryLater`` answer waits its
``retry_after`` and retries the same page. Rows changed by a callback after the page was fetched are not
overwritten with the older page. At the end, relations and groups the run did not see are marked removed.

Incremental updates are called by the callback handlers (customer/group/tag events) and by code that
changes WeCom through the API (WeCom sends no callback for our own changes, e.g. ``mark_tag``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import people_repo
from bot.db.base import utcnow
from bot.db.models import CustomerGroup, CustomerManager, Staff, SyncCheckpoint
from bot.state import LOCK, StateStore
from bot.wecom.errors import RetryLater

log = logging.getLogger("wecombot.sync")
Json = dict[str, Any]
PHASES = ("tags", "members", "customers", "groups", "finish", "done")
BATCH = 100


class SyncClient(Protocol):
    """The part of ``bot.wecom.client.WeComClient`` the sync uses."""

    async def get_follow_user_list(self) -> list[str]: ...
    async def batch_get_external_contacts(
        self, userid_list: list[str], cursor: str = "", limit: int = 100
    ) -> Json: ...
    async def get_external_contact(self, external_userid: str) -> Json: ...
    async def get_corp_tag_list(self, tag_ids: Any = None, group_ids: Any = None) -> list[Json]: ...
    async def list_group_chats(
        self, owner_userids: Any = None, cursor: str = "", limit: int = 100, status_filter: int = 0
    ) -> Json: ...
    async def get_group_chat(self, chat_id: str, need_name: bool = True) -> Json: ...


class SyncBusy(RuntimeError):
    """Another instance is running a full sync."""


@dataclass
class SyncReport:
    resumed: bool = False
    members: int = 0
    relations: int = 0
    groups: int = 0
    tags: int = 0
    skipped_newer: int = 0
    removed_relations: int = 0
    dismissed_groups: int = 0
    retries: int = 0


def _ts(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def tag_ids(follow: Json) -> list[str]:
    if "tag_id" in follow:
        return [str(tag) for tag in follow["tag_id"]]
    return [str(tag["tag_id"]) for tag in follow.get("tags", []) if int(tag.get("type", 1)) == 1]


async def store_contact(session: AsyncSession, contact: Json, follow: Json, seen_at: datetime) -> bool:
    """Store one (customer, follower) pair from WeCom; False when a newer local change wins."""
    external_userid, userid = contact["external_userid"], follow["userid"]
    query = select(CustomerManager).where(
        CustomerManager.external_userid == external_userid, CustomerManager.userid == userid
    )
    existing = (await session.execute(query)).scalar_one_or_none()
    if existing is not None and existing.updated_at > seen_at and existing.removed_at is not None:
        return False  # a delete event arrived after this page was fetched
    await people_repo.ensure_customer(
        session,
        external_userid,
        name=contact.get("name", ""),
        gender=int(contact.get("gender", 0)),
        contact_type=int(contact.get("type", 1)),
        unionid=contact.get("unionid"),
        corp_name=contact.get("corp_name"),
    )
    await people_repo.follow(
        session,
        external_userid,
        userid,
        state=follow.get("state", ""),
        remark=follow.get("remark", ""),
        description=follow.get("description", ""),
        add_way=follow.get("add_way"),
        added_at=_ts(follow.get("createtime")),
        synced_at=utcnow(),
    )
    await people_repo.change_customer_tags(session, external_userid, add=tag_ids(follow), userid=userid)
    return True


async def store_group(session: AsyncSession, chat: Json) -> CustomerGroup:
    """Store a ``groupchat/get`` answer: the group and exactly its member list."""
    members = [
        {
            "member_id": member["userid"],
            "member_type": int(member.get("type", 2)),
            "name": member.get("name", "") or member.get("group_nickname", ""),
            "join_time": _ts(member.get("join_time")),
            "join_scene": member.get("join_scene"),
        }
        for member in chat.get("member_list", [])
    ]
    values = {
        "name": chat.get("name", ""),
        "owner_userid": chat.get("owner", ""),
        "notice": chat.get("notice", "") or "",
        "wecom_created_at": _ts(chat.get("create_time")),
    }
    return await people_repo.replace_group(session, chat["chat_id"], values, members)


class FullSync:
    """One resumable full sync run; use :func:`full_sync`."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: SyncClient,
        *,
        name: str,
        sleep: Callable[[float], Awaitable[None]],
        max_retries: int,
        page_size: int,
    ) -> None:
        self.sessionmaker, self.client, self.name = sessionmaker, client, name
        self.sleep, self.max_retries, self.page_size = sleep, max_retries, page_size
        self.report = SyncReport()

    async def _call(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Call WeCom; on RetryLater wait as told and try again (the checkpoint is already saved)."""
        for attempt in range(self.max_retries + 1):
            try:
                return await fn(*args, **kwargs)
            except RetryLater as exc:
                if attempt == self.max_retries:
                    raise
                self.report.retries += 1
                log.info("sync: %s answered %s, waiting %.1fs", exc.path, exc.errcode, exc.retry_after)
                await self.sleep(max(exc.retry_after, 0.0))
        raise AssertionError("unreachable")

    async def _checkpoint(self, session: AsyncSession) -> SyncCheckpoint:
        row = await session.get(SyncCheckpoint, self.name)
        if row is None or row.phase == "done":
            if row is not None:
                await session.delete(row)
                await session.flush()
            row = SyncCheckpoint(name=self.name, phase="tags", position={}, run_started_at=utcnow())
            session.add(row)
            await session.flush()
        else:
            self.report.resumed = True
        return row

    async def run(self) -> SyncReport:
        async with self.sessionmaker() as session, session.begin():
            checkpoint = await self._checkpoint(session)
            phase, started = checkpoint.phase, checkpoint.run_started_at
        while phase != "done":
            await getattr(self, f"_phase_{phase}")(started)
            async with self.sessionmaker() as session:
                checkpoint = await session.get(SyncCheckpoint, self.name)
                assert checkpoint is not None
                phase = checkpoint.phase
        return self.report

    async def _advance(self, session: AsyncSession, phase: str, position: Json | None = None) -> None:
        checkpoint = await session.get(SyncCheckpoint, self.name)
        assert checkpoint is not None
        checkpoint.phase, checkpoint.position = phase, dict(position or {})
        if phase == "done":
            checkpoint.finished_at = utcnow()

    async def _phase_tags(self, started: datetime) -> None:
        groups = await self._call(self.client.get_corp_tag_list)
        async with self.sessionmaker() as session, session.begin():
            await people_repo.replace_corp_tags(session, groups)
            self.report.tags = sum(len(group.get("tag", [])) for group in groups)
            await self._advance(session, "members")

    async def _phase_members(self, started: datetime) -> None:
        userids = sorted(await self._call(self.client.get_follow_user_list))
        async with self.sessionmaker() as session, session.begin():
            for userid in userids:
                await people_repo.ensure_staff(session, userid, can_contact_customers=True, active=True)
            await session.execute(
                update(Staff).where(Staff.userid.not_in(userids)).values(can_contact_customers=False)
            )
            self.report.members = len(userids)
            await self._advance(session, "customers", {"members": userids, "batch": 0, "cursor": ""})

    async def _phase_customers(self, started: datetime) -> None:
        while True:
            async with self.sessionmaker() as session:
                checkpoint = await session.get(SyncCheckpoint, self.name)
                assert checkpoint is not None
                position = dict(checkpoint.position)
            members, batch, cursor = position["members"], position["batch"], position["cursor"]
            chunk = members[batch * BATCH : (batch + 1) * BATCH]
            if not chunk:
                async with self.sessionmaker() as session, session.begin():
                    await self._advance(session, "groups", {"cursor": ""})
                return
            fetched_at = utcnow()
            page = await self._call(
                self.client.batch_get_external_contacts, chunk, cursor=cursor, limit=self.page_size
            )
            async with self.sessionmaker() as session, session.begin():
                for item in page.get("external_contact_list", []):
                    if await store_contact(
                        session, item["external_contact"], item["follow_info"], fetched_at
                    ):
                        self.report.relations += 1
                    else:
                        self.report.skipped_newer += 1
                next_cursor = page.get("next_cursor", "")
                position = {**position, "cursor": next_cursor, "batch": batch if next_cursor else batch + 1}
                await self._advance(session, "customers", position)

    async def _phase_groups(self, started: datetime) -> None:
        while True:
            async with self.sessionmaker() as session:
                checkpoint = await session.get(SyncCheckpoint, self.name)
                assert checkpoint is not None
                cursor = checkpoint.position.get("cursor", "")
            page = await self._call(self.client.list_group_chats, cursor=cursor, limit=self.page_size)
            for entry in page.get("group_chat_list", []):
                fetched_at = utcnow()
                chat = await self._call(self.client.get_group_chat, entry["chat_id"])
                async with self.sessionmaker() as session, session.begin():
                    group = await session.get(CustomerGroup, entry["chat_id"])
                    if (
                        group is not None
                        and group.dismissed_at is not None
                        and group.dismissed_at > fetched_at
                    ):
                        self.report.skipped_newer += 1
                        continue
                    group = await store_group(session, chat)
                    group.status = int(entry.get("status", 0))
                    self.report.groups += 1
            next_cursor = page.get("next_cursor", "")
            async with self.sessionmaker() as session, session.begin():
                await self._advance(session, "groups" if next_cursor else "finish", {"cursor": next_cursor})
            if not next_cursor:
                return

    async def _phase_finish(self, started: datetime) -> None:
        """What the run did not see is gone from WeCom (removed while no callback reached us)."""
        async with self.sessionmaker() as session, session.begin():
            members = (
                await session.execute(select(Staff.userid).where(Staff.can_contact_customers))
            ).scalars()
            stale = await session.execute(
                select(CustomerManager).where(
                    CustomerManager.userid.in_(list(members)),
                    CustomerManager.removed_at.is_(None),
                    (CustomerManager.synced_at.is_(None)) | (CustomerManager.synced_at < started),
                    CustomerManager.updated_at < started,
                )
            )
            for relation in stale.scalars().all():
                await people_repo.unfollow(session, relation.external_userid, relation.userid, "member")
                self.report.removed_relations += 1
            groups = await session.execute(
                select(CustomerGroup).where(
                    CustomerGroup.dismissed_at.is_(None),
                    (CustomerGroup.synced_at.is_(None)) | (CustomerGroup.synced_at < started),
                )
            )
            for group in groups.scalars().all():
                await people_repo.dismiss_group(session, group.chat_id)
                self.report.dismissed_groups += 1
            await self._advance(session, "done")


async def full_sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: SyncClient,
    state: StateStore,
    *,
    name: str = "wecom",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    max_retries: int = 5,
    page_size: int = 100,
    lease_seconds: float = 3600.0,
) -> SyncReport:
    """Run (or resume) the full sync; one instance at a time (SyncBusy otherwise)."""
    owner, key = secrets.token_hex(8), LOCK + f"sync:{name}"
    if not await state.acquire(key, owner, lease_seconds):
        raise SyncBusy(f"a full sync {name!r} is already running on another instance")
    try:
        return await FullSync(
            sessionmaker, client, name=name, sleep=sleep, max_retries=max_retries, page_size=page_size
        ).run()
    finally:
        await state.release(key, owner)
