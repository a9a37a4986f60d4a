"""``wecombot serve``: the callback server (and, as they land, the scheduler, API and console)."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from bot.app import create_app
from bot.settings import load_settings

log = logging.getLogger("wecombot.serve")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the callback server")
    parser.add_argument("--host", help="listen address (default from config: [server].host)")
    parser.add_argument("--port", type=int, help="listen port (default from config: [server].port)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    log.info("starting with %r", settings)
    web.run_app(create_app(settings), host=host, port=port, print=lambda msg: log.info("%s", msg))
    return 0
