"""Every ``web.AppKey`` of the service, in one place (aiohttp-demos ``typedefs.py`` style)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import ClientSession, web

from bot.settings import Settings
from bot.state import StateStore

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.routing import Dispatcher
    from bot.tasks import TaskTracker

SETTINGS = web.AppKey("settings", Settings)
STATE = web.AppKey("state", StateStore)
HTTP_SESSION = web.AppKey("http_session", ClientSession)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher")
TASKS: web.AppKey[TaskTracker] = web.AppKey("tasks")
# Filled in by later resources (client, database, renderer, scheduler); typed loosely until they exist.
WECOM: web.AppKey[Any] = web.AppKey("wecom")
DB: web.AppKey[Any] = web.AppKey("db")
RENDER: web.AppKey[Any] = web.AppKey("render")
SCHEDULER: web.AppKey[Any] = web.AppKey("scheduler")

# Per-request values (aiohttp ``RequestKey``): who is calling, their console session, the checked input.
if TYPE_CHECKING:
    from bot.access.roles import Principal
    from bot.access.sessions import Session
PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal")
CONSOLE_SESSION: web.RequestKey[Session] = web.RequestKey("console_session")
BODY: web.RequestKey[Any] = web.RequestKey("body")
PARAMS: web.RequestKey[dict[str, Any]] = web.RequestKey("params")
