"""``wecombot demo --tour``: a scripted scenario through the simulator, printed as a transcript.

Scenes run in the order of :data:`SCENES`; each capability adds its own scene module. A scene drives
the simulator's ``/_sandbox/actions/*`` (so the service receives real signed callbacks) and prints what
each party saw, using the simulator's request log for what the service sent to WeCom.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.embedded import EmbeddedStack
from bot.tour import scene_basics, scene_data
from bot.tour.transcript import Transcript

Scene = Callable[[EmbeddedStack, Transcript], Awaitable[None]]

SCENES: list[tuple[str, Scene]] = [
    ("Full sync from WeCom and the bank's data", scene_data.full_sync_and_imports),
    ("A manager opens the bot", scene_basics.manager_asks_for_help),
]


async def run_tour(stack: EmbeddedStack) -> int:
    """Run every scene; 0 when all passed their own checks, 1 otherwise."""
    transcript = Transcript(stack)
    failures = 0
    for title, scene in SCENES:
        transcript.title(title)
        try:
            await scene(stack, transcript)
        except Exception as exc:  # a broken scene is reported and the tour goes on
            failures += 1
            transcript.say("tour", f"scene failed: {exc!r}")
    transcript.title("done" if not failures else f"{failures} scene(s) failed")
    return 1 if failures else 0
