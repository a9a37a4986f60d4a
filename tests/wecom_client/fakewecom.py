"""A tiny WeCom fake for the client tests (SYNTHETIC data): real paths, real answer shapes.

It records every request (method, path under ``/cgi-bin/``, query, JSON body) so tests assert "exactly
one ``message/send`` with this body", issues access tokens, rejects unknown tokens with 40014, and
answers scripted responses queued per path (a dict = JSON answer, an int = bare HTTP status).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.credentials import SANDBOX_CORP_ID, SANDBOX_SECRET

Scripted = dict[str, Any] | int

# Success answers WeCom gives per path, beyond errcode/errmsg (shapes from the protocol sheet).
DEFAULTS: dict[str, dict[str, Any]] = {
    "message/send": {"invaliduser": "", "msgid": "synthetic-msgid-1"},
    "media/upload": {"type": "image", "media_id": "synthetic-media-1", "created_at": "1764480000"},
    "externalcontact/list": {"external_userid": ["wmSynthetic1", "wmSynthetic2"]},
    "externalcontact/get_follow_user_list": {"follow_user": ["rm_synthetic_a", "rm_synthetic_b"]},
    "externalcontact/get_corp_tag_list": {
        "tag_group": [{"group_id": "etG1", "group_name": "风险偏好", "tag": []}]
    },
    "externalcontact/add_corp_tag": {"tag_group": {"group_id": "etG2", "group_name": "兴趣", "tag": []}},
    "externalcontact/groupchat/get": {"group_chat": {"chat_id": "wrSynthetic1", "name": "合成测试群"}},
    "externalcontact/add_msg_template": {"msgid": "msgSynthetic1", "fail_list": []},
    "externalcontact/group_welcome_template/add": {"template_id": "tplSynthetic1"},
    "kf/send_msg": {"msgid": "kfSynthetic1"},
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeWeCom:
    secret: str = SANDBOX_SECRET
    corp_id: str = SANDBOX_CORP_ID
    token_delay: float = 0.02  # widens the race window for the single-fetch tests
    requests: list[Recorded] = field(default_factory=list)
    scripted: dict[str, list[Scripted]] = field(default_factory=dict)
    always: dict[str, Scripted] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)

    def queue(self, path: str, *answers: Scripted) -> None:
        self.scripted.setdefault(path, []).extend(answers)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        body: Any = None
        if request.content_type == "application/json":
            body = json.loads(await request.text())
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            media = form.get("media")
            body = {"filename": getattr(media, "filename", None), "size": len(media.file.read())}  # type: ignore[union-attr]
        self.requests.append(Recorded(request.method, path, dict(request.query), body))
        if path in self.delays:
            await asyncio.sleep(self.delays[path])
        answer = self._scripted(path)
        if isinstance(answer, int):
            return web.Response(status=answer, text="synthetic failure")
        if answer is not None:
            return web.json_response(answer)
        if path == "gettoken":
            return web.json_response(await self._gettoken(request))
        if path == "webhook/send":
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        if request.query.get("access_token") not in self.tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        return web.json_response({"errcode": 0, "errmsg": "ok", **DEFAULTS.get(path, {})})

    def _scripted(self, path: str) -> Scripted | None:
        queue = self.scripted.get(path)
        if queue:
            return queue.pop(0)
        return self.always.get(path)

    async def _gettoken(self, request: web.Request) -> dict[str, Any]:
        await asyncio.sleep(self.token_delay)
        if request.query.get("corpid") != self.corp_id:
            return {"errcode": 40013, "errmsg": "invalid corpid"}
        if request.query.get("corpsecret") != self.secret:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        token = f"synthetic-token-{len(self.tokens) + 1}"
        self.tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
