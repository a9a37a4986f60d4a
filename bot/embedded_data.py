"""Data for the embedded default: migrate the SQLite file, load the synthetic sample, sync from WeCom.

The sample is SYNTHETIC (funds, NAVs, customers, holdings generated from a seed, consistent with the
simulator's synthetic corp). It is loaded once per database file; the full sync from the simulator
then fills relations, groups and tags exactly as it would from WeCom.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from bot import keys
from bot.db.full_sync import full_sync
from bot.db.models import Customer, Fund, FundNav, KfCursor, KfSession
from bot.db.sample_data import load_sample_data
from bot.embedded import EmbeddedStack


async def embedded_overrides() -> dict[str, Any]:
    """Overrides for create_app in demo/chat: the embedded database migrates itself on start."""
    return {"migrate_database": True}


async def prepare_embedded(stack: EmbeddedStack, *, sync: bool | None = True) -> str:
    """Load the synthetic bank data once, then a full sync; returns a one-line summary.

    ``sync=None`` syncs only when the sample was just loaded (``wecombot chat`` on a new database).
    """
    sessionmaker = stack.service[keys.DB]
    async with sessionmaker() as session:
        # The embedded simulator starts empty every run: cursors and kf sessions of an earlier run
        # point into a message history that no longer exists.
        await session.execute(delete(KfCursor))
        await session.execute(delete(KfSession))
        await session.commit()
        funds = await session.scalar(select(func.count()).select_from(Fund))
    if not funds:
        await load_sample_data(sessionmaker, stack.corp)
        fund_qa = stack.service[keys.DISPATCHER].resources.services.get("fund_qa")
        if fund_qa is not None:  # answer the first fund question from the new data at once
            await fund_qa.data.reload()
    parts = []
    if sync or (sync is None and not funds):
        report = await full_sync(sessionmaker, stack.service[keys.WECOM], stack.service[keys.STATE])
        parts.append(f"full sync: {report.relations} relations, {report.groups} groups, {report.tags} tags")
    async with sessionmaker() as session:
        funds = await session.scalar(select(func.count()).select_from(Fund))
        navs = await session.scalar(select(func.count()).select_from(FundNav))
        customers = await session.scalar(select(func.count()).select_from(Customer))
    return f"{funds} funds, {navs} NAVs, {customers} customers; " + "; ".join(parts)
