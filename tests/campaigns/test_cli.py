"""``wecombot campaign ...`` and ``wecombot event`` on a SQLite file, as operations staff run them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from tests.daytime import without_quiet_hours
from tests.delivery.population import populate


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"

    async def prepare() -> None:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await populate(create_sessionmaker(engine))
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    without_quiet_hours(tmp_path, monkeypatch)  # event commentary goes at once, whatever hour CI runs at
    return url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_campaign_commands_walk_the_life_cycle(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    variables = json.dumps({"title": "年末理财讲座", "body": "本周六下午在网点举办理财讲座，欢迎参加。"})
    code, created, _ = _run(
        capsys,
        "campaign",
        "create",
        "--name",
        "讲座邀请",
        "--template",
        "notice",
        "--author",
        "ops_x",
        "--variables",
        variables,
        "--schedule",
        '{"kind": "once", "at": "2026-12-05T10:00:00+08:00"}',
    )
    assert code == 0 and created["status"] == "draft"
    code, preview, _ = _run(capsys, "campaign", "preview", "讲座邀请")
    assert preview["plan"]["customers"] == {"long_tail": 2, "affluent": 2, "hnw": 2}
    assert preview["plan"]["skipped"] == {"opt_out": 1}
    assert _run(capsys, "campaign", "submit", "讲座邀请", "--by", "ops_x")[1]["status"] == "submitted"
    code, _, err = _run(capsys, "campaign", "approve", "讲座邀请", "--by", "ops_x")
    assert code == 1 and "author" in err
    code, rejected, _ = _run(capsys, "campaign", "reject", "讲座邀请", "--by", "rm_a", "--reason", "时间待定")
    assert rejected["status"] == "rejected" and rejected["review_reason"] == "时间待定"
    _run(capsys, "campaign", "submit", "讲座邀请", "--by", "ops_x")
    code, approved, _ = _run(capsys, "campaign", "approve", "讲座邀请", "--by", "rm_a")
    assert approved["status"] == "scheduled"
    code, listed, _ = _run(capsys, "campaign", "list")
    assert [c["name"] for c in listed] == ["讲座邀请"]
    assert _run(capsys, "campaign", "cancel", "讲座邀请", "--by", "ops_x")[1]["status"] == "cancelled"


def test_event_commentary_is_checked_and_queued(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _ = _run(
        capsys,
        "event",
        "--title",
        "央行降准",
        "--comment",
        "央行宣布降准0.25个百分点，释放长期资金。",
        "--kind",
        "policy",
        "--by",
        "ops_x",
    )
    assert code == 0 and result["plan"]["groups"] == {"long_tail": 1, "affluent": 1}
    assert result["plan"]["queued"] == 2
    code, blocked, _ = _run(
        capsys, "event", "--title", "机会", "--comment", "现在买入稳赚不赔", "--by", "ops_x"
    )
    assert code == 1 and blocked["plan"]["queued"] == 0 and blocked["plan"]["blocked"]
