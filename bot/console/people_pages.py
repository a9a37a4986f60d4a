"""Customers and customer groups: searchable lists and detail pages.

They call the same queries as ``/api/v1/customers`` and ``/api/v1/groups``, with the same manager scope:
a relationship manager sees their own customers and the groups they own, and anything else is "not found".
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.console.listing import CHANNEL_LABELS, FUND_TYPE_LABELS, SEGMENT_LABELS, pager, paging, text_arg
from bot.console.render import needs, page, principal
from bot.queries.groups import group_detail, list_groups
from bot.queries.people import SEGMENTS, customer_detail, list_customers

routes = web.RouteTableDef()
LABELS = {
    "segment_labels": SEGMENT_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "fund_type_labels": FUND_TYPE_LABELS,
}


def _missing(request: web.Request, what: str, back_to: str) -> web.Response:
    return page(request, "record_missing.html", status=404, what=what, back_to=back_to)


@routes.get("/console/customers")
@needs("read")
async def customers(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    segment = text_arg(request, "segment")
    filters = {"q": text_arg(request, "q"), "segment": segment if segment in SEGMENTS else ""}
    result = await list_customers(
        request.app[keys.DB],
        scope=principal(request).manager_scope,
        q=filters["q"],
        segment=filters["segment"] or None,
        limit=limit,
        offset=offset,
    )
    return page(
        request,
        "customers.html",
        result=result,
        filters=filters,
        pager=pager(request, result),
        own_only=principal(request).manager_scope is not None,
        **LABELS,
    )


@routes.get("/console/customers/{external_userid}")
@needs("read")
async def customer(request: web.Request) -> web.Response:
    who = principal(request)
    found = await customer_detail(
        request.app[keys.DB], request.match_info["external_userid"], scope=who.manager_scope
    )
    if found is None:
        return _missing(request, "该客户", "/console/customers")
    # A manager may open a group's page only when they own it.
    for group in found["groups"]:
        group["viewable"] = who.manager_scope is None or group["owner_userid"] == who.manager_scope
    return page(request, "customer.html", c=found, **LABELS)


@routes.get("/console/groups")
@needs("read")
async def groups(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    filters = {"q": text_arg(request, "q")}
    result = await list_groups(
        request.app[keys.DB],
        scope=principal(request).manager_scope,
        q=filters["q"],
        limit=limit,
        offset=offset,
    )
    return page(
        request,
        "groups.html",
        result=result,
        filters=filters,
        pager=pager(request, result),
        own_only=principal(request).manager_scope is not None,
    )


@routes.get("/console/groups/{chat_id}")
@needs("read")
async def group(request: web.Request) -> web.Response:
    found = await group_detail(
        request.app[keys.DB], request.match_info["chat_id"], scope=principal(request).manager_scope
    )
    if found is None:
        return _missing(request, "该客户群", "/console/groups")
    return page(request, "group.html", g=found)
