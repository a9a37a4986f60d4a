"""Console sign-in sessions, kept in the state store (Redis when there are several instances).

The cookie holds a random token; the store keeps only its SHA-256, so a copy of the store cannot be
replayed as a cookie. Each session has its own CSRF token, which every form and every state-changing
API call made with the cookie must carry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from yarl import URL

from bot.state import PREFIX, StateStore

SESSION = PREFIX + "session:"
LOGIN_STATE = PREFIX + "login-state:"
COOKIE = "wecombot_session"
LOGIN_STATE_TTL = 600.0


@dataclass(frozen=True)
class Session:
    kind: str
    name: str
    csrf: str


def _key(token: str) -> str:
    return SESSION + hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, state: StateStore, ttl_seconds: float) -> None:
        self.state = state
        self.ttl = ttl_seconds

    async def open(self, kind: str, name: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(kind, name, secrets.token_urlsafe(24))
        await self.state.set(_key(token), json.dumps(session.__dict__), ttl=self.ttl)
        return token, session

    async def get(self, token: str) -> Session | None:
        if not token or len(token) > 128:
            return None
        raw = await self.state.get(_key(token))
        if raw is None:
            return None
        data = json.loads(raw)
        return Session(data["kind"], data["name"], data["csrf"])

    async def close(self, token: str) -> None:
        await self.state.delete(_key(token))

    # One-time ``state`` values for the WeCom sign-in round trip (OAuth2 ``state``, against CSRF).
    async def new_login_state(self, next_path: str) -> str:
        nonce = secrets.token_urlsafe(16)
        await self.state.set(LOGIN_STATE + nonce, next_path, ttl=LOGIN_STATE_TTL)
        return nonce

    async def take_login_state(self, nonce: str) -> str | None:
        if not nonce or len(nonce) > 64:
            return None
        key = LOGIN_STATE + nonce
        next_path = await self.state.get(key)
        # Claiming a "used" marker makes the value good for one sign-in even when two arrive at once.
        if next_path is None or not await self.state.claim(key + ":used", LOGIN_STATE_TTL):
            return None
        await self.state.delete(key)
        return next_path


def csrf_ok(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf.encode(), str(given).encode())


def flash_signature(csrf: str, msg: str, err: str) -> str:
    """Ties the notice in a redirect URL (``?msg=`` / ``?err=``) to the session it was written for, so a
    link someone sends with ``?err=请致电…`` is not shown as the console's own alert."""
    return hmac.new(csrf.encode(), f"{msg}\x00{err}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_redirect(location: str, csrf: str) -> str:
    """``location`` with its notice signed for the session (checked by ``bot.console.render.flash``)."""
    url = URL(location)
    msg, err = url.query.get("msg", ""), url.query.get("err", "")
    if not (msg or err) or not url.path.startswith("/console"):
        return location
    return str(url.update_query(sig=flash_signature(csrf, msg, err)))
