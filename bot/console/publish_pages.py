"""内容发布: what operations staff publish by hand, without a terminal.

- 事件点评 (event commentary): rendered per segment, checked by the compliance gate and queued at once,
  exactly as ``POST /api/v1/commentary``; a blocked text shows its findings and nothing is sent.
- 市场数据 (market inputs): the figures a slot's report reads for a day, as ``POST /api/v1/market_inputs``;
  index moves are typed in percent (0.62 = +0.62%) and stored as decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.access import changes
from bot.api.campaigns import pipeline
from bot.console.campaign_form import SEGMENTS
from bot.console.render import back, needs, page, principal
from bot.delivery.audience import Audience, AudienceError
from scheduler.content import MarketInputError, save_inputs
from scheduler.slots import SHANGHAI, load_slots, slot_label

routes = web.RouteTableDef()
HERE = "/console/publish"
EVENT_KINDS = {"market_move": "市场异动", "policy": "政策", "fund_announcement": "基金公告", "other": "其他"}
AUDIENCES = {"group": "客户群", "single": "客户（单聊，经理确认）", "both": "客户和客户群"}
INDEX_NAMES = ("上证指数", "深证成指", "创业板指", "沪深300")
NEWS_ROWS = 3


def _context(request: web.Request, **extra: Any) -> dict[str, Any]:
    today = request.app[keys.DISPATCHER].resources.clock().date()
    base = {
        "event_kinds": EVENT_KINDS,
        "audiences": AUDIENCES,
        "segments": SEGMENTS,
        "slots": {
            name: slot.label or name for name, slot in sorted(load_slots().items(), key=lambda i: i[1].at)
        },
        "index_names": INDEX_NAMES,
        "news_rows": range(NEWS_ROWS),
        "today": today.isoformat(),
        "event": {},
        "result": None,
        "error": "",
        "inputs_error": "",
        "typed": {},
    }
    return base | extra


@routes.get(HERE)
@needs("content.publish")
async def publish_page(request: web.Request) -> web.Response:
    return page(request, "publish.html", **_context(request))


@routes.post(HERE + "/commentary")
@needs("content.publish")
async def post_commentary(request: web.Request) -> web.Response:
    form = await request.post()
    event = {
        "title": str(form.get("title", "")).strip(),
        "comment": str(form.get("comment", "")).strip(),
        "kind": str(form.get("kind", "other")),
    }
    raw_audience = {"chat_type": str(form.get("chat_type", "group")), "segments": form.getall("segments", [])}
    who = principal(request)
    try:
        audience = Audience.from_mapping(raw_audience)
        fire_id, result = await pipeline(request).post_event(event, audience, who.who(), actor=who)
    except (AudienceError, MarketInputError) as exc:
        return page(request, "publish.html", status=400, **_context(request, event=event, error=str(exc)))
    if result.passed:
        summary = result.summary()
        reach = sum(summary["customers"].values()) + sum(summary["groups"].values())
        raise back(HERE, msg=f"事件点评已排入发送（批次 {fire_id}，覆盖 {reach} 个客户或客户群）。")
    context = _context(request, event=event, result=result.summary())
    return page(request, "publish.html", status=422, **context)


def _number(form: MultiDictProxy[Any], name: str, label: str) -> float | None:
    raw = str(form.get(name, "")).strip().replace("%", "")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise MarketInputError(f"{label}：请填写数字，而不是 {raw!r}") from None


def inputs_from_form(form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The market-inputs mapping from the form's rows (empty rows are left out)."""
    indices = []
    for n in range(len(INDEX_NAMES)):
        name = str(form.get(f"index_name_{n}", "")).strip()
        close = _number(form, f"index_close_{n}", f"{name or '指数'} 收盘点位")
        change = _number(form, f"index_change_{n}", f"{name or '指数'} 涨跌幅")
        if not name or close is None or change is None:
            continue
        item: dict[str, Any] = {"name": name, "close": close, "change": round(change / 100, 6)}
        note = str(form.get(f"index_note_{n}", "")).strip()
        if note:
            item["note"] = note
        indices.append(item)
    news = []
    for n in range(NEWS_ROWS):
        title = str(form.get(f"news_title_{n}", "")).strip()
        if title:
            summary = str(form.get(f"news_summary_{n}", "")).strip()
            news.append({"title": title, **({"summary": summary} if summary else {})})
    return {"theme": str(form.get("theme", "")).strip(), "indices": indices, "news": news}


@routes.post(HERE + "/market_inputs")
@needs("content.publish")
async def post_market_inputs(request: web.Request) -> web.Response:
    form = await request.post()
    slot = str(form.get("slot", ""))
    who, slots = principal(request), load_slots()
    try:
        day = date.fromisoformat(str(form.get("day", "")))
        if slot not in slots:
            raise MarketInputError(f"栏目：未知栏目 {slot!r}")
        inputs = inputs_from_form(form)
        async with request.app[keys.DB]() as session, session.begin():
            await save_inputs(session, day, slot, inputs, who.who())
            changes.record(session, who, "market_inputs.save", "market_inputs", f"{day}/{slot}")
    except ValueError as exc:  # MarketInputError is a ValueError, as is a bad date
        message = str(exc) if isinstance(exc, MarketInputError) else "日期格式应为 YYYY-MM-DD"
        typed = {k: str(v) for k, v in form.items() if k != "csrf_token"}  # kept for the fix
        context = _context(request, inputs_error=message, typed=typed)
        return page(request, "publish.html", status=400, **context)
    stamp = datetime.now(SHANGHAI).strftime("%H:%M")
    saved = f"{day} {slot_label(slot, slots)}的市场数据已保存（{stamp}），该栏目发送时将使用这些数据。"
    raise back(HERE, msg=saved)
