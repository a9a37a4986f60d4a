"""Routers: first match wins in the visible order, filters hand data over, bad handlers fail at import."""

from __future__ import annotations

import pytest

from bot.errors import ErrorPath
from bot.matchers import Command, Regex, Role
from bot.routing import Dispatcher, Resources, Router
from bot.wecom.events import KfCustomerMessage, TextMessage, parse_event
from bot.wecom.replies import TextReply


def text(content: str, user: str = "rm_zhangwei") -> TextMessage:
    event = parse_event(
        {
            "ToUserName": "ww",
            "FromUserName": user,
            "CreateTime": "1",
            "MsgType": "text",
            "Content": content,
            "MsgId": "1",
            "AgentID": "1",
        }
    )
    assert isinstance(event, TextMessage)
    return event


def kf_text(content: str) -> KfCustomerMessage:
    return KfCustomerMessage(
        raw={},
        to_user="ww",
        from_user="wmCustomer",
        create_time=1,
        msg_type="text",
        agent_id=None,
        msg_id="m1",
        open_kfid="wk1",
        external_user_id="wmCustomer",
        content=content,
    )


class FakeDirectory:
    async def role_of(self, userid: str) -> str | None:
        return {"rm_zhangwei": "rm", "ops_liuyan": "ops"}.get(userid)

    async def display_name(self, userid: str) -> str | None:
        return None


def dispatcher(root: Router) -> Dispatcher:
    return Dispatcher(root, Resources(directory=FakeDirectory()), ErrorPath())


async def test_first_match_wins_in_include_order() -> None:
    first, second = Router("first"), Router("second")

    @first.command("诊断")
    async def diagnose(args: str) -> str:
        return f"diag:{args}"

    @second.text()
    async def anything() -> str:
        return "fallback"

    root = Router("root")
    root.include(first, second)
    assert (await dispatcher(root).dispatch(text("诊断 000001"))).reply == TextReply("diag:000001")
    assert (await dispatcher(root).dispatch(text("诊断000001"))).reply == TextReply("diag:000001")
    assert (await dispatcher(root).dispatch(text("你好"))).reply == TextReply("fallback")


def test_unknown_handler_argument_fails_at_registration() -> None:
    router = Router("r")
    with pytest.raises(TypeError, match="asks for"):

        @router.text()
        async def bad(event: TextMessage, databse: object) -> None:  # typo on purpose
            return None


def test_sync_handler_is_refused() -> None:
    router = Router("r")
    with pytest.raises(TypeError, match="async"):
        router.register(lambda event: None)  # type: ignore[arg-type]


async def test_regex_hands_match_and_role_filter_checks_directory() -> None:
    router = Router("r")

    @router.text(Regex(r"^(\d{6})$"), Role("rm"))
    async def by_code(match: object, role: str) -> str:
        return f"{role}:{match.group(1)}"  # type: ignore[attr-defined]

    d = dispatcher(router)
    assert (await d.dispatch(text("000001"))).reply == TextReply("rm:000001")
    assert (await d.dispatch(text("000001", user="ops_liuyan"))).reply is None
    assert (await d.dispatch(kf_text("000001"))).reply is None  # customers have no staff role


async def test_kf_and_app_channels_route_separately() -> None:
    router = Router("r")

    @router.kf()
    async def customer() -> str:
        return "kf"

    @router.text()
    async def staff() -> str:
        return "app"

    d = dispatcher(router)
    assert (await d.dispatch(kf_text("hi"))).reply == TextReply("kf")
    assert (await d.dispatch(text("hi"))).reply == TextReply("app")


async def test_middlewares_run_outermost_first() -> None:
    router = Router("r")
    calls: list[str] = []

    @router.text()
    async def handler() -> str:
        calls.append("handler")
        return "ok"

    def mw(name: str):
        async def middleware(call, event, data):
            calls.append(f"{name}>")
            result = await call(event, data)
            calls.append(f"<{name}")
            return result

        return middleware

    d = Dispatcher(router, Resources(), ErrorPath(), middlewares=[mw("outer"), mw("inner")])
    await d.dispatch(text("x"))
    assert calls == ["outer>", "inner>", "handler", "<inner", "<outer"]


def test_command_does_not_match_longer_ascii_words() -> None:
    assert Command("help")(text("helpme")) is None
    assert Command("help")(text("help me")) == {"args": "me"}
    assert Command("帮助")(text("/帮助")) == {"args": ""}
