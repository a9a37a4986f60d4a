"""Keep the people tables in step with WeCom: incremental updates, plus the full sync entry point.

The callback handlers call these functions for customer, group and tag events; code that changes WeCom
through the API calls the ``record_*`` functions afterwards, because WeCom sends no callback for our own
changes (e.g. ``mark_tag``). Each runs in the caller's session; the caller commits. The resumable full
sync lives in :mod:`bot.db.full_sync` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_repo
from bot.db.base import utcnow
from bot.db.full_sync import SyncBusy, SyncClient, SyncReport, full_sync, store_contact, store_group, tag_ids
from bot.db.models import CustomerGroup

__all__ = [
    "SyncBusy",
    "SyncClient",
    "SyncReport",
    "full_sync",
    "on_contact_added",
    "on_contact_deleted",
    "on_contact_edited",
    "on_follow_user_deleted",
    "on_group_changed",
    "on_group_dismissed",
    "on_tags_changed",
    "record_remark",
    "record_tag_marked",
    "refresh_contact",
    "store_group",
]


async def on_contact_added(
    session: AsyncSession,
    userid: str,
    external_userid: str,
    state: str = "",
    client: SyncClient | None = None,
) -> None:
    """add_external_contact / add_half_external_contact: record the relation and its State.

    With a ``client`` the customer's profile and tags are fetched too.
    """
    await people_repo.follow(session, external_userid, userid, state=state, added_at=utcnow())
    if client is not None:
        await refresh_contact(session, client, external_userid)


async def refresh_contact(session: AsyncSession, client: SyncClient, external_userid: str) -> None:
    """Re-fetch one customer (externalcontact/get) and store profile, followers and tags."""
    data = await client.get_external_contact(external_userid)
    contact = data.get("external_contact", {"external_userid": external_userid})
    tags: set[str] = set()
    for follow in data.get("follow_user", []):
        await store_contact(session, contact, follow, utcnow())
        tags.update(tag_ids(follow))
    await people_repo.set_customer_tags(session, external_userid, tags)


async def on_contact_edited(
    session: AsyncSession, userid: str, external_userid: str, client: SyncClient
) -> None:
    """edit_external_contact: remark, description or tags changed in the client: re-fetch."""
    await refresh_contact(session, client, external_userid)


async def on_contact_deleted(
    session: AsyncSession, userid: str, external_userid: str, source: str = ""
) -> None:
    """del_external_contact: the member removed the customer (or a transfer moved them)."""
    removed_by = "transfer" if source == "DELETE_BY_TRANSFER" else "member"
    await people_repo.unfollow(session, external_userid, userid, removed_by)


async def on_follow_user_deleted(session: AsyncSession, userid: str, external_userid: str) -> None:
    """del_follow_user: the customer deleted the member."""
    await people_repo.unfollow(session, external_userid, userid, "customer")


async def on_group_changed(session: AsyncSession, client: SyncClient, chat_id: str) -> CustomerGroup:
    """change_external_chat create/update: re-fetch the group (members, owner, name, notice)."""
    return await store_group(session, await client.get_group_chat(chat_id))


async def on_group_dismissed(session: AsyncSession, chat_id: str) -> None:
    await people_repo.dismiss_group(session, chat_id)


async def on_tags_changed(session: AsyncSession, client: SyncClient) -> None:
    """change_external_tag (any change type): refresh the whole corp tag list."""
    await people_repo.replace_corp_tags(session, await client.get_corp_tag_list())


async def record_tag_marked(
    session: AsyncSession,
    userid: str,
    external_userid: str,
    add_tag: Iterable[str] = (),
    remove_tag: Iterable[str] = (),
) -> None:
    """After our own successful ``mark_tag`` call (WeCom sends no callback for it)."""
    await people_repo.change_customer_tags(session, external_userid, add_tag, remove_tag, userid)


async def record_remark(
    session: AsyncSession,
    userid: str,
    external_userid: str,
    remark: str | None = None,
    description: str | None = None,
) -> None:
    """After our own successful ``remark_external_contact`` call."""
    values = {
        key: value for key, value in (("remark", remark), ("description", description)) if value is not None
    }
    await people_repo.follow(session, external_userid, userid, **values)
