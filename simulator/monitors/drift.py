"""Distribution-drift monitors: output-token PSI and semantic drift of the answers' text.

Both stand down (return no verdict) while many requests fail: when 429s or 5xx remove the
expensive requests, the surviving answers differ for a reason ``rate_limited`` and
``error_rate`` already report, the way an Alertmanager inhibit rule silences symptom alerts
under a cause alert.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from simulator.monitors.base import CommonParams, Finding, PackMonitor, failure_share
from simulator.monitors.stats import (
    decile_groups,
    frequencies,
    hist_quantile,
    ngram_counts,
    psi,
    stratified_null,
)
from simulator.monitors.tally import H_OUT, KIND_NAMES, NB3, Tally

_SHARE = {"max": 1.0}


@dataclass(frozen=True, slots=True)
class OutputDriftParams(CommonParams):
    """Parameters of ``output_drift``."""

    window_s: float = 60.0
    #: PSI over the baseline's deciles: 0.1 is a warning, 0.25 a real shift.
    psi_threshold: float = 0.25
    min_samples: int = 100
    min_baseline: int = 100
    #: No verdict while more than this share of requests fails (429, 5xx...).
    max_failure_share: float = field(default=0.2, metadata=_SHARE)
    severity: str = "ticket"


class OutputDrift(PackMonitor):
    """Population stability index of output tokens per response against the baseline."""

    name = "output_drift"
    alertname = "LLMOutputTokensDrift"
    classes = ("silent_model_swap", "token_burst", "config_drift", "prompt_regression",
               "input_drift", "agent_loop")
    description = "The distribution of output tokens per response moved away from the baseline."
    Params = OutputDriftParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline histogram of output tokens."""
        self.base = base[H_OUT : H_OUT + NB3].copy()
        if self.base.sum() < self.params.min_baseline:
            return f"{self.base.sum():.0f} responses (need {self.params.min_baseline})"
        self.base_median = hist_quantile(self.base, 0.5, 3)
        self.groups = decile_groups(self.base)
        return None

    def judge(self, now_s: float) -> Finding | None:
        """PSI of the window's histogram."""
        p = self.params
        vec, span = self.tally.window(now_s, p.window_s)
        hist = vec[H_OUT : H_OUT + NB3]
        if hist.sum() < p.min_samples or failure_share(vec) > p.max_failure_share:
            return None
        value = psi(self.base, hist, self.groups)
        return self.finding(value > p.psi_threshold, value, p.psi_threshold, lambda: (
            f"output tokens PSI {value:.2f} over {span:.0f}s ({hist.sum():.0f} responses, "
            f"median <= {hist_quantile(hist, 0.5, 3):.0f} vs baseline <= "
            f"{self.base_median:.0f}; "
            f"threshold {p.psi_threshold:g})"))


@dataclass(frozen=True, slots=True)
class SemanticParams(CommonParams):
    """Parameters of ``semantic_drift``."""

    window_s: float = 60.0
    ngram: int = 3
    dims: int = 512
    #: Random baseline splits of the permutation null (computed once).
    rounds: int = 200
    quantile: float = field(default=0.99, metadata=_SHARE)
    #: The alert threshold is the null quantile times this margin.
    margin: float = 1.5
    min_samples: int = 50
    min_baseline: int = 100
    #: Answer heads sampled per second (the first ones to complete).
    heads_per_s: int = 10
    max_failure_share: float = field(default=0.2, metadata=_SHARE)
    seed: int = field(default=0, metadata={"min": 0})
    severity: str = "ticket"


class SemanticDrift(PackMonitor):
    """Distance of the answer heads' hashed character n-gram profile from the baseline's.

    The profile (the centroid of the answers' n-gram frequencies) is post-stratified by user
    kind, each kind weighted by its baseline share, so a change in the traffic mix alone does
    not move it. The threshold comes from a permutation null over the baseline's answers.
    """

    name = "semantic_drift"
    alertname = "LLMSemanticDrift"
    classes = ("silent_model_swap", "input_drift", "prompt_regression", "token_burst",
               "agent_loop")
    description = "What the answers say (their first characters) no longer looks like the baseline."
    Params = SemanticParams

    def __init__(self, params: SemanticParams, tally: Tally) -> None:
        super().__init__(params, tally)
        kinds = len(KIND_NAMES)
        self._segments: deque[tuple[float, np.ndarray, np.ndarray]] = deque()
        self._sum = np.zeros((kinds, params.dims))
        self._count = np.zeros(kinds)
        self._seen_s = -math.inf

    def _by_kind(self, samples: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
        """Per-kind n-gram counts and per-kind answer counts."""
        p = self.params
        kinds = [k for k, _ in samples]
        counts = ngram_counts([h for _, h in samples], kinds, len(KIND_NAMES), p.ngram, p.dims)
        return counts, np.bincount(kinds, minlength=len(KIND_NAMES)).astype(np.float64)

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Per-kind baseline n-gram profiles, kind weights and the permutation null."""
        p = self.params
        samples = [s for t, seg in self.tally.heads_since(-math.inf)
                   if t <= p.baseline_s + 1e-9 for s in seg]
        if len(samples) < p.min_baseline:
            return f"{len(samples)} answer heads (need {p.min_baseline})"
        kinds = np.array([k for k, _ in samples])
        rows = ngram_counts([h for _, h in samples], range(len(samples)), len(samples),
                            p.ngram, p.dims)
        answers = np.bincount(kinds, minlength=len(KIND_NAMES)).astype(np.float64)
        answers[answers < 2] = 0.0  # a kind seen once cannot be split for the null
        self.weights = answers / answers.sum()
        self.base_profiles = np.zeros((len(KIND_NAMES), p.dims))
        for k in np.nonzero(answers)[0]:
            self.base_profiles[k] = frequencies(rows[kinds == k].sum(axis=0))
        self.base_n = float(answers.sum())
        self.null = stratified_null(rows, kinds, self.weights,
                                    np.random.default_rng(p.seed), p.rounds, p.quantile)
        return None

    def _slide(self, now_s: float) -> None:
        """Count the n-grams of new tally segments; drop segments that left the window."""
        for t, samples in self.tally.heads_since(self._seen_s):
            counts, answers = self._by_kind(samples)
            self._segments.append((t, counts, answers))
            self._sum += counts
            self._count += answers
            self._seen_s = t
        while self._segments and self._segments[0][0] <= now_s - self.params.window_s + 1e-9:
            _, counts, answers = self._segments.popleft()
            self._sum -= counts
            self._count -= answers

    def judge(self, now_s: float) -> Finding | None:
        """Distance of the post-stratified window centroid against the scaled null quantile."""
        p = self.params
        self._slide(now_s)
        used = (self._count > 0.5) & (self.weights > 0)
        total = float(self._count[used].sum())
        vec, _ = self.tally.window(now_s, p.window_s)
        if total < p.min_samples or failure_share(vec) > p.max_failure_share:
            return None
        profiles = np.where(used[:, None], frequencies(self._sum), self.base_profiles)
        gap = self.weights @ (profiles - self.base_profiles)
        distance = float(np.linalg.norm(gap))
        m_eff = 1.0 / float((self.weights[used] ** 2 / self._count[used]).sum())
        threshold = p.margin * self.null * math.sqrt(1.0 / m_eff + 1.0 / self.base_n)
        return self.finding(distance > threshold, distance, threshold, lambda: (
            f"answer-text n-gram profile distance {distance:.3f} over {total:.0f} answers "
            f"({p.window_s:.0f}s) vs threshold {threshold:.3f} "
            f"(null q{p.quantile:g} x {p.margin:g}, baseline {self.base_n:.0f} answers)"))
