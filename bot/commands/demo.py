"""``wecombot demo``: the embedded default — service, simulator and synthetic data in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.access.accounts import Conflict
from bot.access.middleware import ACCESS
from bot.embedded import EmbeddedStack, PortInUse, embedded_stack
from bot.embedded_data import embedded_overrides, prepare_embedded

log = logging.getLogger("wecombot.demo")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="service + WeCom simulator + synthetic data on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="service port; 0 picks a free one")
    parser.add_argument(
        "--sandbox-port", type=int, default=None, help="simulator port (default PORT+1; 0 picks a free one)"
    )
    parser.add_argument("--tour", action="store_true", help="run the scripted scenario and exit")
    parser.set_defaults(handler=run)


async def _run(args: argparse.Namespace) -> int:
    from bot.tour import run_tour

    if args.tour and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # keep the transcript readable
    api_token = os.environ.get("WECOMBOT_API_TOKEN") or secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="wecombot-tour-") as tmp:
        # The tour is a scripted scenario: it starts from a fresh database every time, unless
        # DATABASE_URL names one. The plain demo keeps its SQLite file under var/.
        database_url = None
        if args.tour and not os.environ.get("DATABASE_URL"):
            database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'tour.sqlite3'}"
        async with embedded_stack(
            port=args.port,
            sandbox_port=_sandbox_port(args),
            database_url=database_url,
            overrides=await embedded_overrides(),
            api_token=api_token,
        ) as stack:
            summary = await prepare_embedded(stack, sync=not args.tour)  # the tour shows its own sync
            password = await _demo_admin(stack)
            _print_where(stack, summary, api_token, password)
            if args.tour:
                return await run_tour(stack)
            print("Ctrl-C to stop.")
            await asyncio.Event().wait()
    return 0


def _sandbox_port(args: argparse.Namespace) -> int:
    if args.sandbox_port is not None:
        return int(args.sandbox_port)
    return args.port + 1 if args.port else 0


@dataclass(frozen=True)
class _Demo:
    actor: str = "demo:setup"
    role: str = "admin"


async def _demo_admin(stack: EmbeddedStack) -> str:
    """The demo's local admin, with a fresh password each start unless WECOMBOT_ADMIN_PASSWORD gives one."""
    password = os.environ.get("WECOMBOT_ADMIN_PASSWORD") or f"demo-{secrets.token_urlsafe(9)}"
    accounts = stack.service[ACCESS].accounts
    try:
        await accounts.create_account(
            kind="local", username="admin", role="admin", password=password, by=_Demo()
        )
    except Conflict:
        await accounts.set_password("admin", password, by=_Demo())
    return password


def _print_where(stack: EmbeddedStack, summary: str, api_token: str, password: str) -> None:
    print(f"wecombot demo (SYNTHETIC data) — {summary}")
    print(f"  console:    {stack.service_url}/console/")
    print(f"              sign in as admin / {password}  (local admin account), or press 使用企业微信登录")
    print("              and pick ops_liuyan (运营), cmp_zhouqi (合规审核) or rm_zhangwei (理财经理)")
    print(f"  service:    {stack.service_url}  (callback {stack.callback_url}, /healthz, /metrics)")
    print(f"  API:        {stack.service_url}/api/v1/openapi.json  (Authorization: Bearer {api_token})")
    print(f"  simulator:  {stack.sandbox_url}/cgi-bin/  — traffic: {stack.sandbox_url}/_sandbox/requests")
    print(f"  database:   {stack.settings.database_url}")
    print("  try:        wecombot chat --as rm_zhangwei 帮助")
    print("              wecombot chat --as rm_zhangwei 诊断 示例")
    print("              wecombot chat --customer <external_userid from /_sandbox/corp> 000001净值多少")


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 0
    except PortInUse as error:
        hint = "choose others with --port and --sandbox-port"
        print(f"wecombot demo: {error.strerror}; {hint}", file=sys.stderr)
        return 2
