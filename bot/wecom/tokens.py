"""Access tokens: one per (corp, app secret), cached in the StateStore, refreshed by one holder.

Why: every worker fetching its own token stampedes ``gettoken`` and risks an IP ban; WeCom also
rejects tokens early. So the token lives in the shared store under a key derived from a hash of
corp + secret (the secret itself never appears in a key or a log line). Whoever finds the token due
(5 minutes before expiry by default) refreshes it under :func:`bot.state.locked`; callers that find
no valid token wait for the lock and then read the cache, so 100 coroutines or several processes on a
cold cache fetch it once. Callers that find a token due but still valid keep using it while one
holder refreshes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.state import TOKEN, LockTimeout, StateStore, locked
from bot.wecom.errors import BAD_RESPONSE, TIMEOUT, RetryLater

log = logging.getLogger("bot.wecom.tokens")

# Fetches a fresh token: returns (access_token, expires_in seconds) or raises a WeComError.
TokenFetcher = Callable[[], Awaitable[tuple[str, int]]]


def token_id(corp_id: str, secret: str) -> str:
    """Stable, non-reversible id of a (corp, secret) pair for keys and logs."""
    return hashlib.sha256(f"{corp_id}\x00{secret}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class CachedToken:
    token: str
    refresh_at: float  # wall-clock seconds: refresh from here on
    expires_at: float  # wall-clock seconds: unusable from here on

    def dump(self) -> str:
        return json.dumps({"t": self.token, "r": self.refresh_at, "e": self.expires_at})

    @classmethod
    def load(cls, raw: str | None) -> CachedToken | None:
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(str(data["t"]), float(data["r"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None  # a corrupt entry is treated as absent and overwritten


class TokenService:
    """Hands out a valid access token for one (corp, secret); see the module docstring."""

    def __init__(
        self,
        state: StateStore,
        corp_id: str,
        secret: str,
        fetch: TokenFetcher,
        *,
        refresh_margin: float = 300.0,
        lock_ttl: float = 30.0,
        lock_wait: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not corp_id or not secret:
            raise ValueError("TokenService needs a corp_id and a secret")
        self.id = token_id(corp_id, secret)
        self._key = TOKEN + self.id
        self._lock_name = "token:" + self.id
        self._state = state
        self._fetch = fetch
        self._margin = refresh_margin
        self._lock_ttl = lock_ttl
        self._lock_wait = lock_wait
        self._clock = clock
        # In-process single flight: one coroutine per process talks to the shared lock at a time.
        self._local = asyncio.Lock()
        self.fetch_count = 0  # gettoken calls made by this instance (for metrics and tests)

    async def get(self) -> str:
        """A token valid now; fetches one (once across processes) when none is cached."""
        cached = CachedToken.load(await self._state.get(self._key))
        now = self._clock()
        if cached and now < cached.refresh_at:
            return cached.token
        if cached and now < cached.expires_at:
            return await self._refresh_ahead(cached)
        async with self._local:
            cached = CachedToken.load(await self._state.get(self._key))
            if cached and self._clock() < cached.refresh_at:
                return cached.token
            try:
                async with locked(self._state, self._lock_name, ttl=self._lock_ttl, wait=self._lock_wait):
                    return await self._refresh_if_due()
            except LockTimeout:
                raise RetryLater(
                    TIMEOUT, "token refresh lock busy", "gettoken", "Another holder is refreshing.", 1.0
                ) from None

    async def invalidate(self, token: str) -> None:
        """Drop ``token`` from the cache (only if it is still the cached one) after WeCom rejected it."""
        cached = CachedToken.load(await self._state.get(self._key))
        if cached is not None and cached.token == token:
            await self._state.delete(self._key)
            log.info("access token %s invalidated", self.id)

    async def _refresh_ahead(self, cached: CachedToken) -> str:
        """Refresh a due-but-valid token if nobody else is; otherwise keep using it."""
        if self._local.locked():
            return cached.token
        async with self._local:
            try:
                async with locked(self._state, self._lock_name, ttl=self._lock_ttl, wait=0):
                    return await self._refresh_if_due()
            except LockTimeout:
                return cached.token

    async def _refresh_if_due(self) -> str:
        """Under the lock: re-read (another holder may have refreshed), else fetch and store."""
        cached = CachedToken.load(await self._state.get(self._key))
        if cached and self._clock() < cached.refresh_at:
            return cached.token
        token, expires_in = await self._fetch()
        self.fetch_count += 1
        if not token or expires_in <= 0:
            raise RetryLater(BAD_RESPONSE, "gettoken returned no usable token", "gettoken", retry_after=1.0)
        now = self._clock()
        margin = min(self._margin, expires_in / 2)
        fresh = CachedToken(token, now + expires_in - margin, now + expires_in)
        await self._state.set(self._key, fresh.dump(), ttl=expires_in)
        log.info("access token %s refreshed, valid %ss", self.id, expires_in)
        return token
