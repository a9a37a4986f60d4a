"""``wecombot sandbox``: the WeCom simulator alone, for integration work against WeCom's wire format."""

from __future__ import annotations

import argparse
import asyncio

from bot.sandbox.app import run_sandbox
from bot.sandbox.credentials import SANDBOX_AGENT_ID, SANDBOX_CORP_ID, SANDBOX_SECRET


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sandbox", help="run the WeCom simulator alone")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--callback-url", help="where to send signed callbacks (the service's /wecom/callback)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    base = f"http://{args.host}:{args.port}/cgi-bin/"
    print(f"WeCom sandbox (SYNTHETIC corp) on {base}")
    print(f"  token:    GET {base}gettoken?corpid={SANDBOX_CORP_ID}&corpsecret={SANDBOX_SECRET}")
    print(f"  send:     POST {base}message/send?access_token=TOKEN  (agentid {SANDBOX_AGENT_ID})")
    print(f"  traffic:  GET http://{args.host}:{args.port}/_sandbox/requests")
    try:
        asyncio.run(run_sandbox(args.host, args.port, callback_url=args.callback_url))
    except KeyboardInterrupt:
        pass
    return 0
