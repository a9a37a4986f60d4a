"""Roles and names come from the staff table; the configuration's [staff] is only a fallback."""

from __future__ import annotations

from pathlib import Path

from bot.database import open_database
from bot.db.people_repo import ensure_staff
from bot.directory import StaticDirectory
from bot.directory_db import DbDirectory


async def test_roles_from_staff_table_with_fallback(tmp_path: Path) -> None:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path}/d.sqlite3", migrate=True) as sessionmaker:
        async with sessionmaker() as session:
            await ensure_staff(session, "rm_test", name="测试经理", role="rm")
            await ensure_staff(session, "ops_test", name="运营", role="ops")
            await session.commit()
        directory = DbDirectory(sessionmaker, fallback=StaticDirectory({"cfg_only": {"role": "compliance"}}))
        assert await directory.role_of("rm_test") == "rm"
        assert await directory.display_name("rm_test") == "测试经理"
        assert await directory.role_of("ops_test") == "ops"
        assert await directory.role_of("cfg_only") == "compliance"
        assert await directory.role_of("nobody") is None
