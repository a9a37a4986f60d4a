"""``wecombot demo``: the embedded default — service, simulator and synthetic data in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import tempfile
from pathlib import Path

from bot.embedded import EmbeddedStack, embedded_stack
from bot.embedded_data import embedded_overrides, prepare_embedded

log = logging.getLogger("wecombot.demo")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="service + WeCom simulator + synthetic data on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="service port (simulator on PORT+1)")
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
            sandbox_port=args.port + 1,
            database_url=database_url,
            overrides=await embedded_overrides(),
            api_token=api_token,
        ) as stack:
            summary = await prepare_embedded(stack, sync=not args.tour)  # the tour shows its own sync
            _print_where(stack, summary, api_token)
            if args.tour:
                return await run_tour(stack)
            print("Ctrl-C to stop.")
            await asyncio.Event().wait()
    return 0


def _print_where(stack: EmbeddedStack, summary: str, api_token: str) -> None:
    print(f"wecombot demo (SYNTHETIC data) — {summary}")
    print(f"  service:    {stack.service_url}  (callback {stack.callback_url}, /healthz, /metrics)")
    print(f"  API:        {stack.service_url}/api/v1/campaigns  (Authorization: Bearer {api_token})")
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
