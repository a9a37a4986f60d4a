"""The transport under :class:`bot.wecom.client.WeComClient`: tokens, retries, limits, errors.

Every typed method ends in :meth:`ClientCore._call`, which
1. takes a slot from the per-corp per-API window (and the caller took its per-member/robot slots),
2. gets the shared access token, sends the request, decodes WeCom's JSON,
3. on a rejected token (40001 on an API call, 40014, 42001) invalidates it, fetches a new one and
   resends, at most once per logical call (never in a loop),
4. maps a non-zero errcode to the exception hierarchy in :mod:`bot.wecom.errors`,
5. retries :class:`RetryLater` (but not our own :class:`RateLimited`) with bounded exponential
   backoff and jitter; everything else fails at once.
Logs name the path only: never the query (access_token, corpsecret, webhook key) or a token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.settings import WeComSettings
from bot.state import StateStore
from bot.wecom.errors import (
    BAD_RESPONSE,
    CONNECTION_ERROR,
    HTTP_ERROR,
    TIMEOUT,
    RateLimited,
    RetryLater,
    WeComError,
    error_for,
)
from bot.wecom.ratelimit import RateLimiter
from bot.wecom.tokens import TokenService

log = logging.getLogger("bot.wecom.client")

# errcodes meaning "this access token is no good" on an API call (40001 there = secret reset).
TOKEN_REJECTED = frozenset({40001, 40014, 42001})

Json = dict[str, Any]
FormFactory = Callable[[], aiohttp.FormData]


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries; the delay after try n is in [d/2, d], d = min(max, base * 2**(n-1))."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"invalid retry policy {self}")

    def delay(self, attempt: int, rnd: Callable[[], float] = random.random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + rnd() * ceiling / 2


def _encode(body: Mapping[str, Any]) -> bytes:
    # Raw UTF-8, not \\u escapes: WeCom counts bytes and rejects \\uxxxx sequences (40033).
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class ClientCore:
    """Shared machinery; the typed endpoint methods live in the mixins over it."""

    def __init__(
        self,
        settings: WeComSettings,
        session: aiohttp.ClientSession,
        state: StateStore,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rnd: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._session = session
        self._state = state
        self._base = settings.api_base if settings.api_base.endswith("/") else settings.api_base + "/"
        self._timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(state, sleep=sleep)
        self._sleep = sleep
        self._rnd = rnd
        self.tokens = TokenService(state, settings.corp_id, settings.secret, self._fetch_token)

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Json:
        return await self._call("GET", path, params=params)

    async def _post(
        self, path: str, body: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> Json:
        return await self._call("POST", path, params=params, body=body)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        form: FormFactory | None = None,
        use_token: bool = True,
    ) -> Json:
        """One logical call with bounded retries of transient failures."""
        attempt = 0
        may_refresh = [True]  # one token refresh per logical call, across its attempts
        while True:
            attempt += 1
            try:
                if use_token:
                    return await self._with_token(method, path, params, body, form, may_refresh)
                return self._check(path, await self._http(method, path, params, body, form))
            except RateLimited:
                raise
            except RetryLater as exc:
                if attempt >= self.retry.attempts:
                    log.warning("%s %s: giving up after %d attempts: %s", method, path, attempt, exc)
                    raise
                delay = self.retry.delay(attempt, self._rnd)
                log.info("%s %s: errcode %s, retry %d in %.2fs", method, path, exc.errcode, attempt, delay)
                await self._sleep(delay)

    async def _with_token(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        form: FormFactory | None,
        may_refresh: list[bool],
    ) -> Json:
        token = await self.tokens.get()
        data = await self._http(method, path, {**(params or {}), "access_token": token}, body, form)
        if _errcode(data, path) in TOKEN_REJECTED and may_refresh[0]:
            may_refresh[0] = False
            log.info("%s %s: token rejected (errcode %s), refreshing once", method, path, data.get("errcode"))
            await self.tokens.invalidate(token)
            token = await self.tokens.get()
            data = await self._http(method, path, {**(params or {}), "access_token": token}, body, form)
        return self._check(path, data)

    def _check(self, path: str, data: Json) -> Json:
        code = _errcode(data, path)
        if code != 0:
            exc = error_for(code, str(data.get("errmsg", "")), path)
            log.warning("WeCom %s: errcode %s (%s)", path, code, type(exc).__name__)
            raise exc
        return data

    async def _http(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        form: FormFactory | None,
    ) -> Json:
        """One HTTP exchange; transport failures become RetryLater, never a leaked URL."""
        await self.limiter.api_call(self.settings.corp_id, path)
        kwargs: dict[str, Any] = {"params": dict(params or {}), "timeout": self._timeout}
        if body is not None:
            kwargs["data"] = _encode(body)
            kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
        elif form is not None:
            kwargs["data"] = form()
        started = time.monotonic()
        try:
            async with self._session.request(method, self._base + path, **kwargs) as resp:
                status = resp.status
                raw = await resp.read()
        except TimeoutError:
            raise RetryLater(TIMEOUT, "timeout", path, "No answer in time.", retry_after=1.0) from None
        except aiohttp.ClientError as exc:
            raise RetryLater(
                CONNECTION_ERROR, type(exc).__name__, path, "Could not reach WeCom.", retry_after=1.0
            ) from None
        log.debug("%s %s: HTTP %s in %.0f ms", method, path, status, (time.monotonic() - started) * 1000)
        if status >= 500 or status == 429:
            raise RetryLater(HTTP_ERROR, f"HTTP {status}", path, "Server-side failure.", retry_after=1.0)
        if status != 200:
            raise WeComError(HTTP_ERROR, f"HTTP {status}", path, "Check WECOM_API_BASE and the path.")
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise WeComError(BAD_RESPONSE, "response is not a JSON object", path)
        return data

    async def _fetch_token(self) -> tuple[str, int]:
        """``gettoken`` once; 40001/40013 (bad secret/corp) raise ConfigError, never retried."""
        params = {"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}
        data = self._check("gettoken", await self._http("GET", "gettoken", params, None, None))
        token = data.get("access_token")
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 0
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise RetryLater(BAD_RESPONSE, "gettoken returned no usable token", "gettoken", retry_after=1.0)
        return token, expires_in


def _errcode(data: Json, path: str) -> int:
    try:
        return int(data.get("errcode", 0))
    except (TypeError, ValueError):
        raise WeComError(BAD_RESPONSE, f"errcode is not a number: {data.get('errcode')!r}", path) from None
