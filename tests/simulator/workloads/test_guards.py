"""Budget guards and runbook client controls, in sessions against a real provider."""

from __future__ import annotations

import time
from typing import Any

from simulator.budgets import BudgetLimits, MemoryActions
from simulator.records import TelemetryRecord
from simulator.workloads.controls import ClientControls
from simulator.workloads.replies import parse_completion
from simulator.workloads.sessions import run_session
from simulator.workloads.settings import MemorySink, Price, WorkloadRuntime
from tests.simulator.workloads.conftest import ProviderFactory
from tests.simulator.workloads.helpers import (
    EXTRACT_PROMPTS,
    forever,
    make_settings,
    prompt_regression,
    urllib_transport,
)
from tests.support import fast_config


class _Clock:
    """Run time the test moves by hand (plus the sleeps sessions ask for)."""

    def __init__(self) -> None:
        self.start = time.time()
        self.offset_s = 0.0

    def __call__(self) -> float:
        return self.start + self.offset_s

    def sleep(self, seconds: float) -> None:
        self.offset_s += seconds


def _runtime(controls: ClientControls | None = None, **settings_kw: Any) -> WorkloadRuntime:
    runtime = WorkloadRuntime(
        settings=make_settings(**settings_kw),
        t0_unix=time.time(),
        sink=MemorySink(),
        actions=MemoryActions(),
    )
    if controls is not None:
        runtime.controls = controls
    return runtime


def _sessions(
    runtime: WorkloadRuntime, url: str, kind: str, n: int, clock: _Clock, first: int = 0
) -> list[TelemetryRecord]:
    out: list[TelemetryRecord] = []
    for i in range(first, first + n):
        out += run_session(runtime, kind, 0, i, urllib_transport(url), clock.sleep, clock)
    return out


def _actions(runtime: WorkloadRuntime) -> MemoryActions:
    assert isinstance(runtime.actions, MemoryActions)
    return runtime.actions


def test_session_token_budget_cuts_a_looping_agent_off(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=(forever("loop", "agent_loop", pattern="repeat"),)))
    runtime = _runtime(budgets=BudgetLimits(session_tokens=3000), agent_max_steps=30)
    records = _sessions(runtime, url, "agent", 3, _Clock())
    for n in range(3):
        steps = [r for r in records if r.session_id == f"agent-0.0-{n}"]
        last = steps[-1]
        assert last.outcome == "budget_blocked" and last.budget_action == "session_tokens"
        spent = sum(r.input_tokens + r.output_tokens for r in steps[:-1])
        before_last = spent - (steps[-2].input_tokens + steps[-2].output_tokens)
        assert before_last < 3000 <= spent  # cut at the first request past the budget
        assert len(steps) < 30
    cuts = [a for a in _actions(runtime).actions if a.kind == "budget_cut"]
    assert [a.cause for a in cuts] == ["session_tokens"] * 3
    assert {a.target for a in cuts} == {f"agent-0.0-{n}" for n in range(3)}


def test_spend_breaker_sheds_load_then_resumes_after_the_window(
    provider: ProviderFactory,
) -> None:
    url = provider(fast_config())
    pricey = {"gpt-4o-mini": Price(1000.0, 4000.0)}  # a few requests reach the limit
    limits = BudgetLimits(spend_per_minute_usd=2.0)
    runtime = _runtime(prices=pricey, budgets=limits, api_keys=("sk-one",))
    clock = _Clock()
    first = _sessions(runtime, url, "extract", 12, clock)
    sent = [r for r in first if r.outcome == "ok"]
    blocked = [r for r in first if r.outcome == "budget_blocked"]
    assert sent and blocked
    assert sum(r.cost_usd for r in sent[:-1]) < 2.0 <= sum(r.cost_usd for r in sent)
    assert all(r.budget_action == "spend_per_minute_usd" and r.cost_usd == 0 for r in blocked)
    assert first.index(blocked[0]) == len(sent)  # everything after the limit was shed
    clock.offset_s += 61.0  # the window's spend ages out: the breaker closes
    later = _sessions(runtime, url, "extract", 1, clock, first=12)
    assert later[0].outcome == "ok"
    kinds = [(a.kind, a.cause, a.target) for a in _actions(runtime).actions]
    assert kinds == [
        ("budget_block", "spend_per_minute_usd", "sk-one"),
        ("budget_resume", "spend_per_minute_usd", "sk-one"),
    ]


def test_global_breaker_counts_every_key_together(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    pricey = {"gpt-4o-mini": Price(1000.0, 4000.0)}
    limits = BudgetLimits(global_spend_per_minute_usd=2.0)
    runtime = _runtime(prices=pricey, budgets=limits, api_keys=("sk-a", "sk-b", "sk-c"))
    records = _sessions(runtime, url, "extract", 12, _Clock())
    sent = [r for r in records if r.outcome == "ok"]
    assert len({r.api_key for r in sent}) > 1  # no single key reached the limit alone
    assert sum(r.cost_usd for r in sent[:-1]) < 2.0 <= sum(r.cost_usd for r in sent)
    assert any(r.budget_action == "global_spend_per_minute_usd" for r in records)
    assert _actions(runtime).actions[0].target == "*"


def test_request_max_tokens_caps_a_token_burst(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=(forever("burst", "token_burst", output_multiplier=8.0),)))
    runtime = _runtime(budgets=BudgetLimits(request_max_tokens=64))
    records = _sessions(runtime, url, "chat", 4, _Clock())
    assert records and all(r.output_tokens <= 64 for r in records)
    assert all(r.budget_action == "request_max_tokens" for r in records)
    assert any(r.finish_reason == "length" for r in records)
    caps = [a for a in _actions(runtime).actions if a.kind == "budget_cap"]
    assert len(caps) == len(records)
    assert caps[0].detail["requested"] == 512 and caps[0].detail["max_tokens"] == 64


def test_a_gateway_budget_refusal_counts_as_enforcement() -> None:
    body = (
        b'{"error": {"message": "Budget has been exceeded! Current cost: 1.2, Max budget: 1.0",'
        b' "type": "budget_exceeded", "param": null, "code": "400"}}'
    )
    reply = parse_completion(400, {}, body, 0.01)
    assert reply.outcome == "budget_blocked" and reply.error_type == "budget_exceeded"


def test_rollback_prompt_ends_a_prompt_regression_from_the_next_session(
    provider: ProviderFactory,
) -> None:
    url = provider(fast_config())
    controls = ClientControls()
    runtime = _runtime(controls, prompts=EXTRACT_PROMPTS, client_faults=(prompt_regression(0.0),))
    clock = _Clock()
    broken = _sessions(runtime, url, "extract", 4, clock)
    controls.apply("rollback_prompt", {"prompt": "extract"}, now_s=1.0)
    fixed = _sessions(runtime, url, "extract", 4, clock, first=4)
    assert {(r.prompt_version, r.client_faults) for r in broken} == {("v2", ("prompt-v2",))}
    assert {(r.prompt_version, r.client_faults) for r in fixed} == {("v1", ())}
    assert sum(bool(r.format_ok) for r in fixed) >= 3 > sum(bool(r.format_ok) for r in broken)


def test_kill_looping_sessions_ends_loops_at_the_next_step(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=(forever("loop", "agent_loop", pattern="cycle"),)))
    controls = ClientControls()
    controls.apply("kill_looping_sessions", {"max_steps": 3}, now_s=0.0)
    runtime = _runtime(controls, agent_max_steps=12)
    records = _sessions(runtime, url, "agent", 2, _Clock())
    assert [r.step for r in records] == [1, 2, 3, 1, 2, 3]
    assert [r.budget_action for r in records if r.step == 3] == ["kill_looping_sessions"] * 2


def test_lower_max_tokens_and_throttle_take_effect(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=(forever("burst", "token_burst", output_multiplier=8.0),)))
    controls = ClientControls()
    controls.apply("lower_max_tokens", {"max_tokens": 40}, now_s=0.0)
    controls.apply("throttle", {"keep": 0.25, "for": 600.0}, now_s=0.0)
    runtime = _runtime(controls)
    clock = _Clock()
    records = _sessions(runtime, url, "classify", 3, clock)
    assert all(r.output_tokens <= 40 and r.budget_action is None for r in records)
    assert clock.offset_s >= 3 * 0.5 * 3  # each session waited (1/keep - 1) mean think times
