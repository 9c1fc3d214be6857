"""Telemetry aggregated per time bin for the plots, and per window for the postmortems.

Everything is vectorised with numpy: a million requests bin in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.report.load import OUTCOME_GROUPS, Telemetry

#: Bin widths to choose from, seconds; the smallest giving at most ``MAX_BINS`` bins wins.
BIN_CHOICES_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_BINS = 720
#: A rate or percentile over fewer samples than this in one bin is left out (NaN).
MIN_SAMPLES = 3


@dataclass(frozen=True, slots=True)
class Series:
    """Per-bin aggregates; every array has one entry per bin starting at ``starts_s``."""

    bin_s: float
    starts_s: np.ndarray
    #: Requests per second, one row per :data:`OUTCOME_GROUPS` entry.
    rate_by_outcome: np.ndarray
    format_ok_rate: np.ndarray
    accuracy: np.ndarray
    tokens_per_min: np.ndarray
    spend_usd_per_min: np.ndarray
    ttft_p50_s: np.ndarray
    ttft_p95_s: np.ndarray
    latency_p50_s: np.ndarray
    agent_steps_mean: np.ndarray
    agent_steps_max: np.ndarray


@dataclass(frozen=True, slots=True)
class WindowStats:
    """What standard dashboards would show over one span: status codes, errors, latency."""

    start_s: float
    end_s: float
    requests: int
    http_200_share: float | None
    error_rate: float | None
    latency_p50_s: float | None
    format_ok_rate: float | None
    accuracy: float | None
    tokens_mean: float | None


def choose_bin_s(duration_s: float) -> float:
    """The bin width for a run of ``duration_s``: per second for short runs, coarser after."""
    for width in BIN_CHOICES_S:
        if duration_s / width <= MAX_BINS:
            return float(width)
    return float(np.ceil(duration_s / MAX_BINS))


def _share(flags: np.ndarray, bins: np.ndarray, n: int) -> np.ndarray:
    """Per bin, the share of 1s among the entries of ``flags`` that are 0 or 1 (NaN if few)."""
    known = flags >= 0
    seen = np.bincount(bins[known], minlength=n)
    good = np.bincount(bins[known], weights=(flags[known] == 1), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen >= MIN_SAMPLES, good / seen, np.nan)


def binned_quantiles(
    bins: np.ndarray, values: np.ndarray, n: int, quantiles: tuple[float, ...]
) -> list[np.ndarray]:
    """Per bin, each quantile (nearest rank) of the non-NaN ``values`` (NaN if few)."""
    keep = ~np.isnan(values)
    b, v = bins[keep], values[keep]
    order = np.lexsort((v, b))
    v = v[order]
    counts = np.bincount(b, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts >= MIN_SAMPLES
    out = []
    for q in quantiles:
        result = np.full(n, np.nan)
        index = starts + np.floor(q * (counts - 1)).astype(np.int64)
        result[has] = v[index[has]]
        out.append(result)
    return out


def build_series(tel: Telemetry, duration_s: float) -> Series:
    """Aggregate ``tel`` into bins over [0, duration) (later requests fall in the last bin)."""
    bin_s = choose_bin_s(max(duration_s, 1.0))
    n = max(1, int(np.ceil(duration_s / bin_s)))
    bins = np.clip((tel.t // bin_s).astype(np.int64), 0, n - 1)
    rates = (
        np.vstack(
            [
                np.bincount(bins[tel.outcome == code], minlength=n)
                for code in range(len(OUTCOME_GROUPS))
            ]
        )
        / bin_s
    )
    per_min = 60.0 / bin_s
    agent = tel.agent_step > 0
    agent_n = np.bincount(bins[agent], minlength=n)
    step_sum = np.bincount(bins[agent], weights=tel.agent_step[agent], minlength=n)
    step_max = np.zeros(n)
    np.maximum.at(step_max, bins[agent], tel.agent_step[agent])
    ttft_p50, ttft_p95 = binned_quantiles(bins, tel.ttft_s, n, (0.5, 0.95))
    answered = np.where(tel.outcome == 0, tel.latency_s, np.nan)
    (latency_p50,) = binned_quantiles(bins, answered, n, (0.5,))
    with np.errstate(invalid="ignore", divide="ignore"):
        steps_mean = np.where(agent_n > 0, step_sum / agent_n, np.nan)
    return Series(
        bin_s=bin_s,
        starts_s=np.arange(n) * bin_s,
        rate_by_outcome=rates,
        format_ok_rate=_share(tel.format_ok, bins, n),
        accuracy=_share(tel.correct, bins, n),
        tokens_per_min=np.bincount(bins, weights=tel.tokens, minlength=n) * per_min,
        spend_usd_per_min=np.bincount(bins, weights=tel.cost_usd, minlength=n) * per_min,
        ttft_p50_s=ttft_p50,
        ttft_p95_s=ttft_p95,
        latency_p50_s=latency_p50,
        agent_steps_mean=steps_mean,
        agent_steps_max=np.where(agent_n > 0, step_max, np.nan),
    )


def _rate(flags: np.ndarray) -> float | None:
    """Share of 1s among 0/1 entries; None when there are none."""
    known = flags[flags >= 0]
    return float(np.mean(known == 1)) if known.size else None


def window_stats(
    tel: Telemetry, start_s: float, end_s: float, exclude: Sequence[tuple[float, float]] = ()
) -> WindowStats:
    """Dashboards' view of requests sent in [start_s, end_s), leaving out those sent inside
    any ``exclude`` span (other faults' windows, so a baseline is fault-free)."""
    pick = (tel.t >= start_s) & (tel.t < end_s)
    for lo, hi in exclude:
        pick &= (tel.t < lo) | (tel.t >= hi)
    n = int(pick.sum())
    if n == 0:
        return WindowStats(start_s, end_s, 0, None, None, None, None, None, None)
    outcome = tel.outcome[pick]
    ok = outcome == 0
    failed = (outcome != 0) & (outcome != OUTCOME_GROUPS.index("budget_blocked"))
    latency = tel.latency_s[pick][ok]
    return WindowStats(
        start_s=start_s,
        end_s=end_s,
        requests=n,
        http_200_share=float(np.mean(tel.status[pick] == 200)),
        error_rate=float(np.mean(failed)),
        latency_p50_s=float(np.median(latency)) if latency.size else None,
        format_ok_rate=_rate(tel.format_ok[pick]),
        accuracy=_rate(tel.correct[pick]),
        tokens_mean=float(np.mean(tel.tokens[pick][ok])) if ok.any() else None,
    )
