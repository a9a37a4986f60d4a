"""Template pages: the list of message templates with their running version, and one template with each
variant's source, a sample rendering per segment in phone frames and the version history.

Both call :mod:`bot.queries.templates`, as ``/api/v1/templates`` does.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.console.listing import pager, paging, text_arg
from bot.console.ops_labels import AREAS, SEGMENT_STYLES, VERSION_STATUSES
from bot.console.render import needs, page
from bot.queries.previews import sample_renderings
from bot.queries.templates import list_templates, template_detail

routes = web.RouteTableDef()
LABELS = {"area_labels": AREAS, "style_labels": SEGMENT_STYLES, "version_labels": VERSION_STATUSES}


@routes.get("/console/templates")
@needs("read")
async def templates(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    filters = {"q": text_arg(request, "q")[:64], "area": text_arg(request, "area")[:64]}
    result = await list_templates(
        request.app[keys.DB],
        request.app[keys.RENDER].directory,
        area=filters["area"] or None,
        q=filters["q"] or None,
        limit=limit,
        offset=offset,
    )
    return page(
        request, "templates.html", result=result, filters=filters, pager=pager(request, result), **LABELS
    )


@routes.get("/console/templates/{name:.+}")
@needs("read")
async def template(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    render = request.app[keys.RENDER]
    detail = await template_detail(request.app[keys.DB], render.directory, name)
    if detail is None:
        return page(
            request, "record_missing.html", status=404, what=f"模板 {name} ", back_to="/console/templates"
        )
    samples = [] if detail["partial"] else sample_renderings(render, name)
    return page(request, "template.html", kind=detail, samples=samples, **LABELS)
