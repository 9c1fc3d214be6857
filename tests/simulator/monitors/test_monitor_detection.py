"""Each built-in monitor fires on its failure class within its documented time, and only there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from simulator.monitors import build_monitors, declared_classes, replay
from simulator.records import Alert
from simulator.scenario.monitoring import BudgetsSpec, BuiltinMonitor, BuiltinPack
from tests.simulator.monitors.synthetic import FaultWindow, stream

START_S, END_S, DURATION_S = 120.0, 240.0, 330.0


def run_pack(seed: int, fault: FaultWindow | None, budgets: BudgetsSpec | None = None,
             duration_s: float = DURATION_S, agent_max_steps: int | None = 12) -> list[Alert]:
    """Alerts of the whole reference pack over one synthetic run."""
    records = stream(seed, duration_s, *([fault] if fault else []),
                     agent_max_steps=agent_max_steps)
    return replay(records, build_monitors([BuiltinPack()], budgets or BudgetsSpec()),
                  duration_s=duration_s)


def first_fired(alerts: Sequence[Alert]) -> dict[str, float]:
    """Seconds from the fault's start to each alert's first firing."""
    out: dict[str, float] = {}
    for alert in alerts:
        out.setdefault(alert.name, alert.fired_at - START_S)
    return out


CASES: Mapping[str, tuple[str, Mapping[str, object], Mapping[str, float]]] = {
    "swap": ("silent_model_swap", {}, {"LLMFormatFailures": 20, "LLMSemanticDrift": 30,
                                       "LLMOutputTokensDrift": 60}),
    "swap-announced": ("silent_model_swap", {"announce": True}, {"LLMModelChanged": 15}),
    "prompt-regression": ("prompt_regression", {}, {"LLMFormatFailures": 20,
                                                    "LLMSemanticDrift": 45}),
    "config-drift": ("config_drift", {}, {"LLMFormatFailures": 20}),
    "input-drift": ("input_drift", {}, {"LLMSemanticDrift": 45}),
    "verbose-burst": ("token_burst", {"output_multiplier": 8.0},
                      {"LLMTokenOutliers": 30, "LLMFormatFailures": 20,
                       "LLMOutputTokensDrift": 60}),
    "prompt-bloat": ("token_burst", {"output_multiplier": 1.0, "prompt_multiplier": 5.0},
                     {"LLMTokenOutliers": 45, "LLMCostBurnRate": 60}),
    "agent-loop": ("agent_loop", {}, {"LLMAgentLoop": 30}),
    "slow-ttft": ("latency", {"ttft_multiplier": 5.0}, {"LLMLatencySLOBurn": 40}),
    "5xx": ("server_error", {"share": 0.2}, {"LLMErrorRate": 25}),
    "quota-cut": ("rate_limit", {"tpm": 120_000}, {"LLMRateLimited": 30,
                                                   "LLMQuotaHeadroomLow": 20}),
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("case", sorted(CASES))
def test_monitor_fires_on_its_class_within_documented_time_and_stays_silent_on_others(
    case: str, seed: int
) -> None:
    kind, options, expected = CASES[case]
    alerts = run_pack(seed, FaultWindow(kind, START_S, END_S, options))
    fired = first_fired(alerts)
    for name, limit_s in expected.items():
        assert name in fired, f"{name} never fired on {case}: {[a.name for a in alerts]}"
        assert 0 < fired[name] <= limit_s, f"{name} took {fired[name]}s (limit {limit_s}s)"
    for alert in alerts:
        assert alert.fired_at >= START_S, f"{alert.name} fired before the fault"
        assert kind in declared_classes(alert.name), f"{alert.name} fired on {kind}"
        assert kind in alert.labels["failure_class"].split(",")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ten_fault_free_minutes_raise_no_alert_from_the_whole_pack(seed: int) -> None:
    records = stream(seed, 600.0)
    monitors = build_monitors([BuiltinPack()], BudgetsSpec(agent_max_steps=12))
    assert 12 <= len(records) / 600.0 <= 18  # about 15 requests/s
    assert replay(records, monitors, duration_s=600.0) == []
    assert [m.state for m in monitors] == ["ready"] * 12  # quiet because healthy, not blind


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quota_headroom_fires_before_the_429s_when_a_neighbour_drains_the_quota(
    seed: int
) -> None:
    fault = FaultWindow("rate_limit", START_S, END_S, {"neighbour_tps": 60_000.0})
    fired = first_fired(run_pack(seed, fault))
    assert fired["LLMQuotaHeadroomLow"] <= 45
    assert fired["LLMRateLimited"] - fired["LLMQuotaHeadroomLow"] >= 15


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agent_loop_is_caught_without_a_step_budget(seed: int) -> None:
    fired = first_fired(run_pack(seed, FaultWindow("agent_loop", START_S, END_S),
                                 agent_max_steps=None))
    assert fired["LLMAgentLoop"] <= 30


@pytest.mark.parametrize("seed", [1, 2])
def test_cost_burn_fires_against_the_spend_budget(seed: int) -> None:
    budgets = BudgetsSpec(spend_per_minute_usd=0.1)  # healthy traffic spends ~$0.07/min
    assert run_pack(seed, None, budgets) == []
    fault = FaultWindow("token_burst", START_S, END_S, {"output_multiplier": 1.0,
                                                        "prompt_multiplier": 5.0})
    alert = next(a for a in run_pack(seed, fault, budgets) if a.name == "LLMCostBurnRate")
    assert alert.fired_at - START_S <= 40
    assert "budget" in alert.annotations["summary"]


@pytest.mark.parametrize(("kind", "seed"), [
    ("silent_model_swap", 1), ("silent_model_swap", 2), ("config_drift", 1),
    ("config_drift", 2), ("retrieval_degradation", 1), ("input_drift", 1),
])
def test_eval_accuracy_detects_an_accuracy_drop_with_a_one_minute_baseline(
    kind: str, seed: int
) -> None:
    monitors = build_monitors([BuiltinMonitor(name="eval_accuracy",
                                              params={"baseline_s": "1m"})])
    alerts = replay(stream(seed, DURATION_S, FaultWindow(kind, START_S, END_S)), monitors,
                    duration_s=DURATION_S)
    assert alerts and alerts[0].name == "LLMEvalAccuracyDrop"
    assert 0 < alerts[0].fired_at - START_S <= 90
    assert "p=" in alerts[0].annotations["summary"]


@pytest.mark.parametrize("seed", range(4))
def test_eval_accuracy_stays_quiet_when_answers_do_not_change(seed: int) -> None:
    monitors = build_monitors([BuiltinMonitor(name="eval_accuracy")])
    faults = FaultWindow("token_burst", START_S, END_S)  # verbose, but just as correct
    assert replay(stream(seed, DURATION_S, faults), monitors, duration_s=DURATION_S) == []
