"""``/api/v1/audit/...``: search the message audit log and the change log (compliance and operations).

``since`` and ``until`` take an ISO date (a whole Shanghai day; ``until`` is inclusive) or an ISO time.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.audit_export import MAX_ROWS, export
from bot.api.reading import DAY, PAGING, TEXT, answer, database
from bot.api.spec import ApiRoutes, json_response
from bot.queries.audit_log import search_changes, search_messages

api = ApiRoutes("audit")


MESSAGE_FILTERS = {
    "q": TEXT | {"description": "part of the rendered text, the target or the template key"},
    "channel": TEXT | {"description": "app_message, mass_task, welcome, kf, group_robot, ..."},
    "target": TEXT | {"description": "exact userid, external_userid, chat_id or robot"},
    "since": DAY,
    "until": DAY,
}
CHANGE_FILTERS = {
    "q": TEXT | {"description": "part of the actor, action, object id or detail"},
    "actor": TEXT | {"description": "local:admin, wecom:ops_liuyan, apikey:core, or the bare name"},
    "action": TEXT | {"description": "e.g. account.create, campaign.approve"},
    "object_type": TEXT | {"description": "e.g. account, api_key, campaign"},
    "since": DAY,
    "until": DAY,
}


@api.route(
    "GET",
    "/api/v1/audit/messages",
    summary="Search the messages that left (newest first)",
    permission="read.audit",
    query=MESSAGE_FILTERS | PAGING,
)
async def get_audit_messages(request: web.Request) -> web.Response:
    return json_response(await answer(search_messages(database(request), **request[keys.PARAMS])))


@api.route(
    "GET",
    "/api/v1/audit/changes",
    summary="Search the change log: who changed what through the API, the console or the CLI",
    permission="read.audit",
    query=CHANGE_FILTERS | PAGING,
)
async def get_audit_changes(request: web.Request) -> web.Response:
    return json_response(await answer(search_changes(database(request), **request[keys.PARAMS])))


@api.route(
    "GET",
    "/api/v1/audit/messages.csv",
    summary=f"The messages that left, as CSV (Shanghai time, newest first, at most {MAX_ROWS:,} rows)",
    permission="read.audit",
    query=MESSAGE_FILTERS,
    produces="text/csv",
)
async def export_audit_messages(request: web.Request) -> web.StreamResponse:
    return await answer(export(request, database(request), "messages", request[keys.PARAMS]))


@api.route(
    "GET",
    "/api/v1/audit/changes.csv",
    summary=f"The change log as CSV (Shanghai time, newest first, at most {MAX_ROWS:,} rows)",
    permission="read.audit",
    query=CHANGE_FILTERS,
    produces="text/csv",
)
async def export_audit_changes(request: web.Request) -> web.StreamResponse:
    return await answer(export(request, database(request), "changes", request[keys.PARAMS]))
