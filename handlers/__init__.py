"""Handler modules, included in one visible order: the first matching handler wins.

The kf doorbell comes first, then opt-out words and keyword overrides (operations can answer any
text), then help, then the domain routers, then the fallback that says what can be asked.

Domain modules that need long-lived services (a fund index, a kf puller, a journey engine) list a
start-up context in :func:`service_contexts`; each is an async generator taking the aiohttp app that
puts its service into ``app[keys.DISPATCHER].resources.services[NAME]`` before ``yield`` and closes it
after, run in order after the core resources exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.routing import Router

ServiceContext = Callable[[web.Application], AsyncIterator[None]]


def build_root_router() -> Router:
    """A fresh root router with every handler module included in match order."""
    from bot.kf import doorbell
    from handlers import community, companion, fallback, fund_qa, help

    root = Router(name="root")
    root.include(doorbell.router)  # the kf doorbell first: nothing else may take kf_msg_or_event
    root.include(community.priority_router)  # opt-out words, then keyword overrides of any handler
    root.include(help.router)  # 帮助 is unambiguous: answer it without touching the fund data
    # fund_qa before community: community's "客户 NAME" command would take "客户持仓诊断 NAME".
    root.include(fund_qa.router)
    root.include(community.router)
    root.include(companion.router)  # reminder card buttons, 今日提醒, 提醒汇总
    root.include(fund_qa.kf_fallback_router, fallback.router)
    return root


def service_contexts() -> list[ServiceContext]:
    """Start-up contexts of the domain services, in start order (stopped in reverse)."""
    from bot.content_history import template_history_context
    from bot.journeys.service import companion_context
    from bot.kf.doorbell import kf_context
    from handlers.community import service_context as community_context
    from handlers.fund_qa_service import fund_qa_context
    from scheduler.service import scheduler_context

    # Template history first: the versions a fire renders are recorded before the scheduler starts.
    return [
        template_history_context,
        community_context,
        fund_qa_context,
        kf_context,
        scheduler_context,
        companion_context,
    ]
