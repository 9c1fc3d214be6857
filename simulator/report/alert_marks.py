"""Alerts on the timeline: one strip row per alert name, and faint lines on every panel.

A run can carry thousands of alert episodes; drawing each one is slow and unreadable, so a
row with many episodes is merged at the plot's bin width (firing spans joined, one marker per
bin in which an episode fired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.records import Alert

#: At most this many alert names get their own row in the alert strip.
MAX_ALERT_ROWS = 14
#: A row with more episodes than this is merged per bin.
MAX_EXACT_EPISODES = 200
#: With more alerts than this, panels get a line only at each name's first episode.
MAX_PANEL_LINES = 300
OTHER_COLOUR = "#999999"
_ALERT_COLOURS = (
    "#c62828",
    "#6a1b9a",
    "#1565c0",
    "#2e7d32",
    "#ef6c00",
    "#4e342e",
    "#ad1457",
    "#00838f",
    "#283593",
    "#9e9d24",
)


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One strip row: firing spans (s) and marker times (s) of one alert name (or the rest)."""

    label: str
    colour: str
    span_starts_s: np.ndarray
    span_ends_s: np.ndarray
    markers_s: np.ndarray


@dataclass(frozen=True, slots=True)
class AlertMarks:
    """Everything the timeline draws for alerts."""

    rows: tuple[AlertRow, ...]
    row_of: Mapping[str, int]
    panel_times_s: np.ndarray
    panel_colours: tuple[str, ...]


def _merged(
    fired: np.ndarray, ended: np.ndarray, bin_s: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Firing spans joined at ``bin_s`` resolution, and one marker per bin that saw a firing."""
    first = np.clip((fired // bin_s).astype(np.int64), 0, n - 1)
    last = np.clip(np.ceil(ended / bin_s).astype(np.int64), first + 1, n)
    depth = np.zeros(n + 1, dtype=np.int64)
    np.add.at(depth, first, 1)
    np.add.at(depth, last, -1)
    on = np.concatenate(([0], (np.cumsum(depth[:-1]) > 0).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(on))
    return edges[::2] * bin_s, edges[1::2] * bin_s, np.unique(first) * bin_s + bin_s / 2


def alert_marks(
    alerts: Sequence[Alert], bin_s: float, end_s: float, first: Sequence[str] = ()
) -> AlertMarks:
    """Strip rows (the names in ``first``, e.g. each fault's first alert, then the others in
    firing order, up to ``MAX_ALERT_ROWS``; one row for the rest) and the panels' lines."""
    seen = set(a.name for a in alerts)
    names = list(dict.fromkeys([*(n for n in first if n in seen), *(a.name for a in alerts)]))
    shown = names[:MAX_ALERT_ROWS]
    colour_of = {n: _ALERT_COLOURS[i % len(_ALERT_COLOURS)] for i, n in enumerate(shown)}
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.name if alert.name in colour_of else "", []).append(alert)
    n_bins = max(1, int(np.ceil(end_s / bin_s)))
    rows = []
    for key in [*shown, ""]:
        group = groups.get(key)
        if not group:
            continue
        fired = np.array([a.fired_at for a in group])
        ended = np.array([end_s if a.resolved_at is None else a.resolved_at for a in group])
        if len(group) > MAX_EXACT_EPISODES:
            starts, ends, markers = _merged(fired, ended, bin_s, n_bins)
        else:
            starts, ends, markers = fired, ended, fired
        rows.append(
            AlertRow(
                key or "(other alerts)", colour_of.get(key, OTHER_COLOUR), starts, ends, markers
            )
        )
    lines = (
        alerts
        if len(alerts) <= MAX_PANEL_LINES
        else [next(a for a in alerts if a.name == name) for name in names]
    )
    return AlertMarks(
        rows=tuple(rows),
        row_of={row.label: i for i, row in enumerate(rows)},
        panel_times_s=np.array([a.fired_at for a in lines]),
        panel_colours=tuple(colour_of.get(a.name, OTHER_COLOUR) for a in lines),
    )


def row_for(marks: AlertMarks, name: str) -> int:
    """The strip row an alert name is drawn in."""
    return marks.row_of.get(name, marks.row_of.get("(other alerts)", 0))
