"""``/api/v1/customers`` and ``/api/v1/groups``: read-only views of customers and customer groups.

A relationship manager (role ``manager``) sees only the customers they follow and the groups they own;
anyone else's customer or group is a 404, never a 403, so the answer does not confirm it exists.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.reading import PAGING, TEXT, answer, database, scope
from bot.api.spec import ApiError, ApiRoutes, json_response
from bot.queries.groups import group_detail, list_groups
from bot.queries.people import SEGMENTS, customer_detail, list_customers

api = ApiRoutes("people")


@api.route(
    "GET",
    "/api/v1/customers",
    summary="Search customers (a manager sees only their own)",
    permission="read",
    query={
        "q": TEXT | {"description": "part of the name, a manager's remark or the external_userid"},
        "segment": {"enum": list(SEGMENTS)},
        "manager": TEXT | {"description": "userid of a following relationship manager"},
        "tag": TEXT | {"description": "a corp tag's name or id"},
    }
    | PAGING,
)
async def get_customers(request: web.Request) -> web.Response:
    query = list_customers(database(request), scope=scope(request), **request[keys.PARAMS])
    return json_response(await answer(query))


@api.route(
    "GET",
    "/api/v1/customers/{external_userid}",
    summary="One customer: holdings, managers, tags, groups and the last 20 messages sent to them",
    permission="read",
    responses={404: "unknown customer (or not one of the manager's own)"},
)
async def get_customer(request: web.Request) -> web.Response:
    external_userid = request.match_info["external_userid"]
    found = await customer_detail(database(request), external_userid, scope=scope(request))
    if found is None:
        raise ApiError(404, f"no customer {external_userid!r}")
    return json_response(found)


@api.route(
    "GET",
    "/api/v1/groups",
    summary="Search customer groups (a manager sees the groups they own)",
    permission="read",
    query={
        "q": TEXT | {"description": "part of the group's name or chat_id"},
        "owner": TEXT | {"description": "userid of the owner"},
    }
    | PAGING,
)
async def get_groups(request: web.Request) -> web.Response:
    query = list_groups(database(request), scope=scope(request), **request[keys.PARAMS])
    return json_response(await answer(query))


@api.route(
    "GET",
    "/api/v1/groups/{chat_id}",
    summary="One customer group with its members (customers and staff)",
    permission="read",
    responses={404: "unknown group (or not one the manager owns)"},
)
async def get_group(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    found = await group_detail(database(request), chat_id, scope=scope(request))
    if found is None:
        raise ApiError(404, f"no customer group {chat_id!r}")
    return json_response(found)
