"""Slot content: market inputs (file or API) -> a delivery request per slot fire, and event commentary.

Inputs are looked up for the fire's local day and slot (``market_inputs`` rows posted through the API or
CLI, a day-wide row with ``slot=""`` otherwise), then in the file named by ``[content].market_inputs_file``
(the demo's SYNTHETIC example). A slot with no inputs is skipped and says so, never sent empty.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MarketInput
from bot.delivery.audience import Audience
from bot.delivery.planner import DeliveryRequest
from bot.settings import PROJECT_ROOT
from scheduler.slots import SHANGHAI, Slot

EXAMPLE_INPUTS = PROJECT_ROOT / "config" / "market_inputs.example.toml"
# Slots whose content is worthless once the moment has passed: dropped instead of deferred.
TIME_BOUND = {"midday_brief", "closing_commentary"}
EVENT_KINDS = ("market_move", "policy", "fund_announcement", "other")


class MarketInputError(ValueError):
    """Malformed market inputs; the message names the field."""


def validate_inputs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise: ``theme`` (str), ``indices`` [{name, close, change}], ``news`` [{title}]."""
    theme = raw.get("theme")
    if not isinstance(theme, str) or not theme.strip():
        raise MarketInputError("theme: required, a non-empty string")
    indices = raw.get("indices", [])
    if not isinstance(indices, list) or not indices:
        raise MarketInputError("indices: required, a non-empty list")
    clean_indices = []
    for n, item in enumerate(indices):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise MarketInputError(f"indices[{n}]: needs a name")
        for key in ("close", "change"):
            if isinstance(item.get(key), bool) or not isinstance(item.get(key), int | float):
                raise MarketInputError(f"indices[{n}].{key}: must be a number")
        if abs(item["change"]) > 0.2:
            raise MarketInputError(f"indices[{n}].change: a decimal (0.0062 = +0.62%), got {item['change']}")
        clean_indices.append({k: item[k] for k in ("name", "close", "change", "note") if k in item})
    news = raw.get("news", [])
    if not isinstance(news, list) or not all(
        isinstance(i, dict) and isinstance(i.get("title"), str) for i in news
    ):
        raise MarketInputError("news: a list of items with a title")
    clean_news = [{k: i[k] for k in ("title", "summary") if k in i} for i in news]
    return {"theme": theme.strip(), "indices": clean_indices, "news": clean_news}


def load_inputs_file(path: str | Path) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as fh:
            return validate_inputs(tomllib.load(fh))
    except FileNotFoundError:
        raise MarketInputError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise MarketInputError(f"{path}: not valid TOML ({exc})") from None


async def save_inputs(session: AsyncSession, day: date, slot: str, data: Mapping[str, Any], by: str) -> None:
    """Store (or replace) the inputs of ``day``/``slot`` after validating them."""
    clean = validate_inputs(data)
    row = (
        await session.execute(select(MarketInput).where(MarketInput.day == day, MarketInput.slot == slot))
    ).scalar_one_or_none()
    if row is None:
        session.add(MarketInput(day=day, slot=slot, data=clean, posted_by=by))
    else:
        row.data, row.posted_by = clean, by


async def inputs_for(
    session: AsyncSession, day: date, slot: str, fallback_file: str | None
) -> dict[str, Any] | None:
    rows = (
        (
            await session.execute(
                select(MarketInput).where(MarketInput.day == day, MarketInput.slot.in_((slot, "")))
            )
        )
        .scalars()
        .all()
    )
    by_slot = {r.slot: r.data for r in rows}
    if slot in by_slot or "" in by_slot:
        return by_slot.get(slot) or by_slot[""]
    if fallback_file:
        path = Path(fallback_file)
        return load_inputs_file(path if path.is_absolute() else PROJECT_ROOT / path)
    return None


def slot_request(
    slot: Slot,
    intended: datetime,
    inputs: Mapping[str, Any],
    audience: Audience,
    fire_key: str,
    fire_id: int | None,
) -> DeliveryRequest:
    local = intended.astimezone(slot.tz)
    return DeliveryRequest(
        fire_key=fire_key,
        kind=f"slots/{slot.template}",
        content_kind="market",
        audience=audience,
        planned_at=intended,
        context={"inputs": dict(inputs), "label": slot.label or slot.name, "day": f"{local:%Y-%m-%d}"},
        label=slot.label or slot.name,
        fire_id=fire_id,
        time_bound=slot.name in TIME_BOUND,
    )


def event_request(
    event: Mapping[str, Any], audience: Audience, fire_key: str, fire_id: int | None, now: datetime, by: str
) -> DeliveryRequest:
    """Event commentary 事件点评: rendered, checked and distributed like a slot, at once."""
    title, comment = event.get("title"), event.get("comment")
    if not isinstance(title, str) or not title.strip():
        raise MarketInputError("event.title: required")
    if not isinstance(comment, str) or not comment.strip():
        raise MarketInputError("event.comment: required")
    category = event.get("kind", "other")
    if category not in EVENT_KINDS:
        raise MarketInputError(f"event.kind: one of {', '.join(EVENT_KINDS)}")
    ctx = {"event": {"title": title.strip(), "comment": comment.strip(), "category": category}}
    return DeliveryRequest(
        fire_key=fire_key,
        kind="slots/event_commentary",
        content_kind="market",
        audience=audience,
        planned_at=now,
        context=ctx,
        label=title.strip()[:40],
        fire_id=fire_id,
        approved_by=by,
        time_bound=True,
    )


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()
