"""The ``wecombot db ...``, ``wecombot import ...`` and ``wecombot sync`` subcommands.

``bot.cli`` calls :func:`register` with its subparsers; each subcommand sets ``handler(args) -> int``.
Errors print one line to stderr: exit code 1 for a failure, 2 for bad input (a bad CSV, bad settings).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bot.db import migrate
from bot.db.csv_rows import KINDS
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.importer import CsvImportError, import_csv
from bot.settings import SettingsError, database_url_from_config, load_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"wecombot: {message}", file=sys.stderr)
    return code


def _run(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    try:
        return asyncio.run(coro_factory())
    except SettingsError as exc:
        return _fail(str(exc), 2)
    except migrate.DatabaseBehind as exc:
        return _fail(str(exc))
    except CsvImportError as exc:
        return _fail(str(exc), 2)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), 2)


def _db_upgrade(args: argparse.Namespace) -> int:
    async def main() -> int:
        url = database_url_from_config()
        await migrate.upgrade(url, args.revision)
        print(f"database at {await migrate.current(url)}")
        return 0

    return _run(main)


def _db_downgrade(args: argparse.Namespace) -> int:
    async def main() -> int:
        url = database_url_from_config()
        await migrate.downgrade(url, args.revision)
        print(f"database at {await migrate.current(url) or 'base (empty)'}")
        return 0

    return _run(main)


def _db_current(args: argparse.Namespace) -> int:
    async def main() -> int:
        found = await migrate.current(database_url_from_config())
        expected = migrate.head()
        print(f"database at {found or 'base (empty)'}; code expects {expected}")
        return 0 if found == expected else 1

    return _run(main)


def _import(args: argparse.Namespace) -> int:
    async def main() -> int:
        engine = create_engine(database_url_from_config())
        try:
            await migrate.ensure_current(engine)
            report = await import_csv(create_sessionmaker(engine), args.kind, args.path)
        finally:
            await engine.dispose()
        print(report.summary())
        return 0

    return _run(main)


def _sync(args: argparse.Namespace) -> int:
    async def main() -> int:
        import aiohttp

        from bot.db.sync import full_sync
        from bot.state import create_state_store
        from bot.wecom.client import WeComClient

        settings = load_settings()
        engine = create_engine(settings.database_url)
        state = create_state_store(settings.redis_url)
        try:
            await migrate.ensure_current(engine)
            async with aiohttp.ClientSession() as http:
                client = WeComClient(settings.wecom, http, state)
                report = await full_sync(create_sessionmaker(engine), client, state)
        finally:
            await state.close()
            await engine.dispose()
        print(
            f"sync done{' (resumed)' if report.resumed else ''}: {report.members} members, "
            f"{report.relations} customer relations, {report.groups} groups, {report.tags} tags; "
            f"{report.removed_relations} relations and {report.dismissed_groups} groups no longer in WeCom"
        )
        return 0

    return _run(main)


def register(subparsers: Any) -> None:
    """Add ``db``, ``import`` and ``sync`` to the ``wecombot`` command."""
    db = subparsers.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema (or REVISION)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate back to REVISION ('base' drops every table)")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    db_sub.add_parser("current", help="show the database's schema revision").set_defaults(handler=_db_current)

    imp = subparsers.add_parser("import", help="import a bank CSV export (all rows or none)")
    imp.add_argument("kind", choices=sorted(KINDS))
    imp.add_argument("path")
    imp.set_defaults(handler=_import)

    subparsers.add_parser(
        "sync", help="full sync of members, customers, groups and corp tags from WeCom (resumable)"
    ).set_defaults(handler=_sync)
