"""``wecombot console ...``: first set-up and upkeep of console accounts and API keys from a terminal.

    wecombot console create-admin admin            # asks for the password (or --password-stdin)
    wecombot console add-member cmp_zhouqi --role reviewer
    wecombot console set-role ops_liuyan admin
    wecombot console api-key create core-banking --role operations   # prints the key once
    wecombot console api-key list | revoke NAME
    wecombot console accounts

Changes are in the change log as ``cli:<login name of the operator>``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.access.accounts import AccountBook, AccountError
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current
from bot.db.models.access import CONSOLE_ROLES
from bot.settings import database_url_from_config


@dataclass(frozen=True)
class CliActor:
    actor: str
    role: str = "admin"


def operator() -> CliActor:
    """The person at the terminal, as the change log names them (``cli:<login name>``)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return CliActor(f"cli:{name}")


def _run(work: Callable[[AccountBook], Awaitable[Any]]) -> int:
    async def main() -> Any:
        engine = create_engine(database_url_from_config())
        try:
            await ensure_current(engine)
            return await work(AccountBook(create_sessionmaker(engine)))
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(main())
    except (AccountError, LookupError) as exc:
        print(f"wecombot: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("wecombot: the passwords differ")
    return first


def _create_admin(args: argparse.Namespace) -> int:
    password = _password(args)
    return _run(
        lambda book: book.create_account(
            kind="local", username=args.username, role="admin", password=password, by=operator()
        )
    )


def _set_password(args: argparse.Namespace) -> int:
    password = _password(args)

    async def work(book: AccountBook) -> None:
        await book.set_password(args.username, password, by=operator())
        print(f"password of {args.username} changed")

    return _run(work)


def _add_member(args: argparse.Namespace) -> int:
    return _run(
        lambda book: book.create_account(
            kind="wecom", username=args.userid, role=args.role, display_name=args.name, by=operator()
        )
    )


def _set_role(args: argparse.Namespace) -> int:
    return _run(lambda book: book.update_account(args.username, role=args.role, by=operator()))


def _disable(args: argparse.Namespace) -> int:
    return _run(lambda book: book.update_account(args.username, active=False, by=operator()))


def _accounts(args: argparse.Namespace) -> int:
    return _run(lambda book: book.list_accounts())


def _key_create(args: argparse.Namespace) -> int:
    print("The key is shown once: store it in the calling system's secret store now.", file=sys.stderr)
    return _run(lambda book: book.create_key(args.name, args.role, by=operator()))


def _key_list(args: argparse.Namespace) -> int:
    return _run(lambda book: book.list_keys())


def _key_revoke(args: argparse.Namespace) -> int:
    return _run(lambda book: book.revoke_key(args.name, by=operator()))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("console", help="console accounts and API keys")
    commands = parser.add_subparsers(dest="console_command", metavar="ACTION", required=True)

    def password_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    p = commands.add_parser("create-admin", help="a local admin account (first set-up)")
    p.add_argument("username")
    password_option(p)
    p.set_defaults(handler=_create_admin)
    p = commands.add_parser("set-password", help="a new password for a local account")
    p.add_argument("username")
    password_option(p)
    p.set_defaults(handler=_set_password)
    p = commands.add_parser("add-member", help="give a WeCom member a console role")
    p.add_argument("userid")
    p.add_argument("--role", choices=CONSOLE_ROLES, required=True)
    p.add_argument("--name", default="", help="display name")
    p.set_defaults(handler=_add_member)
    p = commands.add_parser("set-role", help="change an account's role")
    p.add_argument("username")
    p.add_argument("role", choices=CONSOLE_ROLES)
    p.set_defaults(handler=_set_role)
    p = commands.add_parser("disable", help="disable an account (its sessions stop at once)")
    p.add_argument("username")
    p.set_defaults(handler=_disable)
    commands.add_parser("accounts", help="list accounts").set_defaults(handler=_accounts)
    keys = commands.add_parser("api-key", help="API keys of bank systems")
    key_commands = keys.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    p = key_commands.add_parser("create", help="a new key (printed once)")
    p.add_argument("name")
    p.add_argument("--role", choices=CONSOLE_ROLES, required=True)
    p.set_defaults(handler=_key_create)
    key_commands.add_parser("list", help="list keys (never the keys themselves)").set_defaults(
        handler=_key_list
    )
    p = key_commands.add_parser("revoke", help="revoke a key")
    p.add_argument("name")
    p.set_defaults(handler=_key_revoke)
