"""``wecombot demo``: the embedded default — service, simulator and synthetic data in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.embedded import embedded_stack
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

    async with embedded_stack(
        port=args.port, sandbox_port=args.port + 1, overrides=await embedded_overrides()
    ) as stack:
        summary = await prepare_embedded(stack, sync=not args.tour)  # the tour shows its own sync
        print(f"wecombot demo (SYNTHETIC data) — {summary}")
        print(f"  service:    {stack.service_url}  (callback {stack.callback_url}, /healthz, /metrics)")
        print(f"  simulator:  {stack.sandbox_url}/cgi-bin/  — traffic: {stack.sandbox_url}/_sandbox/requests")
        print(f"  database:   {stack.settings.database_url}")
        print("  try:        wecombot chat --as rm_zhangwei 帮助")
        if args.tour:
            return await run_tour(stack)
        print("Ctrl-C to stop.")
        await asyncio.Event().wait()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 0
