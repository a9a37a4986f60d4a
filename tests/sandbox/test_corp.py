"""The synthetic corp is deterministic, well-formed and says it is synthetic."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.sandbox import corp as corp_module
from bot.sandbox.corp import AUM_BANDS, build_corp
from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_KF_OPEN_KFID


def test_same_seed_same_corp_and_other_seed_differs() -> None:
    assert build_corp(7) == build_corp(7)
    assert build_corp(7).customers != build_corp(8).customers


def test_shape_of_members_customers_groups_and_tags() -> None:
    corp = build_corp()
    assert corp.corp_id == SANDBOX_CORP_ID and corp.kf_open_kfid == SANDBOX_KF_OPEN_KFID
    assert Counter(m.role for m in corp.members) == {"rm": 6, "ops": 2, "compliance": 1}
    assert corp.member("rm_zhangwei") is not None and corp.member("cmp_zhouqi").role == "compliance"
    assert len(corp.customers) == 60 and len(corp.groups) == 10
    ids = [c.external_userid for c in corp.customers]
    assert len(set(ids)) == 60 and all(i.startswith("wm") and len(i) == 32 for i in ids)
    assert all(g.chat_id.startswith("wr") and len(g.chat_id) == 32 for g in corp.groups)
    rms = {m.userid for m in corp.rms()}
    for c in corp.customers:
        assert (
            c.rm_userid in rms
            and c.aum_band in AUM_BANDS[c.tier]
            and c.risk_level in {"C1", "C2", "C3", "C4", "C5"}
        )
        assert corp.customer(c.external_userid) is c
    for g in corp.groups:
        assert g.owner_userid in rms and set(g.member_external_userids) <= set(ids)
    names = {g.group_name: [t.name for t in g.tags] for g in corp.tag_groups}
    assert names["客户层级"] == ["长尾", "富裕", "高净值"] and "基金页" in names["来源渠道"]
    assert sum(len(corp.customers_of(r)) for r in rms) == 60


def test_tiers_roughly_follow_the_segment_mix() -> None:
    tiers = Counter(c.tier for c in build_corp(customers=2000).customers)
    assert 0.65 < tiers["long_tail"] / 2000 < 0.75 and 0.04 < tiers["hnw"] / 2000 < 0.12


def test_module_says_synthetic_and_rejects_negative_count() -> None:
    assert "SYNTHETIC" in (corp_module.__doc__ or "")
    with pytest.raises(ValueError, match="customers"):
        build_corp(customers=-1)
