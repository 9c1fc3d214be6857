"""Spend and runaway monitors: cost burn rate, token outliers, agent loops."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.monitors.base import CommonParams, Finding, PackMonitor, share
from simulator.monitors.stats import hist_quantile
from simulator.monitors.tally import (
    AGENT,
    COST,
    H_OUT,
    H_STEP,
    IN_SUM,
    LENGTH,
    LENGTH_OUT_SUM,
    MAX_STEP_BIN,
    NB3,
    OK,
    OUT_SUM,
    STEP_BUDGET,
    TOOL,
    TOOL_REPEAT,
    Tally,
)
from simulator.scenario.monitoring import BudgetsSpec

_SHARE = {"max": 1.0}


@dataclass(frozen=True, slots=True)
class CostParams(CommonParams):
    """Parameters of ``cost_burn``."""

    short_window_s: float = 30.0
    long_window_s: float = 120.0
    #: Burn factor both windows must exceed; default 1.0 against a budget, 2.0 against the
    #: baseline spend rate.
    factor: float | None = None
    #: Per-API-key budget in USD per minute; default ``budgets.spend_per_minute_usd``.
    budget_usd_per_minute: float | None = None
    #: Budget across all keys; default ``budgets.global_spend_per_minute_usd``.
    global_budget_usd_per_minute: float | None = None

    def __post_init__(self) -> None:
        if self.short_window_s >= self.long_window_s:
            raise ValueError("short_window_s: expected less than long_window_s")


class CostBurn(PackMonitor):
    """Multiwindow spend burn rate against the spend budgets, else against the baseline rate.

    With budgets, the burn is the worst of each API key's spend rate over
    ``spend_per_minute_usd`` and the total over ``global_spend_per_minute_usd``. Without, it is
    the total spend rate over the baseline's (its first third skipped as ramp-up).
    """

    name = "cost_burn"
    alertname = "LLMCostBurnRate"
    classes = ("token_burst", "agent_loop")
    description = "Spend per minute runs well above the budget (or the baseline rate)."
    Params = CostParams

    def __init__(self, params: CostParams, tally: Tally, budgets: BudgetsSpec | None) -> None:
        super().__init__(params, tally)
        per_key = params.budget_usd_per_minute or (
            budgets.spend_per_minute_usd if budgets else None)
        total = params.global_budget_usd_per_minute or (
            budgets.global_spend_per_minute_usd if budgets else None)
        self.per_key_per_s = per_key / 60.0 if per_key else None
        self.total_per_s = total / 60.0 if total else None
        budgeted = bool(per_key or total)
        self.factor = params.factor or (1.0 if budgeted else 2.0)
        self.against = "budget" if budgeted else "baseline rate"

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Without budgets, the baseline's spend rate becomes the reference."""
        if self.per_key_per_s or self.total_per_s:
            return None
        b = self.params.baseline_s
        vec, span = self.tally.window(b, b * 2.0 / 3.0)
        if span <= 0 or vec[COST] <= 0:
            return "no spend in the baseline"
        self.total_per_s = vec[COST] / span
        return None

    def _burn(self, end_s: float, length_s: float) -> tuple[float, str, float]:
        """Worst burn in one window: ``(burn, whose, USD per minute)``."""
        vec, span = self.tally.window(end_s, length_s)
        worst = (0.0, "total spend", 0.0)
        if span <= 0:
            return worst
        if self.total_per_s:
            worst = (vec[COST] / span / self.total_per_s, "total spend", vec[COST] / span * 60)
        if self.per_key_per_s:
            for key, usd in self.tally.spend_by_key(end_s, length_s).items():
                burn = usd / span / self.per_key_per_s
                if burn > worst[0]:
                    worst = (burn, f"API key {key}", usd / span * 60)
        return worst

    def judge(self, now_s: float) -> Finding | None:
        """Burn over the short and the long window."""
        p = self.params
        short, who, usd = self._burn(now_s, p.short_window_s)
        long = self._burn(now_s, p.long_window_s)[0]
        burn = min(short, long)
        return self.finding(burn > self.factor, burn, self.factor, lambda: (
            f"{who} at ${usd:.4f}/min burns {short:.1f}x the {self.against} over "
            f"{p.short_window_s:.0f}s and {long:.1f}x over {p.long_window_s:.0f}s "
            f"(alert when both exceed {self.factor:g}x)"))


@dataclass(frozen=True, slots=True)
class TokenParams(CommonParams):
    """Parameters of ``token_outliers``."""

    window_s: float = 60.0
    #: Alert when the window's p99 output tokens exceed this many times the baseline's.
    p99_factor: float = 2.0
    #: ``finish_reason: length`` share that alerts, when the cut responses are long (over
    #: ``length_cut_factor`` x the baseline's mean output) rather than cut short ...
    length_min_share: float = field(default=0.05, metadata=_SHARE)
    #: ... or this many times the baseline's share, if higher.
    length_factor: float = 3.0
    length_cut_factor: float = 2.0
    min_length: int = 5
    #: Alert when mean input tokens exceed this many times the baseline's (prompt bloat).
    input_factor: float = 3.0
    min_samples: int = 100


class TokenOutliers(PackMonitor):
    """Output tokens p99 and ``finish_reason: length`` share vs the baseline; prompt bloat."""

    name = "token_outliers"
    alertname = "LLMTokenOutliers"
    classes = ("token_burst", "agent_loop", "input_drift")
    description = "Responses run long (p99 output tokens, cut at max_tokens) or prompts bloat."
    Params = TokenParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline p99, length share and mean tokens."""
        if base[OK] < self.params.min_samples:
            return f"{base[OK]:.0f} responses (need {self.params.min_samples})"
        self.p99 = hist_quantile(base[H_OUT : H_OUT + NB3], 0.99, 3)
        self.length_share = share(base[LENGTH], base[OK])
        self.mean_out, self.mean_in = base[OUT_SUM] / base[OK], base[IN_SUM] / base[OK]
        return None

    def judge(self, now_s: float) -> Finding | None:
        """Any of: p99 far above, many length cut-offs on long outputs, inputs far larger."""
        p = self.params
        w, span = self.tally.window(now_s, p.window_s)
        if w[OK] < p.min_samples:
            return None
        p99 = hist_quantile(w[H_OUT : H_OUT + NB3], 0.99, 3)
        limit = p.p99_factor * self.p99
        cut = share(w[LENGTH], w[OK])
        cut_limit = max(p.length_min_share, p.length_factor * self.length_share)
        mean_in = w[IN_SUM] / w[OK]
        reasons = []
        if p99 > limit:
            reasons.append(f"p99 output tokens <= {p99:.0f} > {limit:.0f}")
        cut_mean = share(w[LENGTH_OUT_SUM], w[LENGTH])
        if (w[LENGTH] >= p.min_length and cut > cut_limit
                and cut_mean > p.length_cut_factor * self.mean_out):
            reasons.append(f"finish_reason length {cut:.1%} > {cut_limit:.1%} (cut at "
                           f"{cut_mean:.0f} tokens on average)")
        if mean_in > p.input_factor * self.mean_in:
            reasons.append(f"mean input tokens {mean_in:.0f} > {p.input_factor:g}x "
                           f"{self.mean_in:.0f}")
        return self.finding(bool(reasons), p99, limit,
                            lambda: f"{'; '.join(reasons)} over {span:.0f}s")


@dataclass(frozen=True, slots=True)
class AgentParams(CommonParams):
    """Parameters of ``agent_loop``."""

    window_s: float = 60.0
    #: Step limit: max(step_factor x baseline max step, baseline max step + step_margin).
    step_factor: float = 2.0
    step_margin: int = field(default=4, metadata={"min": 0})
    #: Agent requests beyond the step limit in the window before the alert fires.
    min_over_limit: int = 4
    #: Requests cut by the ``agent_max_steps`` budget in the window that alert on their own.
    min_budget_hits: int = 2
    #: Share of tool-call requests repeating an earlier call of their session, above the
    #: baseline share, that alerts.
    repeat_share: float = field(default=0.3, metadata=_SHARE)
    min_repeats: int = 5


class AgentLoop(PackMonitor):
    """Agent sessions running past the usual step count, or repeating the same tool call."""

    name = "agent_loop"
    alertname = "LLMAgentLoop"
    classes = ("agent_loop",)
    description = "Agent sessions keep calling tools (climbing steps, repeated identical calls)."
    Params = AgentParams

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Baseline maximum step and repeat share."""
        p = self.params
        steps = np.nonzero(base[H_STEP : H_STEP + MAX_STEP_BIN + 1])[0]
        self.base_max = int(steps[-1]) if len(steps) else 0
        self.limit = min(max(math.ceil(p.step_factor * self.base_max),
                             self.base_max + p.step_margin), MAX_STEP_BIN - 1)
        self.base_repeat = share(base[TOOL_REPEAT], base[TOOL])
        return None

    def judge(self, now_s: float) -> Finding | None:
        """Steps beyond the limit, budget cut-offs, or repeated calls."""
        p = self.params
        w, span = self.tally.window(now_s, p.window_s)
        hist = w[H_STEP : H_STEP + MAX_STEP_BIN + 1]
        live = np.nonzero(hist)[0]
        top = int(live[-1]) if len(live) else 0
        over = float(hist[self.limit + 1 :].sum())
        repeat = share(w[TOOL_REPEAT], w[TOOL])
        reasons = []
        if over >= p.min_over_limit:
            reasons.append(f"{over:.0f} agent steps beyond step {self.limit} (max live step "
                           f"{top}{'+' if top >= MAX_STEP_BIN else ''}, baseline max "
                           f"{self.base_max})")
        if w[STEP_BUDGET] >= p.min_budget_hits:
            reasons.append(f"{w[STEP_BUDGET]:.0f} sessions cut by agent_max_steps")
        if w[TOOL_REPEAT] >= p.min_repeats and repeat > self.base_repeat + p.repeat_share:
            reasons.append(f"{repeat:.0%} of tool calls repeat an earlier identical call "
                           f"(baseline {self.base_repeat:.0%})")
        if w[AGENT] <= 0 and not reasons:
            return None
        return self.finding(bool(reasons), float(top), float(self.limit),
                            lambda: f"{'; '.join(reasons)} over {span:.0f}s")
