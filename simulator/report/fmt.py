"""Formatting of report numbers, shared by every output so report.md and report.html agree."""

from __future__ import annotations

import math

#: What ``gameday run`` and ``gameday score`` exit with, and what that means.
EXIT_MEANING = {
    0: "exit 0: every expectation was met",
    1: "exit 1: at least one expectation failed",
    3: "exit 3: the run ended early or the harness failed",
}


def secs(value: float | None, none: str = "-") -> str:
    """Seconds with one decimal (``4.2 s``); ``none`` when there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    return f"{value:.1f} s"


def clock(value: float) -> str:
    """Seconds since the run start as ``m:ss`` (``h:mm:ss`` past an hour)."""
    total = round(max(0.0, value))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def at(value: float | None, none: str = "-") -> str:
    """An instant: ``12.3 s (0:12)``; ``none`` when there is no value."""
    if value is None:
        return none
    return f"{value:.1f} s ({clock(value)})"


def usd(value: float | None, none: str = "-") -> str:
    """US dollars: 4 decimals from one cent up, 6 below (LLM requests cost fractions of one)."""
    if value is None:
        return none
    if value == 0:
        return "$0"
    return f"${value:,.4f}" if abs(value) >= 0.01 else f"${value:.6f}"


def count(value: float | None, none: str = "-") -> str:
    """An integer count with thousands separators."""
    return none if value is None else f"{int(value):,}"


def pct(value: float | None, none: str = "-") -> str:
    """A share 0..1 as a percentage with one decimal."""
    if value is None or math.isnan(value):
        return none
    return f"{100.0 * value:.1f} %"


def number(value: float | None, none: str = "-") -> str:
    """A plain number: integers as such, other values with up to 6 significant digits."""
    if value is None:
        return none
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.6g}"


def yes_no(value: bool | None) -> str:
    """``yes``/``no`` (``-`` for None)."""
    return "-" if value is None else "yes" if value else "no"


def short_time(value: float | None, none: str = "-") -> str:
    """A latency: milliseconds below one second (``82 ms``), else seconds (``1.25 s``)."""
    if value is None or math.isnan(value):
        return none
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def plural(n: int, word: str) -> str:
    """``1 fault``, ``2 faults``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
