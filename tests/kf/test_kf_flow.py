"""kf against the simulator: signed doorbells in, sync_msg pulled, replies and hand-overs out.

Everything runs over loopback between the service and the WeCom simulator, with SYNTHETIC sample data.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import keys
from bot.db.models import AuditEntry, KfCursor, KfSession
from bot.kf.puller import KfPuller
from bot.sandbox.driver import CallbackDriver  # noqa: F401  (documents the path the doorbell takes)
from bot.sandbox.events import kf_event
from bot.sandbox.store import new_id, sandbox_state
from bot.state import MemoryStateStore
from tests.fund_qa.stack import action, sample_stack, sandbox_get, settle


def kf(stack: Any) -> Any:
    return stack.service[keys.DISPATCHER].resources.services["kf"]


def customer(stack: Any, risk: str | None = None) -> Any:
    return next(c for c in stack.corp.customers if risk is None or c.risk_level == risk)


async def sent(stack: Any, path: str) -> list[dict[str, Any]]:
    return await sandbox_get(stack, "requests", path=path)


def ok(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if (e.get("response") or {}).get("errcode") == 0]


async def test_customer_question_is_answered_through_kf_with_disclosure(
    sample_db: Path, tmp_path: Path
) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "000001净值多少"})
        replies = ok(await sent(stack, "/cgi-bin/kf/send_msg"))
        assert len(replies) == 1
        body = replies[0]["body"]
        assert body["touser"] == c.external_userid and body["msgtype"] == "text"
        assert "000001" in body["text"]["content"] and "市场有风险，投资需谨慎" in body["text"]["content"]
        # the bot claimed the new session (0 -> 1) before replying
        trans = await sent(stack, "/cgi-bin/kf/service_state/trans")
        assert [t["body"]["service_state"] for t in trans] == [1]
        cursor = await _cursor(stack)
        assert cursor is not None and cursor != ""
        # what left is in the audit log, with the msgid WeCom was given
        async with stack.service[keys.DB]() as session:
            audit = (
                (await session.execute(select(AuditEntry).where(AuditEntry.channel == "kf"))).scalars().all()
            )
        assert [(a.target, a.wecom_msgid, a.rendered_text) for a in audit] == [
            (c.external_userid, body["msgid"], body["text"]["content"])
        ]


async def _cursor(stack: Any) -> str | None:
    async with stack.service[keys.DB]() as session:
        row = await session.get(KfCursor, stack.corp.kf_open_kfid)
        return None if row is None else row.cursor


async def test_duplicates_and_restart_do_not_answer_twice(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        first = await action(
            stack, "kf_message", {"external_userid": c.external_userid, "text": "000001风险等级"}
        )
        # WeCom retries the same doorbell, and a second doorbell comes for the same message
        svc = kf(stack)
        await svc.puller.doorbell(stack.corp.kf_open_kfid, first["token"])
        await svc.puller.doorbell(stack.corp.kf_open_kfid, first["token"])
        await settle(stack)
        assert len(ok(await sent(stack, "/cgi-bin/kf/send_msg"))) == 1
        # a restart: new process (fresh state store, dedupe forgotten), same database (cursor kept)
        restarted = KfPuller(
            svc.wecom, stack.service[keys.DB], MemoryStateStore(), svc.handle, svc.sessions.clock
        )
        await restarted.doorbell(stack.corp.kf_open_kfid, first["token"])
        assert restarted.stats["handled"] == 0
        assert len(ok(await sent(stack, "/cgi-bin/kf/send_msg"))) == 1
        # losing the cursor replays the history: msgid dedupe still stops a second answer
        async with stack.service[keys.DB]() as session, session.begin():
            (await session.get(KfCursor, stack.corp.kf_open_kfid)).cursor = "0"
        await svc.puller.doorbell(stack.corp.kf_open_kfid, first["token"])
        assert svc.puller.stats["duplicates"] >= 1
        assert len(ok(await sent(stack, "/cgi-bin/kf/send_msg"))) == 1


async def test_cold_start_drains_history_without_replying(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        sandbox = sandbox_state(stack.sandbox)
        old = sandbox.now() - 3600
        for i in range(3):  # messages from an hour ago, before the service ever pulled
            sandbox.kf_messages.append(_text_item(stack, c.external_userid, f"旧消息{i} 000001净值", old))
        sandbox.kf_session(c.external_userid).state = 0
        sandbox.kf_session(c.external_userid).last_customer_msg = sandbox.clock()
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "000001净值"})
        replies = ok(await sent(stack, "/cgi-bin/kf/send_msg"))
        assert len(replies) == 1 and "旧消息" not in replies[0]["body"]["text"]["content"]
        assert kf(stack).puller.stats["skipped_history"] == 3


def _text_item(stack: Any, external_userid: str, text: str, when: int, origin: int = 3) -> dict[str, Any]:
    return {
        "msgid": new_id("", 24),
        "open_kfid": stack.corp.kf_open_kfid,
        "external_userid": external_userid,
        "send_time": when,
        "origin": origin,
        "msgtype": "text",
        "text": {"content": text},
    }


async def test_has_more_pages_are_all_pulled(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        svc = kf(stack)
        await action(
            stack, "kf_message", {"external_userid": customer(stack).external_userid, "text": "你好"}
        )
        svc.puller.page_limit = 1  # one item per page: has_more must be followed
        others = [c for c in stack.corp.customers[1:4]]
        for c in others:
            sandbox = sandbox_state(stack.sandbox)
            sandbox.kf_messages.append(_text_item(stack, c.external_userid, "000001净值", sandbox.now()))
            session = sandbox.kf_session(c.external_userid)
            session.state, session.last_customer_msg = 0, sandbox.clock()
        await svc.puller.doorbell(stack.corp.kf_open_kfid)
        replies = ok(await sent(stack, "/cgi-bin/kf/send_msg"))
        assert {r["body"]["touser"] for r in replies} >= {c.external_userid for c in others}
        assert svc.puller.stats["pages"] >= 4


async def test_concurrent_doorbells_pull_once_each_message(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        svc = kf(stack)
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "你好"})
        sandbox = sandbox_state(stack.sandbox)
        sandbox.kf_messages.append(_text_item(stack, c.external_userid, "000001净值", sandbox.now()))
        sandbox.kf_session(c.external_userid).sends_since_customer_msg = 0
        before = len(await sent(stack, "/cgi-bin/kf/sync_msg"))
        await asyncio.gather(*(svc.puller.doorbell(stack.corp.kf_open_kfid) for _ in range(10)))
        pulls = len(await sent(stack, "/cgi-bin/kf/sync_msg")) - before
        assert 1 <= pulls <= 3  # a burst of doorbells costs one pull plus at most a re-run
        texts = [r["body"]["text"]["content"] for r in ok(await sent(stack, "/cgi-bin/kf/send_msg"))]
        assert sum("最新单位净值" in t for t in texts) == 1


async def test_servicer_typing_keeps_the_bot_quiet(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        rm = c.rm_userid
        sandbox = sandbox_state(stack.sandbox)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "你好"})
        before = len(ok(await sent(stack, "/cgi-bin/kf/send_msg")))
        servicer = _text_item(stack, c.external_userid, "您好，我是您的客户经理", sandbox.now(), origin=5)
        servicer["servicer_userid"] = rm
        sandbox.kf_messages.append(servicer)
        sandbox.kf_session(c.external_userid).state = 3  # the servicer took the session in the client
        await kf(stack).puller.doorbell(stack.corp.kf_open_kfid)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "000001净值"})
        assert len(ok(await sent(stack, "/cgi-bin/kf/send_msg"))) == before
        async with stack.service[keys.DB]() as session:
            row = await session.scalar(
                select(KfSession).where(KfSession.external_userid == c.external_userid)
            )
            assert row.service_state == 3 and row.servicer_userid == rm


async def test_window_and_budget_are_checked_before_calling_wecom(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "你好"})
        sessions = kf(stack).sessions
        open_kfid = stack.corp.kf_open_kfid
        for i in range(5):
            await sessions.send_text(open_kfid, c.external_userid, f"第{i}条", f"m{i}")
        before = len(await sent(stack, "/cgi-bin/kf/send_msg"))
        result = await sessions.send_text(open_kfid, c.external_userid, "第六条", "m5")
        assert not result.sent and result.reason == "budget"
        # 48 h after the customer's last message nothing may be sent either
        long_ago = datetime.now(UTC) - timedelta(hours=49)
        await sessions.customer_wrote(open_kfid, c.external_userid, "old", long_ago)
        result = await sessions.send_text(open_kfid, c.external_userid, "太晚了", "m6")
        assert not result.sent and result.reason == "window"
        assert len(await sent(stack, "/cgi-bin/kf/send_msg")) == before  # WeCom was not even asked


async def test_handover_to_the_customers_manager(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "我的基金亏了多少"})
        trans = ok(await sent(stack, "/cgi-bin/kf/service_state/trans"))
        assert trans[-1]["body"]["service_state"] == 3 and trans[-1]["body"]["servicer_userid"] == c.rm_userid
        notices = ok(await sent(stack, "/cgi-bin/kf/send_msg_on_event"))
        assert len(notices) == 1 and "客户经理" in notices[0]["body"]["text"]["content"]
        to_rm = ok(await sent(stack, "/cgi-bin/message/send"))
        assert to_rm[-1]["body"]["touser"] == c.rm_userid
        assert "我的基金亏了多少" in to_rm[-1]["body"]["text"]["content"]
        assert c.name in to_rm[-1]["body"]["text"]["content"]
        # the manager owns the session now: the bot stays silent
        before = len(await sent(stack, "/cgi-bin/kf/send_msg"))
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "000001净值"})
        assert len(await sent(stack, "/cgi-bin/kf/send_msg")) == before


async def test_unanswerable_question_hands_over(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "今天天气怎么样"})
        trans = ok(await sent(stack, "/cgi-bin/kf/service_state/trans"))
        assert trans and trans[-1]["body"]["service_state"] == 3
        notice = ok(await sent(stack, "/cgi-bin/kf/send_msg_on_event"))[-1]["body"]["text"]["content"]
        assert "基金净值" in notice  # says what can be asked


async def test_enter_session_gets_the_welcome(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        result = await action(
            stack, "kf_enter_session", {"external_userid": c.external_userid, "scene": "fundpage"}
        )
        welcomes = ok(await sent(stack, "/cgi-bin/kf/send_msg_on_event"))
        assert len(welcomes) == 1 and welcomes[0]["body"]["code"] == result["welcome_code"]
        assert "市场有风险" in welcomes[0]["body"]["text"]["content"]


async def test_session_status_change_event_updates_the_session(sample_db: Path, tmp_path: Path) -> None:
    async with sample_stack(sample_db, tmp_path) as stack:
        c = customer(stack)
        await action(stack, "kf_message", {"external_userid": c.external_userid, "text": "你好"})
        sandbox = sandbox_state(stack.sandbox)
        item = {"msgid": new_id("", 24), "send_time": sandbox.now(), "origin": 4, "msgtype": "event",
                "event": {"event_type": "session_status_change", "open_kfid": stack.corp.kf_open_kfid,
                          "external_userid": c.external_userid, "change_type": 3,
                          "old_servicer_userid": c.rm_userid}}  # fmt: skip
        sandbox.kf_messages.append(item)
        await kf(stack).puller.doorbell(stack.corp.kf_open_kfid)
        row = await kf(stack).sessions.get(stack.corp.kf_open_kfid, c.external_userid)
        assert row is not None and row.service_state == 4


def test_doorbell_event_builder_is_the_simulators() -> None:
    assert "kf_msg_or_event" in kf_event("tok", "wk1", create_time=1)
