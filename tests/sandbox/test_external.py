"""Customer contact, tags, customer groups and the welcome-code rules."""

from __future__ import annotations

from bot.sandbox.corp import build_corp
from tests.sandbox.conftest import Api, Clock, FakeService

CORP = build_corp()
RM = "rm_zhangwei"
MINE = CORP.customers_of(RM)[0]


async def test_get_returns_contact_and_follow_user_with_corp_tags(api: Api) -> None:
    answer = await api.get("externalcontact/get", external_userid=MINE.external_userid)
    assert answer["external_contact"]["name"] == MINE.name
    follow = answer["follow_user"][0]
    assert follow["userid"] == RM and follow["state"] == MINE.state
    assert sorted(t["tag_name"] for t in follow["tags"]) == sorted(MINE.tags)
    assert (await api.get("externalcontact/get", external_userid="wmunknown"))["errcode"] == 40096


async def test_list_and_follow_user_list(api: Api) -> None:
    answer = await api.get("externalcontact/list", userid=RM)
    assert set(answer["external_userid"]) == {c.external_userid for c in CORP.customers_of(RM)}
    assert (await api.get("externalcontact/list", userid="nobody"))["errcode"] == 60111
    assert len((await api.get("externalcontact/get_follow_user_list"))["follow_user"]) == 6


async def test_batch_get_by_user_pages_with_cursor(api: Api) -> None:
    seen, cursor = [], ""
    while True:
        answer = await api.post(
            "externalcontact/batch/get_by_user",
            {"userid_list": [RM, "rm_lina"], "cursor": cursor, "limit": 7},
        )
        assert answer["errcode"] == 0 and len(answer["external_contact_list"]) <= 7
        seen += [i["external_contact"]["external_userid"] for i in answer["external_contact_list"]]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    expected = {c.external_userid for c in CORP.customers if c.rm_userid in (RM, "rm_lina")}
    assert len(seen) == len(expected) and set(seen) == expected
    bad = await api.post("externalcontact/batch/get_by_user", {"userid_list": [RM], "limit": 101})
    assert bad["errcode"] == 40058


async def test_mark_tag_needs_a_relation_and_known_tags(api: Api) -> None:
    tag = CORP.tag_by_name("养老规划")
    other = next(c for c in CORP.customers if c.rm_userid != RM)
    body = {"userid": RM, "external_userid": other.external_userid, "add_tag": [tag.id]}
    assert (await api.post("externalcontact/mark_tag", body))["errcode"] == 84061
    body["external_userid"] = MINE.external_userid
    assert (await api.post("externalcontact/mark_tag", {**body, "add_tag": ["etnope"]}))["errcode"] == 40068
    assert (await api.post("externalcontact/mark_tag", {**body, "add_tag": []}))["errcode"] == 40058
    assert (await api.post("externalcontact/mark_tag", body))["errcode"] == 0
    follow = (await api.get("externalcontact/get", external_userid=MINE.external_userid))["follow_user"][0]
    assert "养老规划" in [t["tag_name"] for t in follow["tags"]]
    assert (await api.inspect("tag_changes"))[0]["add_tag"] == [tag.id]


async def test_corp_tags_list_filter_and_add(api: Api) -> None:
    groups = (await api.post("externalcontact/get_corp_tag_list", {}))["tag_group"]
    assert [g["group_name"] for g in groups] == ["来源渠道", "客户层级", "兴趣"]
    added = await api.post("externalcontact/add_corp_tag", {"group_name": "兴趣", "tag": [{"name": "黄金"}]})
    assert added["tag_group"]["tag"][0]["name"] == "黄金"
    dup = await api.post("externalcontact/add_corp_tag", {"group_name": "兴趣", "tag": [{"name": "黄金"}]})
    assert dup["errcode"] == 40071
    only = await api.post(
        "externalcontact/get_corp_tag_list", {"tag_id": [added["tag_group"]["tag"][0]["id"]]}
    )
    assert [t["name"] for t in only["tag_group"][0]["tag"]] == ["黄金"]


async def test_remark_needs_relation(api: Api) -> None:
    body = {"userid": RM, "external_userid": MINE.external_userid, "remark": "VIP 客户"}
    assert (await api.post("externalcontact/remark", body))["errcode"] == 0
    follow = (await api.get("externalcontact/get", external_userid=MINE.external_userid))["follow_user"][0]
    assert follow["remark"] == "VIP 客户"
    assert (await api.post("externalcontact/remark", {**body, "userid": "rm_lina"}))["errcode"] == 84061


async def test_groupchat_list_pages_and_get(api: Api) -> None:
    first = await api.post("externalcontact/groupchat/list", {"limit": 4})
    second = await api.post("externalcontact/groupchat/list", {"limit": 4, "cursor": first["next_cursor"]})
    third = await api.post("externalcontact/groupchat/list", {"limit": 4, "cursor": second["next_cursor"]})
    ids = [g["chat_id"] for page in (first, second, third) for g in page["group_chat_list"]]
    assert len(ids) == 10 and third["next_cursor"] == ""
    owned = await api.post(
        "externalcontact/groupchat/list", {"limit": 100, "owner_filter": {"userid_list": [RM]}}
    )
    assert {g["chat_id"] for g in owned["group_chat_list"]} == {
        g.chat_id for g in CORP.groups if g.owner_userid == RM
    }
    group = CORP.groups[0]
    info = (await api.post("externalcontact/groupchat/get", {"chat_id": group.chat_id, "need_name": 1}))[
        "group_chat"
    ]
    externals = [m for m in info["member_list"] if m["type"] == 2]
    assert info["owner"] == group.owner_userid and len(externals) == len(group.member_external_userids)
    assert all(m["name"] for m in externals)
    assert (await api.post("externalcontact/groupchat/list", {"limit": 0}))["errcode"] == 40058
    assert (await api.post("externalcontact/groupchat/get", {"chat_id": "wrnope"}))["errcode"] == 40050


async def test_welcome_code_once_and_only_within_20_seconds(
    make_api, clock: Clock, service: tuple[FakeService, str]
) -> None:
    fake, url = service
    api: Api = await make_api(callback_url=url)
    status, added = await api.action("add_contact", {"userid": RM, "state": "fund_page_000001"})
    assert status == 200 and added["callback"]["status"] == 200
    assert "<WelcomeCode><![CDATA[" + added["welcome_code"] in fake.received[0]
    welcome = {"welcome_code": added["welcome_code"], "text": {"content": "您好，我是您的理财经理张伟"}}
    clock.advance(20)
    assert (await api.post("externalcontact/send_welcome_msg", welcome))["errcode"] == 0
    assert (await api.post("externalcontact/send_welcome_msg", welcome))["errcode"] == 41050  # used
    _, late = await api.action("add_contact", {"userid": RM, "state": ""})
    clock.advance(20.5)
    answer = await api.post(
        "externalcontact/send_welcome_msg", {**welcome, "welcome_code": late["welcome_code"]}
    )
    assert answer["errcode"] == 41050
    assert (await api.post("externalcontact/send_welcome_msg", {"text": {"content": "x"}}))[
        "errcode"
    ] == 41049
    sent = await api.inspect("welcome_messages")
    assert len(sent) == 1 and sent[0]["external_userid"] == added["external_userid"]


async def test_welcome_attachments_at_most_nine(make_api, service: tuple[FakeService, str]) -> None:
    api: Api = await make_api(callback_url=service[1])
    _, added = await api.action("add_contact", {"userid": RM, "state": ""})
    link = {"msgtype": "link", "link": {"title": "开户指南", "url": "https://example.com/guide"}}
    body = {"welcome_code": added["welcome_code"], "attachments": [link] * 10}
    assert (await api.post("externalcontact/send_welcome_msg", body))["errcode"] == 41064


async def test_group_welcome_template_crud(api: Api) -> None:
    added = await api.post(
        "externalcontact/group_welcome_template/add",
        {
            "text": {"content": "欢迎 %NICKNAME% 加入财富沙龙"},
            "link": {"title": "群规", "url": "https://e.x"},
        },
    )
    template_id = added["template_id"]
    got = await api.post("externalcontact/group_welcome_template/get", {"template_id": template_id})
    assert got["text"]["content"].startswith("欢迎") and got["link"]["title"] == "群规"
    await api.post(
        "externalcontact/group_welcome_template/edit",
        {"template_id": template_id, "text": {"content": "新欢迎语"}},
    )
    got = await api.post("externalcontact/group_welcome_template/get", {"template_id": template_id})
    assert got["text"]["content"] == "新欢迎语" and "link" in got
    assert (await api.post("externalcontact/group_welcome_template/del", {"template_id": template_id}))[
        "errcode"
    ] == 0
    gone = await api.post("externalcontact/group_welcome_template/get", {"template_id": template_id})
    assert gone["errcode"] == 40058
    assert (await api.post("externalcontact/group_welcome_template/add", {}))["errcode"] == 44004
