"""Journeys as data: the built-in ones load; bad definitions fail at load with the journey and step named."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import TEMPLATES_DIR
from bot.journeys.definitions import JourneyError, load_journeys, parse_duration, parse_journey
from bot.journeys.engine import JourneyEngine

SH = ZoneInfo("Asia/Shanghai")


def test_builtin_journeys_load_with_their_templates() -> None:
    journeys = load_journeys(templates=TEMPLATES_DIR)
    assert {
        "product_companion",
        "drawdown_companion",
        "market_companion",
        "account_companion",
        "onboarding",
    } <= set(journeys)
    product = journeys["product_companion"]
    assert [s.id for s in product.steps][:2] == ["d1_confirm", "d7_first_week"]
    assert product.exit_on == ("redemption",)


def _journey(**step: object) -> dict[str, object]:
    base = {"id": "d1", "action": "send", "template": "companion/product/d1", "channel": "customer_task"}
    return {"id": "j1", "trigger": "purchase", "steps": [{**base, **step}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "sned"}, "journey 'j1' step 1 (d1).action: 'sned' is not one of"),
        ({"after": "1 week"}, "journey 'j1' step 1 (d1).after: duration must look like"),
        ({"at": "25:00"}, "(d1).at: no such time"),
        ({"channel": "sms"}, "(d1).channel: 'sms' is not one of"),
        ({"template": "companion/nope"}, "(d1).template: no template 'companion/nope'"),
        (
            {"action": "remind", "reason": "unknown_reason"},
            "(d1).reason: no template 'reminders/unknown_reason/script'",
        ),
        (
            {"action": "branch", "when": [{"field": "customer.tier", "goto": "nowhere"}]},
            "step 'd1': goto 'nowhere' is not a step",
        ),
        ({"colour": "red"}, "(d1): unknown key(s) colour"),
    ],
)
def test_bad_steps_are_refused_naming_journey_and_step(change: dict[str, object], message: str) -> None:
    with pytest.raises(JourneyError) as caught:
        parse_journey(_journey(**change), "x.toml", TEMPLATES_DIR)
    assert message in str(caught.value)
    assert str(caught.value).startswith("x.toml: journey 'j1'")


def test_bad_journeys_and_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(JourneyError, match="trigger: 'sale' is not one of"):
        parse_journey({**_journey(), "trigger": "sale"})
    with pytest.raises(JourneyError, match="needs at least one"):
        parse_journey({"id": "j2", "trigger": "purchase", "steps": []})
    (tmp_path / "a.toml").write_text(
        '[[journey]]\nid = "j1"\ntrigger = "purchase"\n[[journey.steps]]\nid = "x"\naction = "exit"\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text((tmp_path / "a.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(JourneyError, match=r"b\.toml: journey .j1. is also defined in a\.toml"):
        load_journeys(tmp_path)
    (tmp_path / "b.toml").write_text("[[journey]\n", encoding="utf-8")
    with pytest.raises(JourneyError, match=r"b\.toml: cannot read"):
        load_journeys(tmp_path)


def test_durations_and_due_times_on_the_local_clock() -> None:
    assert parse_duration("30m", "x") == timedelta(minutes=30) and parse_duration("7d", "x") == timedelta(
        days=7
    )
    journeys = load_journeys(templates=TEMPLATES_DIR)
    engine = JourneyEngine(journeys, None, None, None, lambda: datetime.now(SH), SH)  # type: ignore[arg-type]
    d1 = journeys["product_companion"].steps[0]
    bought_afternoon = datetime(2026, 12, 1, 15, 0, tzinfo=SH)
    assert engine.due_at(d1, bought_afternoon) == datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    bought_late = datetime(2026, 12, 1, 23, 50, tzinfo=SH)
    assert engine.due_at(d1, bought_late) == datetime(2026, 12, 2, 10, 0, tzinfo=SH)
