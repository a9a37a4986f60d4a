"""``wecombot demo --tour``: a scripted scenario through the simulator, printed as a transcript.

Scenes run in the order of :data:`SCENES`; each capability adds its own scene module. A scene drives
the simulator's ``/_sandbox/actions/*`` (so the service receives real signed callbacks) and prints what
each party saw, using the simulator's request log for what the service sent to WeCom.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.embedded import EmbeddedStack
from bot.tour import (
    scene_basics,
    scene_community,
    scene_companion,
    scene_data,
    scene_fund_qa,
    scene_push,
)
from bot.tour.transcript import Transcript

Scene = Callable[[EmbeddedStack, Transcript], Awaitable[None]]

SCENES: list[tuple[str, Scene]] = [
    ("Full sync from WeCom and the bank's data", scene_data.full_sync_and_imports),
    ("A manager opens the bot", scene_basics.manager_asks_for_help),
    (
        "Community: welcomes by segment and channel, a group join, a keyword reply, an opt-out",
        scene_community.welcomes_groups_keywords_opt_out,
    ),
    ("A manager asks for a fund diagnosis", scene_fund_qa.manager_asks_for_a_diagnosis),
    ("A customer asks through kf, then is handed over", scene_fund_qa.customer_asks_through_kf),
    (
        "Morning report: planned, checked, managers' tasks, confirmed, counted",
        scene_push.morning_report_to_groups,
    ),
    ("A campaign the compliance gate rejects", scene_push.campaign_rejected_by_the_gate),
    (
        "Companion: a purchase, D+1 and D+7 on a fast clock, a reminder card handled",
        scene_companion.purchase_then_d1_d7_and_a_reminder,
    ),
]


async def run_tour(stack: EmbeddedStack) -> int:
    """Run every scene; 0 when all passed their own checks, 1 otherwise."""
    transcript = Transcript(stack)
    failures = 0
    for title, scene in SCENES:
        transcript.title(title)
        try:
            await transcript.skip_past()
            await scene(stack, transcript)
        except Exception as exc:  # a broken scene is reported and the tour goes on
            failures += 1
            transcript.say("tour", f"scene failed: {exc!r}")
    transcript.title("done" if not failures else f"{failures} scene(s) failed")
    return 1 if failures else 0
