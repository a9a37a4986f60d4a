"""Jinja2 rendering over ``content_templates/``, by message kind and segment style, within channel limits.

Templates are looked up as ``{kind}/{segment}.j2`` then ``{kind}/default.j2`` (or ``{kind}.j2``), so a
kind can have a plain long-tail style, a fuller affluent style and a professional high-net-worth style.
Every rendering carries the template path and a version (a hash of its source) for the audit log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from bot.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "content_templates"
SEGMENTS = ("long_tail", "affluent", "hnw")

# UTF-8 byte limits per channel (protocol sheet §4, wecom-kf.md §4).
CHANNEL_LIMITS: dict[str, int] = {
    "app_text": 2048,
    "app_markdown": 2048,
    "passive_text": 2048,
    "kf_text": 2048,
    "mass_text": 4000,
    "welcome_text": 4000,
    "robot_text": 2048,
    "robot_markdown": 4096,
    "textcard_description": 512,
}


def content_hash(source: bytes) -> str:
    """A template's version: 12 hex digits of the SHA-256 of its file, as the audit log records it."""
    return hashlib.sha256(source).hexdigest()[:12]


@dataclass(frozen=True)
class Rendered:
    text: str
    template: str
    version: str
    truncated: bool = False


def fit_bytes(text: str, limit: int, ellipsis: str = "…") -> tuple[str, bool]:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    budget = limit - len(ellipsis.encode("utf-8"))
    cut = data[:budget].decode("utf-8", errors="ignore")
    return cut.rstrip() + ellipsis, True


class Renderer:
    """Render message templates; ``render("help/staff")`` or ``render("morning_report", segment="hnw")``."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates change with a deploy, not while running
        )
        self.env.filters["pct"] = _pct
        self.env.filters["signed_pct"] = _signed_pct
        self._versions: dict[str, str] = {}
        self._resolved: dict[tuple[str, str | None], str] = {}
        self._listings: dict[str, list[str]] = {}
        self._static: dict[str, str] = {}

    def _candidates(self, kind: str, segment: str | None) -> list[str]:
        names = []
        if segment:
            names.append(f"{kind}/{segment}.j2")
        names += [f"{kind}/default.j2", f"{kind}.j2"]
        return names

    def resolve(self, kind: str, segment: str | None = None) -> str:
        cached = self._resolved.get((kind, segment))
        if cached is not None:
            return cached
        for name in self._candidates(kind, segment):
            if (self.directory / name).is_file():
                self._resolved[(kind, segment)] = name
                return name
        raise TemplateNotFound(f"no template for {kind!r} (segment {segment!r}) in {self.directory.name}/")

    def version(self, name: str) -> str:
        if name not in self._versions:
            self._versions[name] = content_hash((self.directory / name).read_bytes())
        return self._versions[name]

    def render(
        self, kind: str, segment: str | None = None, channel: str | None = None, **context: Any
    ) -> Rendered:
        name = self.resolve(kind, segment)
        text = self.env.get_template(name).render(**context).strip()
        truncated = False
        if channel is not None:
            text, truncated = fit_bytes(text, CHANNEL_LIMITS[channel])
        return Rendered(text=text, template=name, version=self.version(name), truncated=truncated)

    def list(self, folder: str, prefix: str = "") -> list[str]:
        """Template kinds under ``folder`` whose file names start with ``prefix``, sorted (cached)."""
        key = f"{folder}/{prefix}"
        if key not in self._listings:
            names = sorted(p.name[:-3] for p in (self.directory / folder).glob(f"{prefix}*.j2"))
            self._listings[key] = [f"{folder}/{n}" for n in names]
        return list(self._listings[key])

    def static(self, kind: str) -> str:
        """A template that takes no variables, rendered once (help lines, fixed notices)."""
        if kind not in self._static:
            self._static[kind] = self.text(kind)
        return self._static[kind]

    def text(self, kind: str, segment: str | None = None, channel: str | None = None, **context: Any) -> str:
        return self.render(kind, segment, channel, **context).text


def _pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _signed_pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:+.{digits}f}%"
