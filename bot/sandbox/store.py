"""Everything the simulator remembers, in one typed object (``SandboxState``).

Handlers mutate it; ``/_sandbox/...`` inspection endpoints read it. The corp's frozen seed data is
copied into mutable records here so actions (a new contact, a member joining a group) can change it.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.corp import Customer, SyntheticCorp
from bot.sandbox.limits import SandboxLimits, SlidingWindow

Json = dict[str, Any]
_ALNUM = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 30) -> str:
    """A random WeCom-shaped id (``prefix`` + url-safe characters)."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass
class Relation:
    """A member follows a customer (one row of ``follow_user``)."""

    userid: str
    external_userid: str
    createtime: int
    state: str
    remark: str = ""
    description: str = ""
    tag_ids: list[str] = field(default_factory=list)
    add_way: int = 1


@dataclass
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    members: dict[str, int]  # external_userid -> join_time
    kind: str = ""
    dismissed: bool = False


@dataclass
class WelcomeCode:
    code: str
    userid: str
    external_userid: str
    issued_at: float
    used: bool = False


@dataclass
class MassTarget:
    """One recipient of a mass-message task: a customer or a customer group."""

    userid: str
    external_userid: str = ""
    chat_id: str = ""
    status: int = 0  # 0 unsent, 1 sent, 2 not a friend, 3 over the cap (received another mass message)
    send_time: int = 0


@dataclass
class MassTask:
    msgid: str
    chat_type: str
    creator: str
    create_time: int
    text: Json | None
    attachments: list[Json]
    targets: list[MassTarget]
    sender_status: dict[str, int]  # userid -> 0 unsent / 2 sent
    sender_send_time: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False
    reminders: list[float] = field(default_factory=list)

    def summary(self) -> Json:
        return {
            "msgid": self.msgid,
            "chat_type": self.chat_type,
            "creator": self.creator,
            "create_time": self.create_time,
            "text": self.text,
            "attachments": self.attachments,
            "cancelled": self.cancelled,
            "reminders": len(self.reminders),
            "senders": dict(self.sender_status),
            "targets": [vars(t) for t in self.targets],
        }


@dataclass
class KfSession:
    """One customer's conversation with the kf account."""

    external_userid: str
    state: int = 4  # 4 = ended / not started
    servicer_userid: str = ""
    last_customer_msg: float | None = None
    sends_since_customer_msg: int = 0
    scene: str = ""
    scene_param: str = ""


@dataclass
class KfCode:
    """A one-use code for ``kf/send_msg_on_event`` (welcome_code or msg_code)."""

    code: str
    external_userid: str
    issued_at: float
    ttl: float
    state: int | None  # the session state that produced it (None = welcome, any state)
    msgtypes: tuple[str, ...]
    used: bool = False


@dataclass
class SandboxState:
    """The whole simulated corp, its tokens, traffic and side effects."""

    corp: SyntheticCorp
    clock: Callable[[], float]
    limits: SandboxLimits
    callback_url: str | None = None
    tokens: dict[str, float] = field(default_factory=dict)  # access_token -> expires_at
    requests: list[Json] = field(default_factory=list)
    faults: list[Json] = field(default_factory=list)
    customers: dict[str, Customer] = field(default_factory=dict)
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    groups: dict[str, GroupChat] = field(default_factory=dict)
    tag_groups: list[Json] = field(default_factory=list)
    welcome_codes: dict[str, WelcomeCode] = field(default_factory=dict)
    media: dict[str, Json] = field(default_factory=dict)
    appchats: dict[str, Json] = field(default_factory=dict)
    webhook_keys: set[str] = field(default_factory=set)
    group_welcome_templates: dict[str, Json] = field(default_factory=dict)
    mass_tasks: dict[str, MassTask] = field(default_factory=dict)
    mass_receipts: dict[str, list[float]] = field(default_factory=dict)  # target id -> send times
    kf_messages: list[Json] = field(default_factory=list)  # what sync_msg returns, oldest first
    kf_tokens: dict[str, float] = field(default_factory=dict)  # callback Token -> expires_at
    kf_sessions: dict[str, KfSession] = field(default_factory=dict)
    kf_codes: dict[str, KfCode] = field(default_factory=dict)
    kf_sent: list[Json] = field(default_factory=list)
    kf_msgids: set[str] = field(default_factory=set)
    login_codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code -> (userid, expires)
    # Side effects that tests and the demo inspect.
    delivered: list[Json] = field(default_factory=list)  # app messages that reached a member
    dropped: list[Json] = field(default_factory=list)  # app messages silently dropped by the caps
    appchat_messages: list[Json] = field(default_factory=list)
    webhook_messages: list[Json] = field(default_factory=list)
    welcome_messages: list[Json] = field(default_factory=list)
    tag_changes: list[Json] = field(default_factory=list)
    callbacks: list[Json] = field(default_factory=list)
    member_windows: dict[str, SlidingWindow] = field(default_factory=dict)
    webhook_windows: dict[str, SlidingWindow] = field(default_factory=dict)
    next_msgid: int = 7312904458120090000

    def now(self) -> int:
        return int(self.clock())

    def relation(self, userid: str, external_userid: str) -> Relation | None:
        return self.relations.get((userid, external_userid))

    def followers(self, external_userid: str) -> list[Relation]:
        return [r for (_, ext), r in self.relations.items() if ext == external_userid]

    def customers_of(self, userid: str) -> list[str]:
        return [ext for (uid, ext) in self.relations if uid == userid]

    def find_tag(self, tag_id: str) -> tuple[Json, Json] | None:
        for group in self.tag_groups:
            for tag in group["tag"]:
                if tag["id"] == tag_id:
                    return group, tag
        return None

    def kf_session(self, external_userid: str) -> KfSession:
        session = self.kf_sessions.get(external_userid)
        if session is None:
            session = self.kf_sessions[external_userid] = KfSession(external_userid)
        return session

    def take_msgid(self) -> int:
        self.next_msgid += 1
        return self.next_msgid


def seed_state(
    corp: SyntheticCorp,
    clock: Callable[[], float],
    limits: SandboxLimits,
    callback_url: str | None,
) -> SandboxState:
    """Copy the corp's seed data into a fresh, mutable ``SandboxState``."""
    state = SandboxState(corp=corp, clock=clock, limits=limits, callback_url=callback_url)
    created = state.now() - 30 * 86400
    state.tag_groups = [
        {
            "group_id": g.group_id,
            "group_name": g.group_name,
            "create_time": created,
            "order": i,
            "deleted": False,
            "tag": [
                {"id": t.id, "name": t.name, "create_time": created, "order": j, "deleted": False}
                for j, t in enumerate(g.tags)
            ],
        }
        for i, g in enumerate(corp.tag_groups)
    ]
    tag_ids = {t.name: t.id for g in corp.tag_groups for t in g.tags}
    for c in corp.customers:
        state.customers[c.external_userid] = c
        state.relations[(c.rm_userid, c.external_userid)] = Relation(
            userid=c.rm_userid,
            external_userid=c.external_userid,
            createtime=created,
            state=c.state,
            tag_ids=[tag_ids[n] for n in c.tags if n in tag_ids],
        )
    for g in corp.groups:
        state.groups[g.chat_id] = GroupChat(
            chat_id=g.chat_id,
            name=g.name,
            owner=g.owner_userid,
            create_time=created,
            members=dict.fromkeys(g.member_external_userids, created),
            kind=g.kind,
        )
    state.webhook_keys.add(SANDBOX_WEBHOOK_KEY)
    return state


# The group-robot key of the synthetic ops group (SYNTHETIC, like every sandbox credential).
SANDBOX_WEBHOOK_KEY = "sandbox-webhook-key-ops-0001"

SANDBOX_STATE = web.AppKey("sandbox_state", SandboxState)


def sandbox_state(app: web.Application) -> SandboxState:
    """The simulator's state of a ``create_sandbox_app`` application."""
    return app[SANDBOX_STATE]
