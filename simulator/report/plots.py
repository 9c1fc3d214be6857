"""timeline.png: one shared time axis, an alert strip and five telemetry panels, with fault
windows shaded, alerts marked, and an arrow from each fault's onset to its first alert."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from simulator.records import Alert
from simulator.report.alert_marks import AlertMarks, alert_marks, row_for
from simulator.report.fmt import clock
from simulator.report.load import OUTCOME_GROUPS
from simulator.report.series import Series

_OUTCOME_STYLE = {
    "ok": ("ok", "#4caf50"),
    "rate_limited": ("429 (rate limited)", "#ff9800"),
    "server_error": ("5xx (server error)", "#e53935"),
    "budget_blocked": ("budget-blocked", "#8e24aa"),
    "other": ("other errors", "#757575"),
}
#: Small dots on every line, so an isolated bin between gaps still shows.
_DOTS: dict[str, Any] = {"marker": ".", "ms": 2}
_FAULT_COLOURS = ("#1e88e5", "#fdd835", "#43a047", "#fb8c00", "#8e24aa", "#00acc1", "#d81b60")


@dataclass(frozen=True, slots=True)
class FaultMark:
    """A fault as the timeline draws it (times in seconds since the run start)."""

    id: str
    kind: str
    start_s: float
    end_s: float
    onset_s: float | None
    first_alert: str | None
    first_alert_s: float | None
    ttd_s: float | None


#: Candidate spacings of the time axis' ticks, seconds.
_TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800)


def tick_spacing_s(duration_s: float, max_ticks: int = 12) -> float:
    """A round tick spacing (seconds, minutes, hours) giving at most ``max_ticks`` ticks."""
    return float(next((s for s in _TICK_STEPS_S if duration_s / s <= max_ticks), _TICK_STEPS_S[-1]))


def fault_marks(card: Mapping[str, Any] | None) -> list[FaultMark]:
    """The scorecard's faults as :class:`FaultMark` (none without a scorecard)."""
    out = []
    for f in (card or {}).get("faults", []):
        first = f.get("first_alert") or None
        detected = bool(f.get("detected")) and first is not None
        out.append(
            FaultMark(
                id=str(f["id"]),
                kind=str(f.get("kind", "")),
                start_s=float(f["start_s"]),
                end_s=float(f["end_s"]),
                onset_s=f.get("onset_s"),
                first_alert=str(first["name"]) if detected and first else None,
                first_alert_s=float(first["fired_at"]) if detected and first else None,
                ttd_s=f.get("time_to_detect_s") if detected else None,
            )
        )
    return out


def _decorate(ax: Axes, faults: Sequence[FaultMark], marks: AlertMarks) -> None:
    """Shade and label every fault window, and draw a faint line at alerts."""
    for i, fault in enumerate(faults):
        colour = _FAULT_COLOURS[i % len(_FAULT_COLOURS)]
        hatch = None if fault.first_alert else "///"
        ax.axvspan(fault.start_s, fault.end_s, color=colour, alpha=0.14, hatch=hatch, lw=0)
        ax.text(
            fault.start_s,
            0.98,
            f" {fault.id}",
            transform=ax.get_xaxis_transform(),
            va="top",
            ha="left",
            fontsize=7.5,
            color="#333333",
            clip_on=True,
        )
    if marks.panel_times_s.size:
        ax.vlines(
            marks.panel_times_s,
            0,
            1,
            transform=ax.get_xaxis_transform(),
            colors=list(marks.panel_colours),
            lw=0.8,
            alpha=0.45,
            linestyles="dotted",
        )


def _alert_strip(ax: Axes, faults: Sequence[FaultMark], marks: AlertMarks) -> None:
    """One row per alert name: a marker where episodes fired, a bar while they fired;
    arrows from each fault's onset to its first alert, labelled with the time to detect."""
    for y, row in enumerate(marks.rows):
        ax.hlines(
            np.full(row.span_starts_s.size, y),
            row.span_starts_s,
            row.span_ends_s,
            colors=row.colour,
            lw=3,
            alpha=0.35,
        )
        ax.scatter(
            row.markers_s,
            np.full(row.markers_s.size, y),
            color=row.colour,
            marker="v",
            s=36,
            zorder=3,
        )
    ax.set_yticks(range(len(marks.rows)), [r.label for r in marks.rows], fontsize=8)
    ax.set_ylim(len(marks.rows) - 0.4 if marks.rows else 0.6, -0.8)
    for fault in faults:
        middle = (fault.start_s + fault.end_s) / 2
        if fault.onset_s is None:
            ax.text(middle, -0.55, "no impact", ha="center", fontsize=8, color="#555555")
        elif fault.first_alert is None or fault.first_alert_s is None:
            ax.text(
                middle,
                -0.55,
                "UNDETECTED",
                ha="center",
                fontsize=9,
                fontweight="bold",
                color="#c62828",
            )
        else:
            y = row_for(marks, fault.first_alert)
            ax.annotate(
                "",
                xy=(fault.first_alert_s, y),
                xytext=(fault.onset_s, y),
                arrowprops={"arrowstyle": "->", "color": "#212121", "lw": 1.4},
            )
            ax.plot([fault.onset_s], [y], marker="o", color="#212121", ms=4)
            ax.text(
                (fault.onset_s + fault.first_alert_s) / 2,
                y - 0.3,
                f"TTD {fault.ttd_s or 0.0:.1f} s",
                ha="center",
                fontsize=8,
                color="#212121",
            )
    ax.set_title(
        "alerts (bars: firing; arrows: fault onset to first alert)", fontsize=9, loc="left"
    )


def _traffic(ax: Axes, x: np.ndarray, series: Series) -> None:
    labels = [_OUTCOME_STYLE[g][0] for g in OUTCOME_GROUPS]
    colours = [_OUTCOME_STYLE[g][1] for g in OUTCOME_GROUPS]
    ax.stackplot(x, series.rate_by_outcome, labels=labels, colors=colours, alpha=0.85)
    ax.set_ylabel("requests/s")
    ax.legend(loc="upper right", fontsize=7, ncol=5, framealpha=0.8)


def _quality(ax: Axes, x: np.ndarray, series: Series) -> None:
    ax.plot(x, 100 * series.format_ok_rate, color="#1e88e5", lw=1.2, label="format ok", **_DOTS)
    ax.plot(x, 100 * series.accuracy, color="#43a047", lw=1.2, label="accuracy (graded)", **_DOTS)
    ax.set_ylim(-5, 105)
    ax.set_ylabel("%")
    ax.legend(loc="lower right", fontsize=7, ncol=2, framealpha=0.8)


def _spend(ax: Axes, x: np.ndarray, series: Series, limits: Mapping[str, float]) -> None:
    ax.plot(x, series.tokens_per_min, color="#5e35b1", lw=1.0, label="tokens/min")
    ax.set_ylabel("tokens/min")
    twin = ax.twinx()
    twin.plot(x, series.spend_usd_per_min, color="#e65100", lw=1.2, label="USD/min")
    for key, label in (
        ("spend_per_minute_usd", "budget USD/min per API key"),
        ("global_spend_per_minute_usd", "budget USD/min (global)"),
    ):
        if key in limits:
            twin.axhline(limits[key], color="#b71c1c", ls="--", lw=1.2, label=label)
    twin.set_ylabel("USD/min")
    twin.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    twin.legend(handles=handles, loc="upper right", fontsize=7, ncol=4, framealpha=0.8)


def _latency(ax: Axes, x: np.ndarray, series: Series) -> None:
    ax.plot(x, series.ttft_p50_s, color="#00897b", lw=1.2, label="TTFT p50", **_DOTS)
    ax.plot(x, series.ttft_p95_s, color="#004d40", lw=1.2, label="TTFT p95", **_DOTS)
    ax.plot(x, series.latency_p50_s, color="#9e9e9e", lw=1.0, ls="--", label="latency p50")
    ax.set_ylabel("seconds")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=7, ncol=3, framealpha=0.8)


def _agents(ax: Axes, x: np.ndarray, series: Series, limits: Mapping[str, float]) -> None:
    ax.plot(x, series.agent_steps_mean, color="#6d4c41", lw=1.2, label="mean step", **_DOTS)
    ax.plot(x, series.agent_steps_max, color="#3e2723", lw=0.9, ls=":", label="max step")
    if "agent_max_steps" in limits:
        ax.axhline(
            limits["agent_max_steps"],
            color="#b71c1c",
            ls="--",
            lw=1.2,
            label="agent_max_steps budget",
        )
    ax.set_ylabel("steps")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=7, ncol=3, framealpha=0.8)


def render_timeline(
    series: Series,
    faults: Sequence[FaultMark],
    alerts: Sequence[Alert],
    limits: Mapping[str, float],
    duration_s: float,
    title: str,
) -> bytes:
    """The timeline as PNG bytes (matplotlib's Agg canvas, no pyplot state)."""
    firsts = [f.first_alert for f in faults if f.first_alert]
    marks = alert_marks(alerts, series.bin_s, max(duration_s, series.bin_s), firsts)
    strip_h = 0.5 + 0.28 * (len(marks.rows) + 1)
    height_in = strip_h + 5 * 2.0 + 1.1
    fig = Figure(figsize=(12, height_in), dpi=100)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(6, 1, height_ratios=[strip_h, 2, 2, 2, 2, 2], hspace=0.32)
    strip = fig.add_subplot(grid[0])
    panels = [fig.add_subplot(grid[i], sharex=strip) for i in range(1, 6)]
    x = series.starts_s + series.bin_s / 2
    titles = (
        "traffic by outcome",
        "quality",
        "tokens and spend per minute",
        "latency",
        "agent steps per session",
    )
    _traffic(panels[0], x, series)
    _quality(panels[1], x, series)
    _spend(panels[2], x, series, limits)
    _latency(panels[3], x, series)
    _agents(panels[4], x, series, limits)
    for ax, panel_title in zip(panels, titles, strict=True):
        ax.set_title(panel_title, fontsize=9, loc="left")
        _decorate(ax, faults, marks)
        ax.grid(alpha=0.25)
    _decorate(strip, faults, marks)
    _alert_strip(strip, faults, marks)
    strip.set_xlim(0, max(duration_s, series.bin_s))
    for ax in [strip, *panels[:-1]]:
        ax.tick_params(labelbottom=False)
    panels[-1].xaxis.set_major_locator(MultipleLocator(tick_spacing_s(duration_s)))
    panels[-1].xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: clock(v)))
    clock_format = "h:mm:ss" if duration_s >= 3600 else "m:ss"
    panels[-1].set_xlabel(f"time since run start ({clock_format}), {series.bin_s:g} s bins")
    fig.suptitle(title, fontsize=12, x=0.01, y=1 - 0.12 / height_in, ha="left", va="top")
    fig.subplots_adjust(left=0.14, right=0.93, top=1 - 0.8 / height_in, bottom=0.5 / height_in)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
