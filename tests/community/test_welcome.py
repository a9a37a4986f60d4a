"""New contacts: one welcome by segment and channel, within the window, once; channel tags once."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.content import Renderer
from bot.db.models import AuditEntry, CorpTag, CustomerManager, CustomerTag, WelcomeRecord
from bot.sandbox import events
from tests.community.conftest import Sim

RENDER = Renderer()


def _hnw(sim: Sim):  # a SYNTHETIC high-net-worth customer of the corp
    return next(c for c in sim.stack.corp.customers if c.tier == "hnw")


async def _records(sim: Sim) -> list[WelcomeRecord]:
    async with sim.db() as session:
        return list((await session.execute(select(WelcomeRecord).order_by(WelcomeRecord.id))).scalars())


async def test_hnw_customer_from_a_fund_page_gets_the_hnw_fund_page_welcome(sim: Sim) -> None:
    customer = _hnw(sim)
    await sim.action(
        "add_contact",
        {
            "userid": customer.rm_userid,
            "external_userid": customer.external_userid,
            "state": "fund_page_000001",
        },
    )
    sent = await sim.requests("externalcontact/send_welcome_msg")
    assert len(sent) == 1 and sent[0]["response"]["errcode"] == 0
    body = sent[0]["body"]
    expected = RENDER.render(
        "community/welcome/fund_page",
        "hnw",
        name=customer.name,
        param="000001",
        source="fund_page",
        tier="hnw",
    )
    assert expected.template == "community/welcome/fund_page/hnw.j2"
    assert body["text"]["content"] == expected.text
    assert "市场有风险，投资需谨慎" in body["text"]["content"]
    urls = [a["link"]["url"] for a in body["attachments"] if a["msgtype"] == "link"]
    assert urls == ["https://wealth.example.com/funds/000001", "https://wealth.example.com/private-banking"]
    welcomes = await sim.call("GET", "/_sandbox/welcome_messages")
    assert [w["external_userid"] for w in welcomes] == [customer.external_userid]
    [record] = await _records(sim)
    assert (record.status, record.channel, record.segment) == ("sent", "fund_page", "hnw")
    assert record.template == "community/welcome/fund_page/hnw.j2" and record.latency_ms is not None
    async with sim.db() as session:
        audit = (
            (await session.execute(select(AuditEntry).where(AuditEntry.channel == "welcome"))).scalars().all()
        )
    assert [a.target for a in audit] == [customer.external_userid]
    assert audit[0].rendered_text == expected.text


async def test_new_contact_at_a_branch_gets_long_tail_branch_welcome_with_mini_program(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    first = await sim.action("add_contact", {"userid": rm, "state": "branch_sh01"})
    await sim.action("add_contact", {"userid": rm, "state": "branch_sh02"})
    sent = await sim.requests("externalcontact/send_welcome_msg")
    assert len(sent) == 2 and all(s["response"]["errcode"] == 0 for s in sent)
    body = sent[0]["body"]
    assert body["welcome_code"] == first["welcome_code"]
    expected = RENDER.text(
        "community/welcome/branch", "long_tail", name="", param="sh01", source="branch", tier="long_tail"
    )
    assert body["text"]["content"] == expected and "退订" in expected
    [mini] = [a["miniprogram"] for a in body["attachments"]]
    assert mini["page"] == "pages/branch/index?code=sh01" and mini["pic_media_id"]
    # the cover is uploaded once and reused
    assert len(await sim.requests("media/upload")) == 1
    assert sent[1]["body"]["attachments"][0]["miniprogram"]["pic_media_id"] == mini["pic_media_id"]
    records = await _records(sim)
    assert [(r.status, r.channel, r.segment) for r in records] == [("sent", "branch", "long_tail")] * 2


async def _tag_names(sim: Sim, ext: str) -> list[str]:
    async with sim.db() as session:
        query = (
            select(CorpTag.name)
            .join(CustomerTag, CustomerTag.tag_id == CorpTag.tag_id)
            .where(CustomerTag.external_userid == ext)
        )
        return list((await session.execute(query)).scalars())


async def test_channel_tag_is_marked_once_and_stored_locally(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[1].userid
    added = await sim.action("add_contact", {"userid": rm, "state": "event_2026q4"})
    ext = added["external_userid"]
    # WeCom re-sends the same callback (e.g. our answer was late): nothing happens twice
    [callback] = await sim.call("GET", "/_sandbox/callbacks")
    await sim.send_xml(callback["plaintext"])
    marks = await sim.requests("externalcontact/mark_tag")
    tag = sim.stack.corp.tag_by_name("活动")
    assert [m["body"]["add_tag"] for m in marks] == [[tag.id]]
    assert marks[0]["body"]["userid"] == rm and marks[0]["response"]["errcode"] == 0
    assert len(await sim.call("GET", "/_sandbox/tag_changes")) == 1
    assert len(await sim.requests("externalcontact/send_welcome_msg")) == 1
    assert await _tag_names(sim, ext) == ["活动"]
    async with sim.db() as session:
        query = select(CustomerManager).where(CustomerManager.external_userid == ext)
        relation = (await session.execute(query)).scalar_one()
    assert relation.state == "event_2026q4" and relation.userid == rm


async def test_customer_coming_back_is_tagged_again_and_records_agree(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[1].userid
    added = await sim.action("add_contact", {"userid": rm, "state": "event_2026q4"})
    ext = added["external_userid"]
    await asyncio.sleep(1.1)  # a new add event (another CreateTime), not a retry
    await sim.action("add_contact", {"userid": rm, "external_userid": ext, "state": "event_2026q4"})
    # the simulator's new relation starts without tags, so the tag is marked on it again
    assert len(await sim.requests("externalcontact/mark_tag")) == 2
    assert await _tag_names(sim, ext) == ["活动"]
    assert len(await sim.requests("externalcontact/send_welcome_msg")) == 2


async def test_no_welcome_when_wecom_sent_no_welcome_code(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    customer = sim.stack.corp.customers_of(rm)[0]
    xml = events.external_contact_event(
        "add_external_contact",
        rm,
        customer.external_userid,
        state="branch_sh01",
        create_time=int(time.time()),
    )
    await sim.send_xml(xml)
    assert await sim.requests("externalcontact/send_welcome_msg") == []
    [record] = await _records(sim)
    assert record.status == "skipped"


async def test_a_reused_welcome_code_sends_once(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    added = await sim.action("add_contact", {"userid": rm, "state": ""})
    again = events.external_contact_event(
        "add_external_contact",
        rm,
        added["external_userid"],
        welcome_code=added["welcome_code"],
        create_time=int(time.time()) + 1,  # a different event key: the callback dedupe does not catch it
    )
    await sim.send_xml(again)
    sent = await sim.requests("externalcontact/send_welcome_msg")
    assert len(sent) == 1
    assert [r.status for r in await _records(sim)] == ["sent"]


async def test_wecom_refusing_the_code_is_recorded_not_retried(sim: Sim) -> None:
    await sim.call("POST", "/_sandbox/faults", {"path": "externalcontact/send_welcome_msg", "errcode": 41050})
    rm = sim.stack.corp.rms()[0].userid
    await sim.action("add_contact", {"userid": rm, "state": "branch_sh01"})
    sent = await sim.requests("externalcontact/send_welcome_msg")
    assert len(sent) == 1 and sent[0]["response"]["errcode"] == 41050
    [record] = await _records(sim)
    assert (record.status, record.errcode) == ("missed", 41050)
    # the rest of the work still happened: the channel tag
    assert len(await sim.requests("externalcontact/mark_tag")) == 1


async def test_no_welcome_after_the_window(late_sim: Sim) -> None:
    rm = late_sim.stack.corp.rms()[0].userid
    await late_sim.action("add_contact", {"userid": rm, "state": "branch_sh01"})
    assert await late_sim.requests("externalcontact/send_welcome_msg") == []
    [record] = await _records(late_sim)
    assert record.status == "missed" and "after the add event" in record.detail
