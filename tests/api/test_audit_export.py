"""The audit logs as CSV files: what a compliance reviewer opens in a spreadsheet or hands to a regulator."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from aiohttp import ClientPayloadError, ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.exc import OperationalError

from bot import keys
from bot.api import audit_export
from bot.db.models import AuditEntry
from bot.queries.audit_log import newest_id, search_messages
from tests.api.conftest import ApiCaller
from tests.api.test_audit_and_accounts import SHANGHAI, _arrange_messages


async def _csv(api: ApiCaller, path: str, role: str = "reviewer") -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {api.keys[role]}"}
    async with ClientSession() as http:
        async with http.get(api.stack.service_url + path, headers=headers) as resp:
            return resp.status, dict(resp.headers), await resp.read()


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode()), "Excel needs the byte-order mark to read Chinese"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_the_message_log_exports_filtered_newest_first_in_shanghai_time(api: ApiCaller) -> None:
    await _arrange_messages(api)
    status, headers, data = await _csv(api, "/api/v1/audit/messages.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"] and ".csv" in headers["Content-Disposition"]
    assert headers["Cache-Control"] == "no-store" and headers["X-Total-Count"] == "3"
    rows = _rows(data)
    assert [r["rendered_text"][:2] for r in rows] == ["您好", "张伟", "早安"]
    assert rows[1]["sent_at"] == "2026-03-10T23:30:00+08:00" and rows[1]["channel"] == "app_message"

    status, _, data = await _csv(api, "/api/v1/audit/messages.csv?q=红利&since=2026-03-09&until=2026-03-09")
    assert status == 200 and [r["template_key"] for r in _rows(data)] == ["morning_report"]

    status, _, data = await _csv(api, "/api/v1/audit/messages.csv?since=yesterday")
    assert status == 400 and b'"field": "since"' in data
    assert (await _csv(api, "/api/v1/audit/messages.csv?limit=5"))[0] == 400  # the whole set, no pages
    assert (await _csv(api, "/api/v1/audit/messages.csv", role="manager"))[0] == 403


async def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(api: ApiCaller) -> None:
    async with api.stack.service[keys.DB]() as session, session.begin():
        session.add(
            AuditEntry(
                sent_at=datetime(2026, 3, 9, 9, tzinfo=SHANGHAI),
                channel="kf_reply",
                target='=HYPERLINK("http://x.example")',
                rendered_text="+1 基金净值上涨，市场有风险，投资需谨慎。",
            )
        )
    status, _, data = await _csv(api, "/api/v1/audit/messages.csv")
    assert status == 200
    (row,) = _rows(data)
    assert row["target"].startswith("'=") and row["rendered_text"].startswith("'+1")


async def test_the_change_log_exports_with_its_detail(api: ApiCaller) -> None:
    admin = await api.local()
    account = {"kind": "wecom", "username": "rm_lina", "role": "manager", "display_name": "李娜"}
    assert (await admin.call("POST", "/api/v1/accounts", account))[0] == 201
    status, _, data = await _csv(api, "/api/v1/audit/changes.csv?action=account.create", role="operations")
    assert status == 200
    (row,) = [r for r in _rows(data) if r["object_id"] == "rm_lina"]
    assert row["actor"] == "local:admin" and '"display_name": "李娜"' in row["detail"]
    assert row["at"].endswith("+08:00")


async def test_an_export_keeps_the_set_it_started_with(api: ApiCaller) -> None:
    """Messages arriving during an export stay out of it (the ceiling is the newest id at the start)."""
    await _arrange_messages(api)
    db = api.stack.service[keys.DB]
    ceiling = await newest_id(db, AuditEntry)
    await _arrange_messages(api)  # three more arrive while the export pages through
    first = await search_messages(db, limit=2, offset=0, ceiling=ceiling)
    second = await search_messages(db, limit=2, offset=2, ceiling=ceiling)
    assert first["total"] == 3 and [m["id"] for m in first["messages"] + second["messages"]] == sorted(
        range(1, ceiling + 1), reverse=True
    )


async def test_a_database_failure_mid_export_cuts_the_file_instead_of_ending_it(
    api: ApiCaller, monkeypatch: Any
) -> None:
    """A reviewer must never take a partial file for the whole log: the transfer is left unfinished."""
    await _arrange_messages(api)
    monkeypatch.setattr(audit_export, "MAX_LIMIT", 1)  # one row per page, so the export pages
    real = api.stack.service[keys.DB]
    opened = 0

    def failing_third_page() -> Any:  # newest_id, page 1, page 2 work; the database goes away after
        nonlocal opened
        opened += 1
        if opened > 3:
            raise OperationalError("SELECT", {}, Exception("the database went away"))
        return real()

    app = web.Application()

    async def handler(request: web.Request) -> web.StreamResponse:
        return await audit_export.export(request, failing_third_page, "messages", {})

    app.router.add_get("/export.csv", handler)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/export.csv")
        assert resp.status == 200 and resp.headers["X-Total-Count"] == "3"
        with pytest.raises(ClientPayloadError):
            await resp.read()
