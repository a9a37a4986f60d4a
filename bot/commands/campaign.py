"""``wecombot campaign create|list|show|submit|approve|reject|cancel|preview|inputs`` and ``wecombot event``.

The same operations as ``/api/v1/campaigns``, straight on the database (``DATABASE_URL``): what they
queue is sent by the senders of a running ``wecombot serve``. Output is JSON (for scripts and a later
console); exit 1 when the operation is refused, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.access import changes
from bot.access.cli import operator
from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.database import open_database
from bot.delivery.audience import Audience, AudienceError
from bot.delivery.planner import Planner
from bot.delivery.policy import policy_from_mapping
from bot.settings import database_url_from_config, load_raw
from scheduler.campaign_fires import FirePipeline
from scheduler.campaign_lifecycle import CampaignError
from scheduler.content import MarketInputError, load_inputs_file, save_inputs
from scheduler.slots import load_slots

Op = Callable[[FirePipeline, argparse.Namespace], Awaitable[Any]]


def _json_arg(value: str) -> Any:
    """A JSON literal, or @FILE holding one."""
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("campaign", help="plan, review and preview campaigns")
    sub = parser.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create a draft campaign")
    create.add_argument("--name", required=True)
    create.add_argument("--template", required=True, help="kind under content_templates/campaigns/")
    create.add_argument("--author", required=True, help="member userid of the author")
    create.add_argument("--audience", type=_json_arg, default={}, help='JSON, e.g. {"segments": ["hnw"]}')
    create.add_argument("--variables", type=_json_arg, default={}, help="JSON template variables")
    create.add_argument("--channel", default="mass_task", choices=("mass_task", "app_message"))
    create.add_argument("--content-kind", default="market")
    create.add_argument("--product-code", help="fund/product code: its risk level drives suitability")
    create.add_argument("--schedule", type=_json_arg, help='JSON, e.g. {"kind": "once", "at": "...+08:00"}')
    create.add_argument("--expires-at", help="ISO time with offset")
    sub.add_parser("list", help="list campaigns").add_argument("--status")
    for name in ("show", "preview"):
        sub.add_parser(name, help=f"{name} a campaign").add_argument("ref", help="id or name")
    for name in ("submit", "approve", "reject", "cancel"):
        p = sub.add_parser(name, help=f"{name} a campaign")
        p.add_argument("ref", help="id or name")
        p.add_argument("--by", required=name in ("approve", "reject"), default="", help="member userid")
        p.add_argument("--reason", default="", help="required for reject")
    inputs = sub.add_parser("inputs", help="store the day's market inputs from a TOML file")
    inputs.add_argument("file", type=Path)
    inputs.add_argument("--day", type=date.fromisoformat, default=date.today())
    inputs.add_argument("--slot", default="", help="one slot, or all of the day's slots when empty")
    parser.set_defaults(handler=run)

    event = subparsers.add_parser("event", help="event commentary 事件点评: render, check and queue at once")
    event.add_argument("--title", required=True)
    event.add_argument("--comment", required=True)
    event.add_argument("--kind", default="other", help="market_move, policy, fund_announcement, other")
    event.add_argument("--by", required=True, help="member userid of the operator")
    event.add_argument("--audience", type=_json_arg, default={"chat_type": "group"})
    event.set_defaults(handler=run, campaign_command="event")


async def _create(p: FirePipeline, a: argparse.Namespace) -> Any:
    data = {
        "name": a.name,
        "template": a.template,
        "author": a.author,
        "audience": a.audience,
        "variables": a.variables,
        "channel": a.channel,
        "content_kind": a.content_kind,
        "product_code": a.product_code,
        "schedule": a.schedule,
        "expires_at": a.expires_at,
    }
    return await p.book.create({k: v for k, v in data.items() if v is not None}, actor=operator())


async def _inputs(p: FirePipeline, a: argparse.Namespace) -> Any:
    data = load_inputs_file(a.file)
    async with p.sessions() as session, session.begin():
        await save_inputs(session, a.day, a.slot, data, "cli")
        changes.record(session, operator(), "market_inputs.save", "market_inputs", f"{a.day}/{a.slot}")
    return {"day": a.day.isoformat(), "slot": a.slot, "stored": True}


async def _event(p: FirePipeline, a: argparse.Namespace) -> Any:
    event = {"title": a.title, "comment": a.comment, "kind": a.kind}
    fire_id, result = await p.post_event(event, Audience.from_mapping(a.audience), a.by, actor=operator())
    return {"fire_id": fire_id, "plan": result.summary()}


OPS: dict[str, Op] = {
    "create": _create,
    "list": lambda p, a: p.book.list(a.status),
    "show": lambda p, a: p.book.show(a.ref),
    "preview": lambda p, a: p.book.preview(a.ref),
    "submit": lambda p, a: p.book.act(a.ref, "submit", a.by, actor=operator()),
    "approve": lambda p, a: p.book.act(a.ref, "approve", a.by, a.reason, actor=operator()),
    "reject": lambda p, a: p.book.act(a.ref, "reject", a.by, a.reason, actor=operator()),
    "cancel": lambda p, a: p.book.act(a.ref, "cancel", a.by, a.reason, actor=operator()),
    "inputs": _inputs,
    "event": _event,
}


async def _run(args: argparse.Namespace) -> int:
    raw = load_raw()
    planner = Planner(Renderer(), ComplianceGate.from_config(), policy_from_mapping(raw.get("delivery", {})))
    async with open_database(database_url_from_config()) as sessions:
        pipeline = FirePipeline(sessions, planner, load_slots())
        try:
            result = await OPS[args.campaign_command](pipeline, args)
        except (CampaignError, AudienceError, MarketInputError) as exc:
            print(f"wecombot campaign: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    blocked = isinstance(result, dict) and (
        result.get("status") == "rejected" or result.get("plan", {}).get("blocked")
    )
    return 1 if blocked and args.campaign_command in ("submit", "event") else 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
