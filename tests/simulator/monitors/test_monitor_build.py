"""Building the pack from a scenario's monitors list: defaults, parameters, typos."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_provider.errors import InvalidInputError
from simulator.monitors import MONITOR_TYPES, build_monitors, declared_classes
from simulator.monitors.pack import PACK
from simulator.scenario.monitoring import (
    BudgetsSpec,
    BuiltinMonitor,
    BuiltinPack,
    PrometheusMonitor,
    WebhookMonitor,
)


def test_builtin_gives_all_twelve_monitors_with_defaults() -> None:
    monitors = build_monitors([BuiltinPack()], None)
    assert [m.name for m in monitors] == list(MONITOR_TYPES) and len(monitors) == 12
    assert len({id(m.tally) for m in monitors}) == 1  # one shared tally, one pass per record
    assert all(m.params == type(m).Params() for m in monitors)


def test_a_named_monitor_takes_parameters_and_replaces_the_packs_default() -> None:
    spec = BuiltinMonitor(name="latency_slo",
                          params={"ttft_threshold_s": 1.5, "long_window_s": "5m",
                                  "severity": "ticket"})
    monitors = build_monitors([BuiltinPack(), spec], None)
    (slo,) = [m for m in monitors if m.name == "latency_slo"]
    assert len(monitors) == 12
    assert slo.params.ttft_threshold_s == 1.5 and slo.params.long_window_s == 300.0
    assert slo.labels["severity"] == "ticket"


def test_other_monitor_sources_are_left_to_their_own_stages() -> None:
    specs = [PrometheusMonitor.model_construct(rules=Path("rules.yml")), WebhookMonitor()]
    assert build_monitors(specs, BudgetsSpec()) == []


@pytest.mark.parametrize(("spec", "fragment"), [
    (BuiltinMonitor(name="latncy_slo"),
     "monitors[0]: unknown built-in monitor 'latncy_slo'; did you mean 'latency_slo'?"),
    (BuiltinMonitor(name="latency_slo", params={"ttft_treshold_s": 1.0}),
     "monitors[0].latency_slo.ttft_treshold_s: unknown parameter 'ttft_treshold_s' of built-in "
     "monitor 'latency_slo'; did you mean 'ttft_threshold_s'?"),
    (BuiltinMonitor(name="format_failures", params={"window_s": "-5s"}),
     "monitors[0].format_failures.window_s: expected a non-negative duration"),
    (BuiltinMonitor(name="format_failures", params={"window_s": -5}),
     "window_s: expected a number above 0, got -5"),
    (BuiltinMonitor(name="format_failures", params={"window_s": 0}),
     "window_s: expected a number above 0"),
    (BuiltinMonitor(name="rate_limited", params={"min_count": 2.5}),
     "min_count: expected a whole number"),
    (BuiltinMonitor(name="rate_limited", params={"min_share": 1.5}),
     "min_share: expected a number above 0 and at most 1"),
    (BuiltinMonitor(name="error_rate", params={"severity": "urgent"}),
     "severity: expected one of page, ticket"),
    (BuiltinMonitor(name="eval_accuracy", params={"sample_rate": 0.25}),
     "monitors[0].eval_accuracy.sample_rate: expected a multiple of 0.1"),
    (BuiltinMonitor(name="cost_burn", params={"factor": "high"}),
     "factor: expected a number, got 'high'"),
    (BuiltinMonitor(name="latency_slo", params={"short_window_s": "3m"}),
     "monitors[0].latency_slo.short_window_s: expected less than long_window_s"),
    (BuiltinMonitor(name="latency_slo", params={"objective": 1}),
     "objective: expected a share below 1"),
])
def test_bad_monitor_names_and_parameters_raise_with_a_hint(
    spec: BuiltinMonitor, fragment: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        build_monitors([spec], None)
    assert fragment in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    specs = [BuiltinMonitor(name="agent_lop"), BuiltinPack(),
             BuiltinMonitor(name="agent_loop", params={"windw_s": 10})]
    with pytest.raises(InvalidInputError) as info:
        build_monitors(specs, None)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("monitors[0]: unknown built-in monitor 'agent_lop'")
    assert lines[1].startswith("monitors[2].agent_loop.windw_s: unknown parameter")
    assert "did you mean 'window_s'?" in lines[1]


def test_a_monitor_listed_twice_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="'error_rate' is listed twice"):
        build_monitors([BuiltinMonitor(name="error_rate"), BuiltinMonitor(name="error_rate")])


def test_declared_classes_answer_for_alert_and_monitor_names() -> None:
    assert declared_classes("LLMRateLimited") == ("rate_limit",)
    assert declared_classes("quota_headroom") == ("rate_limit",)
    assert "silent_model_swap" in declared_classes("LLMModelChanged")
    assert declared_classes("SomeTeamAlert") == ()
    every = {c for cls in PACK for c in cls.classes}
    assert every == {"silent_model_swap", "rate_limit", "token_burst", "agent_loop",
                     "prompt_regression", "config_drift", "input_drift",
                     "retrieval_degradation", "latency", "server_error"}
