"""What a new contact's welcome says and carries, by segment and channel: no I/O beyond media upload.

Templates: ``community/welcome/{channel}/{segment}.j2`` -> ``.../{channel}/default.j2`` ->
``community/welcome/default/{segment}.j2`` -> ``community/welcome/default/default.j2``. Attachments
come from ``[[welcome_attachments]]`` (channel and segment, ``*`` for any), titles from templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateNotFound

from bot.content import Rendered, Renderer
from handlers.community_config import AttachmentSpec, CommunityConfig

DEFAULT_CHANNEL = "default"


@dataclass(frozen=True)
class WelcomeChoice:
    channel: str
    param: str
    segment: str
    compliance_kind: str
    rendered: Rendered


def segment_of(tier: str | None) -> str:
    """Unknown customers are served as long-tail (the plain, self-service style)."""
    return tier if tier in ("long_tail", "affluent", "hnw") else "long_tail"


def choose_welcome(
    config: CommunityConfig, render: Renderer, state: str, tier: str | None, name: str = ""
) -> WelcomeChoice:
    rule, param = config.channel_of(state)
    channel = rule.channel if rule else DEFAULT_CHANNEL
    segment = segment_of(tier)
    context = {"name": name, "source": channel, "param": param, "tier": segment}
    try:
        rendered = render.render(f"community/welcome/{channel}", segment, "welcome_text", **context)
        kind = rule.compliance_kind if rule else "service"
    except TemplateNotFound:
        rendered = render.render("community/welcome/default", segment, "welcome_text", **context)
        kind = "service"
    return WelcomeChoice(channel, param, segment, kind, rendered)


def fallback_welcome(render: Renderer, segment: str, name: str = "") -> Rendered:
    """The plain service welcome, used when a channel's text does not pass the compliance gate."""
    context = {"name": name, "source": DEFAULT_CHANNEL, "param": "", "tier": segment}
    return render.render("community/welcome/default", segment, "welcome_text", **context)


async def build_attachments(
    specs: tuple[AttachmentSpec, ...],
    choice: WelcomeChoice,
    render: Renderer,
    media_id: Any,
) -> list[dict[str, Any]]:
    """The attachment payloads for this welcome (at most 9, in configuration order)."""
    out: list[dict[str, Any]] = []
    ctx = {"param": choice.param, "source": choice.channel, "tier": choice.segment}
    for spec in specs:
        if not spec.applies(choice.channel, choice.segment):
            continue
        f = spec.fields
        if spec.type == "link":
            link = {"title": render.text(f["title"], **ctx), "url": f["url"].format(**ctx)}
            if f.get("desc"):
                link["desc"] = render.text(f["desc"], **ctx)
            out.append({"msgtype": "link", "link": link})
        elif spec.type == "miniprogram":
            out.append(
                {
                    "msgtype": "miniprogram",
                    "miniprogram": {
                        "title": render.text(f["title"], **ctx),
                        "pic_media_id": await media_id(f["file"]),
                        "appid": f["appid"],
                        "page": f["page"].format(**ctx),
                    },
                }
            )
        elif f.get("pic_url"):
            out.append({"msgtype": "image", "image": {"pic_url": f["pic_url"].format(**ctx)}})
        else:
            out.append({"msgtype": "image", "image": {"media_id": await media_id(f["file"])}})
    return out[:9]
