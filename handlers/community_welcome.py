"""add_external_contact: the welcome first (WeCom allows 20 s, once), then attribution and sync.

The handler sends the welcome itself, so nothing slower stands between the callback and
``send_welcome_msg``; the tag marking, the profile re-fetch and the records run afterwards in a tracked
task. A welcome code is claimed in the state store before use, so a reused code (or a retry the
dedupe missed) never sends twice; a missed window (our own check or WeCom's 41050) is recorded, never
raised.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.content import Renderer
from bot.db.models import AuditEntry, Customer, WelcomeRecord
from bot.routing import Router
from bot.state import PREFIX
from bot.wecom.errors import WeComError, WelcomeCodeInvalid
from bot.wecom.events import ExternalContactEvent
from handlers.community_attribution import attribute_channel
from handlers.community_service import CommunityService, community_of
from handlers.community_welcome_content import build_attachments, choose_welcome, fallback_welcome

log = logging.getLogger("wecombot.community.welcome")
router = Router(name=__name__)

CLAIM_KEY = PREFIX + "community:welcome:"
CLAIM_TTL = 7 * 86400


@dataclass
class WelcomeOutcome:
    status: str  # sent | missed | skipped | blocked | failed
    channel: str = ""
    segment: str = "long_tail"
    template: str = ""
    version: str = ""
    text: str = ""
    errcode: int | None = None
    detail: str = ""
    latency_ms: int | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)


async def _customer(db: Any, external_userid: str) -> Customer | None:
    if db is None:
        return None
    async with db() as session:
        return await session.get(Customer, external_userid)


async def send_welcome(
    event: ExternalContactEvent,
    service: CommunityService,
    *,
    wecom: Any,
    db: Any,
    render: Renderer,
    state: Any,
    compliance: Any,
    now: datetime,
) -> WelcomeOutcome:
    started = time.perf_counter()
    age = now.timestamp() - event.create_time
    if event.create_time and age > service.config.welcome_window_seconds:
        return WelcomeOutcome("missed", detail=f"callback handled {age:.1f} s after the add event")
    customer = await _customer(db, event.external_user_id)
    name = customer.name if customer is not None else ""
    choice = choose_welcome(service.config, render, event.state, customer and customer.tier, name)
    rendered = choice.rendered
    out = WelcomeOutcome("sent", choice.channel, choice.segment, rendered.template, rendered.version)
    if compliance is not None and not service.passes(
        compliance, rendered.text, choice.compliance_kind, rendered.template, rendered.version
    ):
        rendered = fallback_welcome(render, choice.segment, name)
        if not service.passes(compliance, rendered.text, "service", rendered.template, rendered.version):
            out.status, out.detail = "blocked", "the welcome texts do not pass the compliance gate"
            return out
        out.template, out.version = rendered.template, rendered.version
    out.text = rendered.text
    try:
        out.attachments = await build_attachments(
            service.config.attachments, choice, render, lambda f: service.media_id(wecom, state, f)
        )
    except (WeComError, OSError) as exc:  # an attachment problem must not cost the welcome text
        log.error("welcome attachments left out: %s", exc)
    try:
        await wecom.send_welcome_msg(event.welcome_code, out.text, out.attachments)
    except WelcomeCodeInvalid as exc:
        out.status, out.errcode, out.detail = "missed", exc.errcode, exc.errmsg
    except WeComError as exc:
        out.status, out.errcode, out.detail = "failed", exc.errcode, str(exc)
    out.latency_ms = int((time.perf_counter() - started) * 1000)
    return out


async def record_welcome(db: Any, event: ExternalContactEvent, outcome: WelcomeOutcome) -> bool:
    """Store the outcome (and the audit entry of a sent welcome); False if the code was seen before."""
    if db is None:
        return True
    when = datetime.fromtimestamp(event.create_time, UTC) if event.create_time else None
    record = WelcomeRecord(
        welcome_code=event.welcome_code or f"none:{event.dedupe_key}"[:128],
        userid=event.user_id,
        external_userid=event.external_user_id,
        state=event.state,
        channel=outcome.channel,
        segment=outcome.segment,
        template=outcome.template,
        template_version=outcome.version,
        status=outcome.status,
        errcode=outcome.errcode,
        detail=outcome.detail[:2000],
        event_time=when,
        latency_ms=outcome.latency_ms,
    )
    try:
        async with db() as session, session.begin():
            session.add(record)
            if outcome.status == "sent":
                session.add(
                    AuditEntry(
                        channel="welcome",
                        target=event.external_user_id,
                        sender=event.user_id,
                        template_key=outcome.template,
                        template_version=outcome.version or None,
                        rendered_text=outcome.text,
                        result={"attachments": outcome.attachments},
                    )
                )
    except IntegrityError:
        log.warning("welcome code of %s recorded before; not recorded twice", event.external_user_id)
        return False
    return True


@router.event("change_external_contact", ("add_external_contact", "add_half_external_contact"))
async def on_add_contact(
    event: ExternalContactEvent,
    wecom: Any,
    db: Any,
    render: Renderer,
    state: Any,
    tasks: Any,
    compliance: Any,
    services: dict[str, Any],
    settings: Any,
    clock: Any,
) -> None:
    service = community_of(services, settings)
    if not event.welcome_code:
        outcome = WelcomeOutcome("skipped", detail="WeCom sent no WelcomeCode (a welcome is set elsewhere)")
    elif not await state.claim(CLAIM_KEY + event.welcome_code, CLAIM_TTL):
        log.warning("welcome code for %s already used; not sending again", event.external_user_id)
        return None
    else:
        outcome = await send_welcome(
            event, service, wecom=wecom, db=db, render=render, state=state, compliance=compliance, now=clock()
        )
        level = logging.INFO if outcome.status == "sent" else logging.WARNING
        log.log(level, "welcome %s for %s: %s", outcome.status, event.external_user_id, outcome.detail)
    tasks.spawn(_after_add(event, outcome, service, wecom, db, state), name="community.after_add")
    return None


async def _after_add(
    event: ExternalContactEvent,
    outcome: WelcomeOutcome,
    service: CommunityService,
    wecom: Any,
    db: Any,
    state: Any,
) -> None:
    """The slower work: relation and profile, channel tags (mark_tag once), the welcome record."""
    async with service.background:
        await _follow_up(event, outcome, service, wecom, db, state)


async def _follow_up(
    event: ExternalContactEvent,
    outcome: WelcomeOutcome,
    service: CommunityService,
    wecom: Any,
    db: Any,
    state: Any,
) -> None:
    if db is not None:
        from bot.db import sync

        async with db() as session, session.begin():
            await sync.on_contact_added(session, event.user_id, event.external_user_id, state=event.state)
        try:
            async with db() as session, session.begin():
                await sync.refresh_contact(session, wecom, event.external_user_id)
        except WeComError as exc:
            log.warning("profile of %s not refreshed: %s", event.external_user_id, exc)
    await attribute_channel(
        service.config,
        wecom,
        db,
        state,
        event.user_id,
        event.external_user_id,
        event.state,
        once_key=event.welcome_code or event.dedupe_key,
    )
    await record_welcome(db, event, outcome)
