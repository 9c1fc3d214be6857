"""Service-level monitors: error share and the latency SLO's multiwindow burn rate."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.monitors.base import CommonParams, Finding, PackMonitor
from simulator.monitors.capacity import ShareMonitor
from simulator.monitors.stats import bin_of, hist_quantile
from simulator.monitors.tally import ERR, H_LAT, H_TTFT, LATENCY_BANDS, NB2, NB3

_SHARE = {"max": 1.0}


class ErrorRate(ShareMonitor):
    """Share of 5xx, timeouts, connection errors and malformed streams over a short window."""

    name = "error_rate"
    alertname = "LLMErrorRate"
    classes = ("server_error",)
    description = "Requests fail with 5xx, time out, lose the connection or get malformed streams."
    bad = ERR
    what = "errors"


@dataclass(frozen=True, slots=True)
class LatencyParams(CommonParams):
    """Parameters of ``latency_slo``."""

    #: Share of requests that must be fast; the error budget is ``1 - objective``.
    objective: float = field(default=0.99, metadata=_SHARE)
    long_window_s: float = 120.0
    short_window_s: float = 20.0
    #: Both windows must burn the error budget this many times faster than sustainable.
    burn_factor: float = 14.4
    #: Without explicit thresholds, "slow" is this many times the baseline's p99.
    threshold_factor: float = 1.5
    ttft_threshold_s: float | None = None
    latency_threshold_s: float | None = None
    min_samples: int = 20
    min_baseline: int = 50

    def __post_init__(self) -> None:
        if self.objective >= 1.0:
            raise ValueError(f"objective: expected a share below 1, got {self.objective!r}")
        if self.short_window_s >= self.long_window_s:
            raise ValueError("short_window_s: expected less than long_window_s")


class LatencySlo(PackMonitor):
    """TTFT and end-to-end latency SLO burn rate over a long and a short window."""

    name = "latency_slo"
    alertname = "LLMLatencySLOBurn"
    classes = ("latency",)
    description = ("Time to first token or end-to-end latency (per output-length band) burns "
                   "the SLO's error budget too fast.")
    Params = LatencyParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Slow thresholds in ms per SLI: explicit, or the baseline p99 times a factor."""
        p = self.params
        #: Rows (slow, all) per SLI over the window vector: one product reads every count.
        self.slis: list[str] = []
        rows: list[np.ndarray] = []
        parts = [("ttft", H_TTFT, NB3, 3, p.ttft_threshold_s)] + [
            ("latency", H_LAT + band * NB2, NB2, 2, p.latency_threshold_s)
            for band in range(len(LATENCY_BANDS) + 1)]
        for sli, col, bins, sub_bits, explicit in parts:
            hist = base[col : col + bins]
            if explicit is None and hist.sum() < p.min_baseline:
                continue
            ms = (explicit * 1000.0 if explicit is not None
                  else p.threshold_factor * hist_quantile(hist, 0.99, sub_bits))
            if sli not in self.slis:
                self.slis.append(sli)
                rows += [np.zeros(len(base)), np.zeros(len(base))]
            slow, every = rows[2 * self.slis.index(sli)], rows[2 * self.slis.index(sli) + 1]
            slow[col + bin_of(ms, sub_bits) + 1 : col + bins] = 1.0
            every[col : col + bins] = 1.0
        self.readout = np.array(rows)
        return None if self.slis else f"fewer than {p.min_baseline} timed responses"

    def _burns(self, vec: np.ndarray) -> dict[str, tuple[float, float]]:
        """``{sli: (burn rate, requests)}`` for ``ttft`` and ``latency`` in one window."""
        counts = (self.readout @ vec).tolist()
        budget = 1.0 - self.params.objective
        return {sli: ((counts[2 * i] / counts[2 * i + 1]) / budget if counts[2 * i + 1] else 0.0,
                      counts[2 * i + 1]) for i, sli in enumerate(self.slis)}

    def judge(self, now_s: float) -> Finding | None:
        """Fire when some SLI burns faster than the factor in both windows."""
        p = self.params
        short = self._burns(self.tally.window(now_s, p.short_window_s)[0])
        long = self._burns(self.tally.window(now_s, p.long_window_s)[0])
        best: tuple[float, str] | None = None
        for sli, (burn_short, n_short) in short.items():
            if n_short < p.min_samples:
                continue
            burn = min(burn_short, long[sli][0])
            if best is None or burn > best[0]:
                best = (burn, sli)
        if best is None:
            return None
        burn, sli = best
        return self.finding(burn > p.burn_factor, burn, p.burn_factor, lambda: (
            f"{sli} SLO ({p.objective:.2%} fast) burning {short[sli][0]:.1f}x over "
            f"{p.short_window_s:.0f}s and {long[sli][0]:.1f}x over {p.long_window_s:.0f}s "
            f"(alert when both exceed {p.burn_factor:g}x)"))
