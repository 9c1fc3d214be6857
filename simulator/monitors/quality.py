"""Answer-quality monitors: format failures, golden-answer accuracy, model identity changes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.monitors.base import CommonParams, Finding, PackMonitor, share
from simulator.monitors.stats import exact_drop_p, proportion_drop
from simulator.monitors.tally import (
    EVAL_SLOTS,
    FMT,
    FMT_BAD,
    KIND_NAMES,
    Tally,
    eval_column,
)

_SHARE = {"max": 1.0}


@dataclass(frozen=True, slots=True)
class FormatParams(CommonParams):
    """Parameters of ``format_failures``."""

    window_s: float = 30.0
    min_samples: int = 30
    min_failures: int = 5
    #: Failure share that always alerts, however noisy the baseline.
    min_share: float = field(default=0.05, metadata=_SHARE)
    #: Or this many times the baseline's failure share, if that is higher.
    baseline_factor: float = 3.0


class FormatFailures(PackMonitor):
    """Share of JSON/schema failures among responses whose format was checked."""

    name = "format_failures"
    alertname = "LLMFormatFailures"
    classes = ("silent_model_swap", "prompt_regression", "config_drift", "token_burst")
    description = "Responses that should be JSON (or match a schema) stopped parsing."
    Params = FormatParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline failure share."""
        if base[FMT] < self.params.min_samples:
            return f"{base[FMT]:.0f} format-checked responses (need {self.params.min_samples})"
        self.base_share = share(base[FMT_BAD], base[FMT])
        self.threshold = max(self.params.min_share, self.params.baseline_factor * self.base_share)
        return None

    def judge(self, now_s: float) -> Finding | None:
        """Window failure share against the threshold."""
        p = self.params
        w, span = self.tally.window(now_s, p.window_s)
        if w[FMT] < p.min_samples:
            return None
        rate = share(w[FMT_BAD], w[FMT])
        firing = w[FMT_BAD] >= p.min_failures and rate > self.threshold
        return self.finding(firing, rate, self.threshold, lambda: (
            f"format failures {rate:.1%} of {w[FMT]:.0f} checked responses over {span:.0f}s "
            f"(threshold {self.threshold:.1%}, baseline {self.base_share:.1%})"))


@dataclass(frozen=True, slots=True)
class EvalParams(CommonParams):
    """Parameters of ``eval_accuracy``."""

    #: Share of golden-answer requests graded, in steps of 0.1 (chosen by request id hash).
    sample_rate: float = field(default=0.2, metadata=_SHARE)
    window_s: float = 60.0
    #: One-sided significance level of the drop (per-kind tests are Bonferroni-corrected).
    alpha: float = field(default=0.01, metadata=_SHARE)
    #: Smallest accuracy drop (absolute) worth an alert.
    min_effect: float = field(default=0.05, metadata=_SHARE)
    min_samples: int = 30
    min_baseline: int = 20
    #: Graded answers of one user kind (window, baseline) before it is tested on its own.
    kind_min_samples: int = 10
    kind_min_baseline: int = 5
    #: Known accuracy (e.g. from offline evals) to test against instead of the baseline's.
    reference_accuracy: float | None = field(default=None, metadata=_SHARE)

    def __post_init__(self) -> None:
        steps = self.sample_rate * EVAL_SLOTS
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"sample_rate: expected a multiple of 0.1, got {self.sample_rate!r}")


class EvalAccuracy(PackMonitor):
    """Golden-answer accuracy on a sampled share of traffic, tested against the baseline."""

    name = "eval_accuracy"
    alertname = "LLMEvalAccuracyDrop"
    classes = ("silent_model_swap", "input_drift", "retrieval_degradation", "prompt_regression",
               "config_drift")
    description = "Graded answers are wrong more often than in the baseline."
    Params = EvalParams

    def __init__(self, params: EvalParams, tally: Tally) -> None:
        super().__init__(params, tally)
        slots = range(max(1, round(params.sample_rate * EVAL_SLOTS)))
        #: Columns of the graded counts, one row per user kind (correct counts are at +1).
        self._cols = np.array([[eval_column(k, s) for s in slots] for k in range(len(KIND_NAMES))])

    def _strata(self, vec: np.ndarray) -> list[tuple[float, float]]:
        """``(graded, correct)`` per user kind over the sampled slots."""
        graded, correct = vec[self._cols].sum(axis=1), vec[self._cols + 1].sum(axis=1)
        return list(zip(graded.tolist(), correct.tolist(), strict=True))

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline accuracy per user kind."""
        ref = self.params.reference_accuracy
        if ref is not None:  # a known accuracy carries no sampling error
            self.base, self.base_accuracy = [(1e12, ref * 1e12)] * len(KIND_NAMES), ref
            return None
        self.base = self._strata(base)
        graded = sum(n for n, _ in self.base)
        if graded < self.params.min_baseline:
            return f"{graded:.0f} graded answers (need {self.params.min_baseline})"
        self.base_accuracy = sum(x for _, x in self.base) / graded
        return None

    def judge(self, now_s: float) -> Finding | None:
        """Stratified test over all kinds, then each kind alone."""
        p = self.params
        vec, span = self.tally.window(now_s, p.window_s)
        win = self._strata(vec)
        graded = sum(n for n, _ in win)
        if graded < p.min_samples:
            return None
        accuracy = sum(x for _, x in win) / graded
        p_value, effect, _ = proportion_drop(self.base, win)
        firing = p_value < p.alpha and effect >= p.min_effect
        worst = ""
        tested = [k for k, (n, _) in enumerate(win) if n >= p.kind_min_samples
                  and self.base[k][0] >= p.kind_min_baseline]
        for k in tested:
            pk, ek, _ = proportion_drop([self.base[k]], [win[k]])
            if pk * len(tested) < p.alpha and ek >= 2 * p.min_effect and (
                    exact_drop_p(*self.base[k], *win[k]) * len(tested) < p.alpha):
                firing = True
                worst = f"; {KIND_NAMES[k]} {win[k][1] / win[k][0]:.0%} of {win[k][0]:.0f}"
        threshold = self.base_accuracy - p.min_effect
        return self.finding(firing, accuracy, threshold, lambda: (
            f"accuracy {accuracy:.1%} of {graded:.0f} graded answers over {span:.0f}s vs "
            f"baseline {self.base_accuracy:.1%} (drop {effect:+.1%} by kind mix, "
            f"p={p_value:.2g}; alert at p<{p.alpha:g} and drop >= {p.min_effect:.0%}{worst})"))


@dataclass(frozen=True, slots=True)
class ModelChangeParams(CommonParams):
    """Parameters of ``model_change``."""

    window_s: float = 60.0
    #: Responses with an unseen model or fingerprint in the window before the alert fires.
    min_responses: int = 3


class ModelChange(PackMonitor):
    """Response model or ``system_fingerprint`` differs from the baseline's for a model."""

    name = "model_change"
    alertname = "LLMModelChanged"
    classes = ("silent_model_swap",)
    description = "The provider now answers with a model or system_fingerprint not seen before."
    Params = ModelChangeParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Model and fingerprint pairs seen per requested model."""
        self.known: dict[str, set[tuple[str | None, str | None]]] = {}
        for req, rep, fp in self.tally.identities(self.params.baseline_s, self.params.baseline_s):
            self.known.setdefault(req, set()).add((rep, fp))
        return None if self.known else "no successful responses"

    def judge(self, now_s: float) -> Finding | None:
        """Responses in the window whose identity the baseline never showed."""
        p = self.params
        seen = self.tally.identities(now_s, p.window_s)
        new = {k: n for k, n in seen.items()
               if k[0] in self.known and (k[1], k[2]) not in self.known[k[0]]}
        count = float(sum(new.values()))
        if not new:
            return self.finding(False, 0.0, p.min_responses, str)
        (req, rep, fp), n = max(new.items(), key=lambda kv: kv[1])
        before = ", ".join(f"{r}/{f}" for r, f in sorted(self.known[req], key=str))
        return self.finding(count >= p.min_responses, count, p.min_responses, lambda: (
            f"{count:.0f} responses over {p.window_s:.0f}s with an unseen identity: "
            f"{req} answered as {rep}/{fp} ({n} times); baseline {before}"))
