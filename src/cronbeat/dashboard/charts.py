"""Chart geometry for inline SVG: pure, so that the numbers behind a picture are testable.
The templates in `charts.html` only draw what these functions compute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cronbeat.dashboard.formatting import duration
from cronbeat.uptime import Day

WIDTH = 900
HEIGHT = 40
GAP = 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # up, down, partial, none, bar
    title: str


def uptime_bars(days: Sequence[Day]) -> list[Bar]:
    """One bar a day: green all up, amber partly down, red mostly down, grey not watched."""
    if not days:
        return []
    width = (WIDTH - GAP * (len(days) - 1)) / len(days)
    bars = []
    for n, day in enumerate(days):
        ratio = day.ratio
        if ratio is None:
            css, text = "none", "not monitored"
        else:
            css = "up" if ratio == 1 else ("partial" if ratio >= 0.5 else "down")
            text = f"{_percent(ratio)} up" + (f", {duration(day.down)} down" if day.down else "")
        bars.append(Bar(n * (width + GAP), 0, width, HEIGHT, css, f"{day.day}: {text}"))
    return bars


def uptime_total(days: Sequence[Day]) -> str:
    watched = sum(d.watched for d in days)
    return "" if watched == 0 else _percent(1 - sum(d.down for d in days) / watched)


def duration_bars(runs: Sequence[tuple[str, float, bool]]) -> list[Bar]:
    """One bar a run (when, seconds, succeeded), as tall as it took relative to the longest;
    failures in red."""
    if not runs:
        return []
    longest = max(seconds for _, seconds, _ in runs) or 1.0
    width = (WIDTH - GAP * (len(runs) - 1)) / len(runs)
    bars = []
    for n, (at, seconds, ok) in enumerate(runs):
        height = max(HEIGHT * 2 * seconds / longest, 1.0)
        title = f"{at}: {duration(seconds)}" + ("" if ok else ", failed")
        bars.append(Bar(n * (width + GAP), HEIGHT * 2 - height, width, height,
                        "bar" if ok else "down", title))
    return bars


def _percent(ratio: float) -> str:
    if ratio == 1:
        return "100%"
    # Never round a bad day up to 100%.
    return f"{min(ratio * 100, 99.99):.2f}%".replace(".00%", "%")
