"""Live progress of a run: counters fed by telemetry, one status line a second on a terminal."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from simulator.client_metrics import ClientMetrics
from simulator.monitors import MonitorEngine
from simulator.records import TelemetryRecord
from simulator.workloads.sinks import TelemetrySink

#: Seconds of history the rates are computed over.
WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class ProgressSnapshot:
    """What the status line shows, computed over the last ``WINDOW_S`` seconds."""

    elapsed_s: float
    total_s: float
    active_faults: tuple[str, ...]
    requests_per_s: float
    error_share: float
    rate_limited_share: float
    tokens_per_s: float
    spend_usd: float
    requests: int


class LiveStats:
    """A telemetry sink that keeps running totals and a short window, then forwards records.

    Example::

        stats = LiveStats(JsonlSink(path))
        runtime = WorkloadRuntime(settings, t0_unix, stats)
    """

    def __init__(
        self,
        inner: TelemetrySink,
        metrics: ClientMetrics | None = None,
        monitors: MonitorEngine | None = None,
    ) -> None:
        self.inner = inner
        self.metrics = metrics
        self.monitors = monitors
        self.requests = 0
        self.spend_usd = 0.0
        self._recent: deque[tuple[float, int, bool, bool]] = deque()

    def emit(self, record: TelemetryRecord) -> None:
        """Count the record and pass it on."""
        self.requests += 1
        self.spend_usd += record.cost_usd
        failed = record.outcome not in ("ok", "rate_limited", "budget_blocked")
        self._recent.append(
            (
                record.t,
                record.input_tokens + record.output_tokens,
                failed,
                record.outcome == "rate_limited",
            )
        )
        if self.metrics is not None:
            self.metrics.observe(record)
        if self.monitors is not None:
            self.monitors.observe(record)
        self.inner.emit(record)

    def snapshot(
        self, elapsed_s: float, total_s: float, active_faults: Sequence[str]
    ) -> ProgressSnapshot:
        """Rates over the last window ending at ``elapsed_s``."""
        while self._recent and self._recent[0][0] < elapsed_s - WINDOW_S:
            self._recent.popleft()
        n = len(self._recent)
        span = max(1.0, min(WINDOW_S, elapsed_s))
        return ProgressSnapshot(
            elapsed_s=elapsed_s,
            total_s=total_s,
            active_faults=tuple(active_faults),
            requests_per_s=n / span,
            error_share=sum(r[2] for r in self._recent) / n if n else 0.0,
            rate_limited_share=sum(r[3] for r in self._recent) / n if n else 0.0,
            tokens_per_s=sum(r[1] for r in self._recent) / span,
            spend_usd=self.spend_usd,
            requests=self.requests,
        )


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def format_progress(s: ProgressSnapshot) -> str:
    """One status line: elapsed/total, active faults, rates and spend."""
    faults = ",".join(s.active_faults) if s.active_faults else "none"
    return (
        f"[{_clock(s.elapsed_s)}/{_clock(s.total_s)}] faults: {faults} | "
        f"{s.requests_per_s:.1f} req/s | errors {s.error_share:.1%} | "
        f"429 {s.rate_limited_share:.1%} | {s.tokens_per_s:,.0f} tok/s | "
        f"${s.spend_usd:.4f} | {s.requests} requests"
    )


class ProgressDisplay:
    """Rewrites one line in place on a terminal; silent when the stream is not a TTY."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._width = 0

    def show(self, snapshot: ProgressSnapshot) -> None:
        """Draw the status line."""
        if not self.enabled:
            return
        line = format_progress(snapshot)
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def note(self, text: str) -> None:
        """Print one event line above the status line."""
        if self.enabled:
            self.stream.write("\r" + text.ljust(self._width) + "\n")
            self.stream.flush()
            self._width = 0

    def close(self) -> None:
        """End the status line so later output starts on a fresh line."""
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()
