"""Customer contact (``externalcontact/``): customers, followers, remarks and corp tags.

As in WeCom, edits made through these APIs emit no callback.
"""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.store import Relation, SandboxState, new_id, sandbox_state
from bot.sandbox.wire import (
    ApiError,
    Json,
    body_of,
    int_field,
    json_response,
    list_field,
    ok,
    page,
    text_field,
)

routes = web.RouteTableDef()


def _member(state: SandboxState, userid: str) -> str:
    if state.corp.member(userid) is None:
        raise ApiError(60111, userid)
    return userid


def external_contact(state: SandboxState, external_userid: str) -> Json:
    customer = state.customers.get(external_userid)
    if customer is None:
        raise ApiError(40096, external_userid)
    return {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "type": 1,
        "gender": customer.gender,
        "avatar": "",
        "unionid": "",
    }


def _follow_tags(state: SandboxState, relation: Relation) -> list[Json]:
    tags = []
    for tag_id in relation.tag_ids:
        found = state.find_tag(tag_id)
        if found:
            group, tag = found
            tags.append(
                {"group_name": group["group_name"], "tag_name": tag["name"], "tag_id": tag_id, "type": 1}
            )
    return tags


def follow_info(state: SandboxState, relation: Relation, *, full: bool) -> Json:
    info: Json = {
        "userid": relation.userid,
        "remark": relation.remark,
        "description": relation.description,
        "createtime": relation.createtime,
        "add_way": relation.add_way,
        "oper_userid": relation.userid,
        "state": relation.state,
        "remark_mobiles": [],
    }
    if full:
        info["tags"] = _follow_tags(state, relation)
    else:
        info["tag_id"] = list(relation.tag_ids)
    return info


@routes.get("/cgi-bin/externalcontact/get")
async def get_contact(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    external_userid = request.query.get("external_userid", "")
    if not external_userid:
        raise ApiError(40058, "external_userid is required")
    contact = external_contact(state, external_userid)
    follow = [follow_info(state, r, full=True) for r in state.followers(external_userid)]
    return json_response(ok(external_contact=contact, follow_user=follow))


@routes.get("/cgi-bin/externalcontact/list")
async def list_contacts(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    userid = _member(state, request.query.get("userid", ""))
    return json_response(ok(external_userid=state.customers_of(userid)))


@routes.get("/cgi-bin/externalcontact/get_follow_user_list")
async def follow_user_list(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    return json_response(ok(follow_user=[m.userid for m in state.corp.rms()]))


@routes.post("/cgi-bin/externalcontact/batch/get_by_user")
async def batch_get_by_user(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    userids = list_field(body, "userid_list")
    if not 1 <= len(userids) <= 100:
        raise ApiError(40058, "userid_list needs 1 to 100 members")
    for userid in userids:
        _member(state, str(userid))
    limit = int_field(body, "limit", 50)
    if not 1 <= limit <= 100:
        raise ApiError(40058, "limit must be 1..100")
    relations = [r for uid in userids for (u, _), r in state.relations.items() if u == uid]
    chunk, next_cursor = page(relations, text_field(body, "cursor", required=False), limit)
    items = [
        {
            "external_contact": external_contact(state, r.external_userid),
            "follow_info": follow_info(state, r, full=False),
        }
        for r in chunk
    ]
    return json_response(ok(external_contact_list=items, next_cursor=next_cursor))


@routes.post("/cgi-bin/externalcontact/remark")
async def remark(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    relation = state.relation(text_field(body, "userid"), text_field(body, "external_userid"))
    if relation is None:
        raise ApiError(84061)
    if "remark" in body:
        relation.remark = text_field(body, "remark", required=False)
    if "description" in body:
        relation.description = text_field(body, "description", required=False)
    return json_response(ok())


@routes.post("/cgi-bin/externalcontact/get_corp_tag_list")
async def get_corp_tag_list(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    tag_ids = set(list_field(body, "tag_id"))
    group_ids = set(list_field(body, "group_id"))
    result = []
    for group in state.tag_groups:
        if group_ids and group["group_id"] not in group_ids:
            continue
        tags = [t for t in group["tag"] if not tag_ids or t["id"] in tag_ids]
        if tag_ids and not tags:
            continue
        result.append({**group, "tag": tags})
    return json_response(ok(tag_group=result))


@routes.post("/cgi-bin/externalcontact/add_corp_tag")
async def add_corp_tag(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    new_tags = list_field(body, "tag")
    if not new_tags:
        raise ApiError(40058, "tag list is empty")
    group_id = text_field(body, "group_id", required=False)
    now = state.now()
    if group_id:
        group = next((g for g in state.tag_groups if g["group_id"] == group_id), None)
        if group is None:
            raise ApiError(40068, f"group_id {group_id}")
    else:
        name = text_field(body, "group_name")
        group = next((g for g in state.tag_groups if g["group_name"] == name), None)
        if group is None:
            group = {
                "group_id": new_id("et"),
                "group_name": name,
                "create_time": now,
                "order": int_field(body, "order", 0),
                "deleted": False,
                "tag": [],
            }
            state.tag_groups.append(group)
    existing = {t["name"] for t in group["tag"]}
    added = []
    for item in new_tags:
        if not isinstance(item, dict):
            raise ApiError(40058, "each tag must be an object with a name")
        name = text_field(item, "name")
        if name in existing:
            raise ApiError(40071, name)
        existing.add(name)
        added.append(
            {
                "id": new_id("et"),
                "name": name,
                "create_time": now,
                "order": int_field(item, "order", 0),
                "deleted": False,
            }
        )
    group["tag"].extend(added)
    return json_response(ok(tag_group={**group, "tag": added}))


@routes.post("/cgi-bin/externalcontact/mark_tag")
async def mark_tag(request: web.Request) -> web.Response:
    state = sandbox_state(request.app)
    body = body_of(request)
    userid = _member(state, text_field(body, "userid"))
    external_userid = text_field(body, "external_userid")
    add = [str(t) for t in list_field(body, "add_tag")]
    remove = [str(t) for t in list_field(body, "remove_tag")]
    if not add and not remove:
        raise ApiError(40058, "add_tag and remove_tag are both empty")
    for tag_id in add + remove:
        if state.find_tag(tag_id) is None:
            raise ApiError(40068, tag_id)
    relation = state.relation(userid, external_userid)
    if relation is None:
        raise ApiError(84061)
    for tag_id in add:
        if tag_id not in relation.tag_ids:
            relation.tag_ids.append(tag_id)
    relation.tag_ids[:] = [t for t in relation.tag_ids if t not in remove]
    state.tag_changes.append(
        {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": add,
            "remove_tag": remove,
            "time": state.clock(),
        }
    )
    return json_response(ok())
