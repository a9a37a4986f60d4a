"""The ``wecombot`` command (also ``python -m bot``).

Subcommands live beside the code they drive; each module exposes ``register(subparsers)`` and sets a
``handler(args) -> int`` on its parser. This file only assembles them and turns configuration errors
into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.db.migrate import DatabaseBehind
from bot.settings import SettingsError

# Modules that add subcommands, in the order they appear in ``wecombot --help``.
COMMAND_MODULES = (
    "bot.commands.serve",
    "bot.commands.chat",
    "bot.commands.sandbox",
    "bot.commands.demo",
    "bot.db.commands",
    "bot.compliance.cli",
    "bot.commands.campaign",
    "bot.access.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wecombot",
        description="WeCom (企业微信) service for wealth management: callbacks, Q&A, content, campaigns.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except SettingsError as exc:
        print(f"wecombot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseBehind as exc:
        print(f"wecombot: database not ready: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
