"""Spend against the scenario's budgets: overspend per budget and how fast guards cut runaways."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import NamedTuple

from fake_provider.records import TruthRecord
from simulator.records import TelemetryRecord
from simulator.scenario import BudgetsSpec, FaultSpecBase
from simulator.scoring.attribution import fault_kind
from simulator.scoring.scorecard import BudgetOverspend, BudgetsReport, FaultSpend

#: Fault kinds whose damage is runaway spend, so a budget guard is expected to cut them off.
RUNAWAY_KINDS = frozenset({"agent_loop", "token_burst"})


class Spend(NamedTuple):
    """One billed request: time (s), API key, session, whether an agent sent it, cost.

    A named tuple rather than a frozen dataclass: a long run builds millions of them.
    """

    t: float
    api_key: str | None
    session: str | None
    agent: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float

    @property
    def tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


def spend_records(
    truth: Sequence[TruthRecord], telemetry: Sequence[TelemetryRecord]
) -> list[Spend]:
    """What the client paid for, from telemetry; from truth when there is no telemetry."""
    if telemetry:
        return sorted(
            (Spend(r.t, r.api_key, r.session_id, r.user_kind == "agent", r.input_tokens,
                   r.output_tokens, r.cost_usd)
             for r in telemetry if r.outcome != "budget_blocked"),
            key=lambda s: s.t)
    return sorted(
        (Spend(r.t, r.api_key, r.session, r.session is not None, r.input_tokens,
               r.output_tokens, r.cost_usd) for r in truth),
        key=lambda s: s.t)


def _per_minute(spend: Sequence[Spend], limit: float, name: str, by_key: bool) -> BudgetOverspend:
    """USD per calendar minute of the run (per API key when ``by_key``) over ``limit``."""
    buckets: dict[tuple[str | None, int], float] = defaultdict(float)
    for s in spend:
        buckets[(s.api_key if by_key else None, int(s.t // 60))] += s.cost_usd
    over = [v - limit for v in buckets.values() if v > limit]
    total = round(sum(over), 9)
    return BudgetOverspend(name, limit, len(over), "minutes", total, "usd", total)


def _session_tokens(spend: Sequence[Spend], limit: float) -> BudgetOverspend:
    """Sessions whose tokens passed ``limit``: excess tokens and the USD spent past the limit."""
    cap = int(limit)
    used: dict[str, int] = defaultdict(int)
    over_sessions: set[str] = set()
    excess = 0
    usd = 0.0
    for s in spend:
        if s.session is None:
            continue
        before = used[s.session]
        used[s.session] = before + s.tokens
        past = used[s.session] - max(before, cap)
        if past > 0:
            over_sessions.add(s.session)
            excess += past
            usd += s.cost_usd * past / s.tokens
    return BudgetOverspend("session_tokens", limit, len(over_sessions), "sessions", excess,
                           "tokens", round(usd, 9))


def _agent_steps(spend: Sequence[Spend], limit: float) -> BudgetOverspend:
    """Agent sessions with more than ``limit`` steps: extra steps and what they cost."""
    steps: dict[str, int] = defaultdict(int)
    over_sessions: set[str] = set()
    extra = 0
    usd = 0.0
    for s in spend:
        if s.session is None or not s.agent:
            continue
        steps[s.session] += 1
        if steps[s.session] > limit:
            over_sessions.add(s.session)
            extra += 1
            usd += s.cost_usd
    return BudgetOverspend("agent_max_steps", limit, len(over_sessions), "sessions", extra,
                           "steps", round(usd, 9))


def _request_tokens(spend: Sequence[Spend], limit: float) -> BudgetOverspend:
    """Requests whose output tokens passed ``limit``: excess tokens, their pro-rata USD."""
    cap = int(limit)
    over = [s for s in spend if s.output_tokens > cap]
    excess = sum(s.output_tokens - cap for s in over)
    usd = sum(s.cost_usd * (s.output_tokens - cap) / s.tokens for s in over)
    return BudgetOverspend("request_max_tokens", limit, len(over), "requests", excess, "tokens",
                           round(usd, 9))


_CHECKS: dict[str, Callable[[Sequence[Spend], float], BudgetOverspend]] = {
    "spend_per_minute_usd": lambda s, lim: _per_minute(s, lim, "spend_per_minute_usd", True),
    "global_spend_per_minute_usd": lambda s, lim: _per_minute(
        s, lim, "global_spend_per_minute_usd", False),
    "session_tokens": _session_tokens,
    "agent_max_steps": _agent_steps,
    "request_max_tokens": _request_tokens,
}


def guard_cut_off_after(
    fault: FaultSpecBase, onset_s: float | None, telemetry: Sequence[TelemetryRecord],
    grace_s: float,
) -> float | None:
    """Runaway onset to the first telemetry record with a ``budget_action`` (s), if any."""
    if onset_s is None or fault_kind(fault) not in RUNAWAY_KINDS:
        return None
    cuts = [r.t for r in telemetry
            if r.budget_action and onset_s <= r.t <= fault.end_s + grace_s]
    return float(min(cuts) - onset_s) if cuts else None


def budgets_report(
    budgets: BudgetsSpec,
    faults: Sequence[FaultSpecBase],
    onsets: dict[str, float | None],
    truth: Sequence[TruthRecord],
    telemetry: Sequence[TelemetryRecord],
    grace_s: float,
) -> BudgetsReport:
    """Totals, spend per fault window, and the overspend of every budget that is set."""
    spend = spend_records(truth, telemetry)
    limits = budgets.limits()
    times = [s.t for s in spend]
    tokens_before = list(accumulate((s.tokens for s in spend), initial=0))
    cost_before = list(accumulate((s.cost_usd for s in spend), initial=0.0))
    guarded = [r for r in telemetry if r.budget_action]
    per_fault = []
    for fault in faults:
        lo, hi = bisect_left(times, fault.start_s), bisect_left(times, fault.end_s)
        per_fault.append(FaultSpend(
            fault.id, fault.start_s, fault.end_s, tokens_before[hi] - tokens_before[lo],
            round(cost_before[hi] - cost_before[lo], 9),
            guard_cut_off_after(fault, onsets.get(fault.id), guarded, grace_s)))
    overspend = tuple(_CHECKS[name](spend, limit) for name, limit in limits.items()
                      if name in _CHECKS)
    total_usd = round(sum(s.cost_usd for s in spend), 9)
    return BudgetsReport(limits, sum(s.tokens for s in spend), total_usd, tuple(per_fault),
                         overspend)
