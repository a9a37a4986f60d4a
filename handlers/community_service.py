"""The long-lived community service: configuration, the media cache and the keyword rule book.

Started by :func:`service_context` (listed in ``handlers.service_contexts``) as
``services["community"]``; handlers call :func:`community_of`, which builds it on first use when a
caller (the chat CLI, a unit test) has no start-up contexts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import keys
from bot.settings import PROJECT_ROOT
from bot.state import PREFIX, StateStore
from handlers.community_config import CommunityConfig, load_config
from handlers.community_keywords_book import KeywordBook

log = logging.getLogger("wecombot.community")

SERVICE = "community"
MEDIA_KEY = PREFIX + "community:media:"
MEDIA_TTL = 2 * 86400  # WeCom keeps temporary media 3 days; refresh well before
LOCAL_MEDIA_TTL = 600.0  # this process re-reads the shared id every 10 min
BACKGROUND_CONCURRENCY = 4


class CommunityService:
    def __init__(self, config: CommunityConfig) -> None:
        self.config = config
        self.keywords = KeywordBook(config.keywords)
        self._media_locks: dict[str, asyncio.Lock] = {}
        self._media: dict[str, tuple[str, float]] = {}  # file -> (media_id, monotonic expiry)
        # Follow-up work (profile re-fetch, tags, records) runs a few at a time, so a burst of new
        # contacts does not crowd out the welcomes still inside their 20 s window.
        self.background = asyncio.Semaphore(BACKGROUND_CONCURRENCY)
        self._checked: dict[tuple[str, str], bool] = {}

    def passes(self, compliance: Any, text: str, kind: str, template: str, version: str) -> bool:
        """The gate's verdict on a welcome text, remembered (the same texts recur for every contact)."""
        key = (text, kind)
        verdict = self._checked.get(key)
        if verdict is None:
            result = compliance.check(text, kind=kind, template=template, template_version=version)
            if not result.passed:
                log.error("%s blocked by compliance: %s", template, [f.message for f in result.blocking])
            verdict = self._checked[key] = result.passed
            if len(self._checked) > 4096:
                self._checked.pop(next(iter(self._checked)))
        return verdict

    async def media_id(self, wecom: Any, state: StateStore, file: str) -> str:
        """The media_id of a configured file, uploaded once and shared through the state store."""
        local = self._media.get(file)
        if local is not None and local[1] > time.monotonic():
            return local[0]
        key = MEDIA_KEY + file
        cached = await state.get(key)
        if cached:
            self._media[file] = (cached, time.monotonic() + LOCAL_MEDIA_TTL)
            return cached
        lock = self._media_locks.setdefault(file, asyncio.Lock())
        async with lock:
            cached = await state.get(key)
            if cached:
                return cached
            path = Path(file) if Path(file).is_absolute() else PROJECT_ROOT / file
            content = await asyncio.to_thread(path.read_bytes)
            started = time.perf_counter()
            media_id = await wecom.upload_media("image", path.name, content)
            log.info("uploaded %s as media in %.0f ms", path.name, (time.perf_counter() - started) * 1000)
            await state.set(key, media_id, ttl=MEDIA_TTL)
            self._media[file] = (media_id, time.monotonic() + LOCAL_MEDIA_TTL)
            return media_id


def community_of(services: dict[str, Any], settings: Any = None) -> CommunityService:
    service = services.get(SERVICE)
    if service is None:
        overrides: Mapping[str, Any] = settings.section("community") if settings is not None else {}
        service = services[SERVICE] = CommunityService(load_config(overrides))
    return service


async def service_context(app: web.Application) -> AsyncIterator[None]:
    """Build the service at start-up so a bad configuration stops the service, not a customer's welcome."""
    resources = app[keys.DISPATCHER].resources
    service = community_of(resources.services, app[keys.SETTINGS])
    try:  # read the database keyword rules now, not on the first message's clock
        await service.keywords.rules(resources.db)
    except Exception as exc:  # a missing table is the migration's problem; messages retry the load
        log.error("keyword rules not preloaded: %s", exc)
        service.keywords.invalidate()
    yield
