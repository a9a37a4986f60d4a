"""``wecombot lint FILE|-``: check a text against the compliance rules before anyone sends it.

Prints one line per finding, ``line:col rule_id severity message «excerpt»``, then a summary on
stderr. Exit status: 0 passed (warnings allowed), 1 failed, 2 bad usage (unreadable file, unknown
kind, malformed risk level or rules file). The lead wires :func:`register` into ``bot/cli.py``;
``python -m bot.compliance.cli`` runs it alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.compliance.gate import ComplianceGate, Finding
from bot.compliance.rules import ComplianceConfigError


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``lint`` subcommand to an ``argparse`` subparsers object; sets ``handler``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        help="check a marketing text against the compliance rules",
        description="Check a text (a file, or - for standard input); exit 1 when it fails.",
    )
    parser.add_argument("file", help="UTF-8 text file, or - to read standard input")
    parser.add_argument(
        "--kind",
        default="market",
        help="content kind: market, fund, wealth_product, education, service (default: market)",
    )
    parser.add_argument("--product-risk", help="product risk level, R1..R5")
    parser.add_argument("--audience-risk", help="lowest customer risk level in the audience, C1..C5")
    parser.add_argument("--rules", type=Path, help="rules file (default: config/compliance.toml)")
    parser.set_defaults(handler=lint)
    return parser


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def format_finding(text: str, finding: Finding) -> str:
    line, column = position(text, finding.start)
    excerpt = finding.excerpt.replace("\r", " ").replace("\n", " ")
    shown = f" «{excerpt}»" if excerpt else ""
    return f"{line}:{column} {finding.rule_id} {finding.severity} {finding.message}{shown}"


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8-sig")


def lint(args: argparse.Namespace) -> int:
    """The ``lint`` handler: 0 passed, 1 failed, 2 usage error."""
    try:
        text = _read(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"wecombot lint: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        gate = ComplianceGate.from_config(args.rules)
        result = gate.check(
            text, kind=args.kind, product_risk=args.product_risk, audience_risk=args.audience_risk
        )
    except (ComplianceConfigError, ValueError) as exc:
        print(f"wecombot lint: {exc}", file=sys.stderr)
        return 2
    for finding in result.findings:
        print(format_finding(text, finding))
    blocks = len(result.blocking)
    warns = len(result.findings) - blocks
    verdict = "passed" if result.passed else "FAILED"
    print(
        f"{verdict}: {blocks} blocking, {warns} warning(s); kind {result.kind}, rules {result.rules_version}",
        file=sys.stderr,
    )
    return 0 if result.passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wecombot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
