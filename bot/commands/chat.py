"""``wecombot chat``: talk to the bot through the same router and templates, without WeCom.

``--as USERID`` speaks as a member writing to the app (default: the first relationship manager of the
synthetic corp); ``--customer EXTERNAL_USERID`` speaks as a customer through WeChat Customer Service.
Handlers that call WeCom reach the in-process simulator, never the real API.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time

from bot import keys
from bot.embedded import EmbeddedStack, embedded_stack
from bot.wecom.events import Event, KfCustomerMessage, TextMessage
from bot.wecom.replies import reply_text

_ids = itertools.count(int(time.time() * 1000))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("chat", help="talk to the bot as a staff member or a kf customer")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--as", dest="userid", help="member UserID (staff)")
    who.add_argument("--customer", help="external_userid of a customer writing through kf")
    parser.add_argument("text", nargs="*", help="what to say; interactive when absent")
    parser.set_defaults(handler=run)


def build_event(stack: EmbeddedStack, text: str, userid: str | None, customer: str | None) -> Event:
    now = int(time.time())
    corp_id = stack.settings.wecom.corp_id
    if customer:
        return KfCustomerMessage(
            raw={},
            to_user=corp_id,
            from_user=customer,
            create_time=now,
            msg_type="text",
            agent_id=None,
            msg_id=f"chat{next(_ids)}",
            open_kfid=stack.settings.wecom.kf_open_kfid,
            external_user_id=customer,
            content=text,
        )
    sender = userid or stack.corp.rms()[0].userid
    return TextMessage(
        raw={},
        to_user=corp_id,
        from_user=sender,
        create_time=now,
        msg_type="text",
        agent_id=stack.settings.wecom.agent_id,
        msg_id=str(next(_ids)),
        content=text,
    )


async def say(stack: EmbeddedStack, text: str, userid: str | None, customer: str | None) -> str:
    result = await stack.service[keys.DISPATCHER].dispatch(build_event(stack, text, userid, customer))
    await stack.service[keys.TASKS].join()
    if result.error is not None:
        return f"[error in {result.handler}: {result.error!r}]"
    return reply_text(result.reply) if result.reply is not None else "[no reply]"


async def _run(args: argparse.Namespace) -> int:
    from bot.embedded_data import embedded_overrides, prepare_embedded

    async with embedded_stack(serve_service=False, overrides=await embedded_overrides()) as stack:
        await prepare_embedded(stack, sync=None)
        if args.text:
            print(await say(stack, " ".join(args.text), args.userid, args.customer))
            return 0
        who = args.customer or args.userid or stack.corp.rms()[0].userid
        print(f"chatting as {who}; empty line or Ctrl-D to quit", file=sys.stderr)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line.strip():
                return 0
            print(await say(stack, line.strip(), args.userid, args.customer), flush=True)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
