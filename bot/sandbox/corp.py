"""The synthetic sandbox corp: members, customers, groups and corp tags.

SYNTHETIC sample data — not real people. Every name, mobile number, id and balance band here is
generated from a seed so the demo, the simulator and the tests agree on the same corp without any
real customer data. ``build_corp(seed)`` is deterministic: the same seed gives the same corp.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date

from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_KF_OPEN_KFID

ROLES = ("rm", "ops", "compliance")
TIERS = ("long_tail", "affluent", "hnw")
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
AUM_BANDS: dict[str, tuple[str, ...]] = {
    "long_tail": ("<5万", "5-50万"),
    "affluent": ("50-300万",),
    "hnw": ("300-1000万", "≥1000万"),
}
TIER_TAG = {"long_tail": "长尾", "affluent": "富裕", "hnw": "高净值"}
STATES = ("branch_sh01", "branch_sh02", "fund_page_000001", "fund_page_110022", "event_2026q4", "")
STATE_TAG = {"branch": "网点二维码", "fund_page": "基金页", "event": "活动"}
INTEREST_TAGS = ("基金定投", "养老规划", "股票市场", "固收理财")

# (userid, name, role, department)
_MEMBERS: tuple[tuple[str, str, str, str], ...] = (
    ("rm_zhangwei", "张伟", "rm", "上海分行财富管理部"),
    ("rm_lina", "李娜", "rm", "上海分行财富管理部"),
    ("rm_wangfang", "王芳", "rm", "上海分行私人银行部"),
    ("rm_chenjie", "陈杰", "rm", "浦东支行"),
    ("rm_yangmin", "杨敏", "rm", "浦东支行"),
    ("rm_zhaolei", "赵磊", "rm", "徐汇支行"),
    ("ops_liuyan", "刘艳", "ops", "零售运营中心"),
    ("ops_sunhao", "孙浩", "ops", "零售运营中心"),
    ("cmp_zhouqi", "周琪", "compliance", "合规部"),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅晨宇轩浩然欣怡子涵思远"
_GROUPS: tuple[tuple[str, str], ...] = (
    ("wealth_salon", "财富沙龙"),
    ("fund_holders", "基金持有人交流群"),
    ("new_customers", "新客户欢迎群"),
)


@dataclass(frozen=True)
class Member:
    """An employee in the app's visible range (SYNTHETIC)."""

    userid: str
    name: str
    role: str
    department: str
    mobile: str


@dataclass(frozen=True)
class Customer:
    """An external contact (a WeChat user) followed by one relationship manager (SYNTHETIC)."""

    external_userid: str
    name: str
    gender: int  # WeCom: 0 unknown, 1 male, 2 female
    rm_userid: str
    tier: str
    risk_level: str
    aum_band: str
    state: str
    tags: list[str] = field(default_factory=list)
    birthday: date = date(1980, 1, 1)


@dataclass(frozen=True)
class Group:
    """A customer group chat owned by a relationship manager (SYNTHETIC)."""

    chat_id: str
    name: str
    owner_userid: str
    member_external_userids: list[str]
    kind: str


@dataclass(frozen=True)
class Tag:
    id: str
    name: str


@dataclass(frozen=True)
class TagGroup:
    group_id: str
    group_name: str
    tags: list[Tag]


@dataclass(frozen=True)
class SyntheticCorp:
    """The whole synthetic corp with lookup helpers."""

    corp_id: str
    members: list[Member]
    customers: list[Customer]
    groups: list[Group]
    tag_groups: list[TagGroup]
    kf_open_kfid: str
    kf_name: str

    def member(self, userid: str) -> Member | None:
        return next((m for m in self.members if m.userid == userid), None)

    def customer(self, external_userid: str) -> Customer | None:
        return next((c for c in self.customers if c.external_userid == external_userid), None)

    def customers_of(self, rm_userid: str) -> list[Customer]:
        return [c for c in self.customers if c.rm_userid == rm_userid]

    def rms(self) -> list[Member]:
        return [m for m in self.members if m.role == "rm"]

    def group(self, chat_id: str) -> Group | None:
        return next((g for g in self.groups if g.chat_id == chat_id), None)

    def tag_by_name(self, name: str) -> Tag | None:
        return next((t for g in self.tag_groups for t in g.tags if t.name == name), None)

    def tag_by_id(self, tag_id: str) -> tuple[TagGroup, Tag] | None:
        return next(((g, t) for g in self.tag_groups for t in g.tags if t.id == tag_id), None)


_ID_ALPHABET = string.ascii_letters + string.digits + "_-"


def _wecom_id(rng: random.Random, prefix: str) -> str:
    """An id shaped like WeCom's (``wm``/``wr``/``et`` + 30 url-safe characters)."""
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(30))


def _tag_groups(rng: random.Random) -> list[TagGroup]:
    spec = (
        ("来源渠道", tuple(STATE_TAG.values())),
        ("客户层级", tuple(TIER_TAG.values())),
        ("兴趣", INTEREST_TAGS),
    )
    return [
        TagGroup(_wecom_id(rng, "et"), group_name, [Tag(_wecom_id(rng, "et"), n) for n in names])
        for group_name, names in spec
    ]


def _customer_name(rng: random.Random, gender: int) -> str:
    surname = rng.choice(_SURNAMES)
    if rng.random() < 0.35:
        return surname + ("先生" if gender == 1 else "女士")
    return surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _channel_tag(state: str) -> str | None:
    for prefix, tag in STATE_TAG.items():
        if state.startswith(prefix):
            return tag
    return None


def _customer(rng: random.Random, rm_userid: str) -> Customer:
    gender = rng.choice((1, 2))
    roll = rng.random()
    tier = "long_tail" if roll < 0.70 else ("affluent" if roll < 0.92 else "hnw")
    state = rng.choice(STATES)
    tags = [TIER_TAG[tier]]
    channel = _channel_tag(state)
    if channel:
        tags.insert(0, channel)
    tags.extend(sorted(rng.sample(INTEREST_TAGS, rng.randint(0, 2))))
    risk_floor = {"long_tail": 0, "affluent": 1, "hnw": 2}[tier]
    return Customer(
        external_userid=_wecom_id(rng, "wm"),
        name=_customer_name(rng, gender),
        gender=gender,
        rm_userid=rm_userid,
        tier=tier,
        risk_level=rng.choice(RISK_LEVELS[risk_floor:]),
        aum_band=rng.choice(AUM_BANDS[tier]),
        state=state,
        tags=tags,
        birthday=date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28)),
    )


def _groups(rng: random.Random, rms: list[Member], customers: list[Customer]) -> list[Group]:
    groups: list[Group] = []
    for i in range(10):
        owner = rms[i % len(rms)]
        kind, label = _GROUPS[i % len(_GROUPS)]
        own = [c.external_userid for c in customers if c.rm_userid == owner.userid]
        pool = own or [c.external_userid for c in customers]
        size = min(len(pool), rng.randint(3, 12))
        members = sorted(rng.sample(pool, size)) if pool else []
        name = f"{owner.name}的{label}{i // len(rms) + 1}群"
        groups.append(Group(_wecom_id(rng, "wr"), name, owner.userid, members, kind))
    return groups


def build_corp(seed: int = 2026, customers: int = 60) -> SyntheticCorp:
    """Build the SYNTHETIC sandbox corp; the same ``seed`` always gives the same corp."""
    if customers < 0:
        raise ValueError(f"customers must be >= 0, got {customers}")
    rng = random.Random(seed)
    members = [
        Member(uid, name, role, dept, "1380000" + f"{rng.randint(0, 9999):04d}")
        for uid, name, role, dept in _MEMBERS
    ]
    rms = [m for m in members if m.role == "rm"]
    tag_groups = _tag_groups(rng)
    custs = [_customer(rng, rms[i % len(rms)].userid) for i in range(customers)]
    return SyntheticCorp(
        corp_id=SANDBOX_CORP_ID,
        members=members,
        customers=custs,
        groups=_groups(rng, rms, custs),
        tag_groups=tag_groups,
        kf_open_kfid=SANDBOX_KF_OPEN_KFID,
        kf_name="财富小助手（演示）",
    )
