"""Provider-capacity monitors: 429 share, and rate-limit headroom falling before the 429s."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.monitors.base import CommonParams, Finding, PackMonitor, share
from simulator.monitors.tally import RL, RLR_N, RLR_SUM, RLT_N, RLT_SUM, SENT

_SHARE = {"max": 1.0}


@dataclass(frozen=True, slots=True)
class ShareParams(CommonParams):
    """Parameters of the share-over-a-short-window monitors (``rate_limited``, ``error_rate``)."""

    window_s: float = 30.0
    #: Share that always alerts.
    min_share: float = field(default=0.05, metadata=_SHARE)
    #: Or this many times the baseline share, if that is higher.
    baseline_factor: float = 3.0
    #: Bad requests in the window before the alert can fire.
    min_count: int = 5
    min_samples: int = 20


class ShareMonitor(PackMonitor):
    """Share of requests in column ``bad`` over a short window, against a floor and baseline."""

    bad: int = RL
    what: str = "429 responses"
    Params = ShareParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline share."""
        if base[SENT] <= 0:
            return "no requests"
        self.base_share = share(base[self.bad], base[SENT])
        self.threshold = max(self.params.min_share, self.params.baseline_factor * self.base_share)
        return None

    def judge(self, now_s: float) -> Finding | None:
        """Window share against the threshold."""
        p = self.params
        w, span = self.tally.window(now_s, p.window_s)
        if w[SENT] < p.min_samples:
            return None
        rate = share(w[self.bad], w[SENT])
        firing = w[self.bad] >= p.min_count and rate > self.threshold
        return self.finding(firing, rate, self.threshold, lambda: (
            f"{self.what} {rate:.1%} of {w[SENT]:.0f} requests over {span:.0f}s "
            f"(threshold {self.threshold:.1%}, baseline {self.base_share:.1%})"))


class RateLimited(ShareMonitor):
    """Share of requests answered 429 over a short window."""

    name = "rate_limited"
    alertname = "LLMRateLimited"
    classes = ("rate_limit",)
    description = "The provider answers 429 (rate limit or exhausted quota) to many requests."


@dataclass(frozen=True, slots=True)
class HeadroomParams(CommonParams):
    """Parameters of ``quota_headroom``."""

    window_s: float = 10.0
    #: Alert when the window's mean remaining tokens (or requests) falls below this share of
    #: the baseline's mean.
    min_fraction: float = field(default=0.5, metadata=_SHARE)
    min_samples: int = 10
    severity: str = "ticket"


class QuotaHeadroom(PackMonitor):
    """``x-ratelimit-remaining-*`` low relative to the baseline: fires before the 429s."""

    name = "quota_headroom"
    alertname = "LLMQuotaHeadroomLow"
    classes = ("rate_limit",)
    description = "Rate-limit headroom (remaining tokens or requests) is running out."
    Params = HeadroomParams
    _SERIES = (("tokens", RLT_SUM, RLT_N), ("requests", RLR_SUM, RLR_N))

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline mean remaining tokens and requests."""
        self.base = {name: share(base[s], base[n]) for name, s, n in self._SERIES
                     if base[n] >= self.params.min_samples and base[s] > 0}
        return None if self.base else "no x-ratelimit-remaining headers"

    def judge(self, now_s: float) -> Finding | None:
        """Lowest ratio of window mean to baseline mean over tokens and requests."""
        p = self.params
        w, span = self.tally.window(now_s, p.window_s)
        worst: tuple[float, str, float] | None = None
        for name, s, n in self._SERIES:
            if name in self.base and w[n] >= p.min_samples:
                mean = w[s] / w[n]
                ratio = mean / self.base[name]
                if worst is None or ratio < worst[0]:
                    worst = (ratio, name, mean)
        if worst is None:
            return None
        ratio, name, mean = worst
        return self.finding(ratio < p.min_fraction, ratio, p.min_fraction, lambda: (
            f"remaining {name} averaged {mean:,.0f} over {span:.0f}s, {ratio:.0%} of the "
            f"baseline's {self.base[name]:,.0f} (alert below {p.min_fraction:.0%})"))
