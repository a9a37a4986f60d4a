"""Server-side chart geometry: the console draws charts as inline SVG from these numbers (no JavaScript).

:func:`stacked_bars` turns per-day counts by status into rectangles, axis ticks and a legend; the
template only writes them out, with each bar's numbers in a ``<title>`` and a data table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36


def nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def stacked_bars(
    days: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    colors: Mapping[str, str],
    labels: Mapping[str, str],
) -> dict[str, Any]:
    """``days``: ``[{"day": "2026-11-30", "counts": {status: n}, "total": n}]``, oldest first.

    Statuses are stacked bottom-up in ``order``; empty ones are left out of the bar and the legend.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max((int(d["total"]) for d in days), default=0))
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 2.0)
    used = [s for s in order if any(d["counts"].get(s) for d in days)]
    bars = []
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar_w) / 2
        y = TOP + plot_h
        segments = []
        for status in used:
            n = int(day["counts"].get(status, 0))
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            segments.append(
                {
                    "y": round(y, 1),
                    "h": round(h, 1),
                    "color": colors[status],
                    "title": f"{labels[status]} {n}",
                }
            )
        bars.append(
            {
                "x": round(x, 1),
                "w": round(bar_w, 1),
                "day": day["day"],
                "label": day["day"][5:].replace("-", "/"),
                "label_x": round(x + bar_w / 2, 1),
                "total": int(day["total"]),
                "segments": segments,
            }
        )
    ticks = [
        {"value": value, "y": round(TOP + plot_h - plot_h * value / top, 1)} for value in (0, top // 2, top)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": TOP + plot_h + 18,
        "bars": bars,
        "ticks": ticks if top > 1 else ticks[::2],
        "legend": [{"status": s, "label": labels[s], "color": colors[s]} for s in used],
        "empty": not used,
    }
