"""Roles and what each may do, in one table, so the API, the console and the tests cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models.access import CONSOLE_ROLES

ROLE_LABELS = {"admin": "管理员", "operations": "运营", "reviewer": "合规审核", "manager": "理财经理"}

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(CONSOLE_ROLES),  # managers are narrowed to their own customers by the queries
    "read.audit": frozenset({"admin", "operations", "reviewer"}),
    "campaigns.edit": frozenset({"admin", "operations"}),
    "campaigns.review": frozenset({"admin", "reviewer"}),
    "content.publish": frozenset({"admin", "operations"}),  # market inputs, event commentary
    "events.post": frozenset({"admin", "operations"}),  # the bank's journey events
    "accounts.manage": frozenset({"admin"}),
    "sandbox.control": frozenset({"admin", "operations"}),  # demo only: simulator controls
}

# The staff table's roles, for WeCom members who have no console account of their own.
STAFF_ROLE_TO_CONSOLE = {"ops": "operations", "compliance": "reviewer", "rm": "manager"}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    ``kind`` is ``local`` (username and password), ``wecom`` (signed in with WeCom), ``apikey`` (a bank
    system) or ``token`` (the single ``WECOMBOT_API_TOKEN`` of earlier versions, an admin key).
    """

    kind: str
    name: str
    role: str
    display_name: str = ""

    @property
    def actor(self) -> str:
        """How the change log names this caller."""
        return f"{self.kind}:{self.name}"

    @property
    def is_person(self) -> bool:
        return self.kind in ("local", "wecom")

    @property
    def manager_scope(self) -> str | None:
        """The WeCom userid whose customers a manager may see; None for every other role."""
        return self.name if self.role == "manager" else None

    def who(self, on_behalf_of: object = None) -> str:
        """The name written as author or reviewer. A bank system may act for a named member
        (``by`` in the body); a person always acts as themselves."""
        if not self.is_person and isinstance(on_behalf_of, str) and on_behalf_of.strip():
            return on_behalf_of.strip()[:64]
        return self.name[:64]


def allowed(principal: Principal, permission: str) -> bool:
    roles = PERMISSIONS.get(permission)
    if roles is None:
        raise KeyError(f"unknown permission {permission!r}")
    return principal.role in roles
