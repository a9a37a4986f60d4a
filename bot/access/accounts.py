"""Console accounts and API keys: create, list, change, and resolve a caller to a :class:`Principal`.

A WeCom member without an account of their own still gets in with the role their staff row implies
(ops -> operations, compliance -> reviewer, rm -> manager); an account, when there is one, decides.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import changes
from bot.access.passwords import WeakPassword, check_strength, hash_password, verify_password
from bot.access.roles import STAFF_ROLE_TO_CONSOLE, Principal
from bot.db.base import utcnow
from bot.db.models import Staff
from bot.db.models.access import CONSOLE_ROLES, ApiKey, ConsoleAccount

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
KEY_PREFIX = "wcb_"


class AccountError(ValueError):
    """Bad input for an account or key; the message names the field."""


class UnknownMember(AccountError):
    """A WeCom account for a userid that is not a member of the corp."""


class Conflict(AccountError):
    """The input is well formed but the current state refuses it (a name taken, an admin's own account)."""


def _check_role(role: object) -> str:
    if role not in CONSOLE_ROLES:
        raise AccountError(f"role: one of {', '.join(CONSOLE_ROLES)}")
    return str(role)


def _check_name(name: object, field: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise AccountError(f"{field}: 2-64 letters, digits or _.@- (starting with a letter or digit)")
    return name


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def account_view(account: ConsoleAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "kind": account.kind,
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "active": account.active,
        "created_by": account.created_by,
        "created_at": account.created_at.isoformat() if account.created_at else None,
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
    }


def key_view(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "active": key.active,
        "created_by": key.created_by,
        "created_at": key.created_at.isoformat() if key.created_at else None,
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
    }


class AccountBook:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # -- people ---------------------------------------------------------------------------------
    async def create_account(
        self,
        *,
        kind: str,
        username: object,
        role: object,
        display_name: str = "",
        password: str | None = None,
        by: changes.Actor | None = None,
    ) -> dict[str, Any]:
        if kind not in ("local", "wecom"):
            raise AccountError("kind: local or wecom")
        name = _check_name(username, "username")
        role = _check_role(role)
        password_hash = None
        if kind == "local":
            if not isinstance(password, str):
                raise AccountError("password: required for a local account")
            try:
                check_strength(password)
            except WeakPassword as exc:
                raise AccountError(str(exc)) from None
            password_hash = hash_password(password)
        async with self.sessions() as session, session.begin():
            if (
                await session.execute(select(ConsoleAccount.id).where(ConsoleAccount.username == name))
            ).first():
                raise Conflict(f"username: {name!r} exists already")
            if kind == "wecom" and await session.get(Staff, name) is None:
                # a typo would make an account nobody can ever sign in with
                raise UnknownMember(f"username: no WeCom member {name!r} (members come from WeCom sync)")
            account = ConsoleAccount(
                kind=kind,
                username=name,
                display_name=str(display_name or "")[:64],
                role=role,
                password_hash=password_hash,
                active=True,
                created_by=by.actor if by else "setup",
            )
            session.add(account)
            await session.flush()
            detail = {"kind": kind, "role": role}
            if account.display_name:
                detail["display_name"] = account.display_name
            changes.record(session, by, "account.create", "account", name, detail)
            return account_view(account)

    async def update_account(
        self, username: str, *, role: object = None, active: object = None, by: changes.Actor | None = None
    ) -> dict[str, Any]:
        async with self.sessions() as session, session.begin():
            account = await self._account(session, username)
            if account is None:
                raise LookupError(f"no account {username!r}")
            detail: dict[str, Any] = {}
            if role is not None:
                role = _check_role(role)
            if active is not None and not isinstance(active, bool):
                raise AccountError("active: true or false")
            if by is not None and by.actor == f"{account.kind}:{account.username}":
                # Nobody locks themself out by mistake; another admin has to do it.
                if role is not None and role != account.role:
                    raise Conflict("role: you cannot change your own role; ask another admin")
                if active is False:
                    raise Conflict("active: you cannot disable your own account; ask another admin")
            if role is not None:
                account.role = detail["role"] = role
            if active is not None:
                account.active = detail["active"] = active
            changes.record(session, by, "account.update", "account", username, detail)
            return account_view(account)

    async def list_accounts(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            statement = select(ConsoleAccount).order_by(ConsoleAccount.id).limit(limit).offset(offset)
            return [account_view(a) for a in (await session.execute(statement)).scalars()]

    async def count_accounts(self) -> int:
        async with self.sessions() as session:
            return (await session.execute(select(func.count()).select_from(ConsoleAccount))).scalar_one()

    async def has_admin(self) -> bool:
        async with self.sessions() as session:
            statement = select(ConsoleAccount.id).where(
                ConsoleAccount.role == "admin", ConsoleAccount.active.is_(True)
            )
            return (await session.execute(statement)).first() is not None

    async def sign_in_local(self, username: str, password: str) -> Principal | None:
        """The principal for a right username and password; None otherwise (never says which was wrong)."""
        async with self.sessions() as session, session.begin():
            account = await self._account(session, username)
            stored = account.password_hash if account is not None and account.kind == "local" else None
            ok = verify_password(password, stored or _DUMMY_HASH) and stored is not None
            if not ok or account is None or not account.active:
                return None
            account.last_login_at = utcnow()
            return Principal("local", account.username, account.role, account.display_name)

    async def sign_in_wecom(self, userid: str) -> Principal | None:
        """A member WeCom vouched for: their account's role, else the role their staff row implies."""
        async with self.sessions() as session, session.begin():
            principal, account = await self._person(session, "wecom", userid)
            if account is not None:
                account.last_login_at = utcnow()
            return principal

    async def current(self, kind: str, name: str) -> Principal | None:
        """Re-read a signed-in person on each request, so a disabled account or a new role counts at once."""
        async with self.sessions() as session:
            return (await self._person(session, kind, name))[0]

    async def _person(
        self, session: AsyncSession, kind: str, name: str
    ) -> tuple[Principal | None, ConsoleAccount | None]:
        """Who ``name`` is now, and their account if they have one of this kind.

        A local account must exist and be active. A WeCom member's own account decides; without one, an
        active staff row with a console role lets them in.
        """
        account = await self._account(session, name)
        if account is not None and account.kind != kind:
            account = None
        if kind == "local":
            if account is None or not account.active:
                return None, None
            return Principal("local", name, account.role, account.display_name), account
        if kind != "wecom":
            return None, None
        staff = await session.get(Staff, name)
        if account is not None:
            shown = account.display_name or (staff.name if staff else "")
            return (
                (Principal("wecom", name, account.role, shown), account) if account.active else (None, None)
            )
        if staff is None or not staff.active or staff.role not in STAFF_ROLE_TO_CONSOLE:
            return None, None
        return Principal("wecom", name, STAFF_ROLE_TO_CONSOLE[staff.role], staff.name), None

    # -- bank systems ---------------------------------------------------------------------------
    async def create_key(self, name: object, role: object, by: changes.Actor | None = None) -> dict[str, Any]:
        """A new key; the plain key is in the answer once and never stored."""
        key_name = _check_name(name, "name")
        role = _check_role(role)
        plain = KEY_PREFIX + secrets.token_urlsafe(32)
        async with self.sessions() as session, session.begin():
            if (await session.execute(select(ApiKey.id).where(ApiKey.name == key_name))).first():
                raise Conflict(f"name: an API key {key_name!r} exists already")
            key = ApiKey(
                name=key_name,
                prefix=plain[:10],
                key_hash=hash_key(plain),
                role=role,
                active=True,
                created_by=by.actor if by else "setup",
            )
            session.add(key)
            await session.flush()
            changes.record(session, by, "api_key.create", "api_key", key_name, {"role": role})
            return {**key_view(key), "key": plain}

    async def revoke_key(self, name: str, by: changes.Actor | None = None) -> dict[str, Any]:
        async with self.sessions() as session, session.begin():
            key = (await session.execute(select(ApiKey).where(ApiKey.name == name))).scalar_one_or_none()
            if key is None:
                raise LookupError(f"no API key {name!r}")
            if key.active:  # revoking twice changes nothing, so it is logged once
                key.active = False
                changes.record(session, by, "api_key.revoke", "api_key", name)
            return key_view(key)

    async def list_keys(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            statement = select(ApiKey).order_by(ApiKey.id).limit(limit).offset(offset)
            return [key_view(k) for k in (await session.execute(statement)).scalars()]

    async def count_keys(self) -> int:
        async with self.sessions() as session:
            return (await session.execute(select(func.count()).select_from(ApiKey))).scalar_one()

    async def key_principal(self, plain: str) -> Principal | None:
        if not plain.startswith(KEY_PREFIX):
            return None
        async with self.sessions() as session, session.begin():
            key = (
                await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
            ).scalar_one_or_none()
            if key is None or not key.active:
                return None
            now = utcnow()
            if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
                key.last_used_at = now
            return Principal("apikey", key.name, key.role, key.name)

    @staticmethod
    async def _account(session: AsyncSession, username: str) -> ConsoleAccount | None:
        statement = select(ConsoleAccount).where(ConsoleAccount.username == username)
        return (await session.execute(statement)).scalar_one_or_none()


# Checked when the username is unknown, so a wrong username costs the same time as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(8))
