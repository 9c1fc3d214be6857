"""Impact per fault and mitigation, counted exactly on hand-built records."""

from __future__ import annotations

import pytest

from simulator.scoring import ImpactSlice
from tests.simulator.scoring.builders import action, alert, fault, scenario, score, tel, truth

SWAP = fault("swap-1", "silent_model_swap", start=60, duration=60)  # window [60, 120)


def _swap_truth() -> list:
    """Six requests the swap affected (four bad), one it did not."""
    return [
        truth(70, "swap-1", broken=True, cost_usd=0.01),
        truth(72, broken=True, cost_usd=0.01),  # not the fault's: ignored
        truth(75, "swap-1", cost_usd=0.01),
        truth(80, "swap-1", wrong=True, cost_usd=0.01),
        truth(85, "swap-1", status=500, cost_usd=0.01),
        truth(95, "swap-1", broken=True, cost_usd=0.01),
        truth(100, "swap-1", cost_usd=0.01),
    ]


def test_impact_before_detection_counts_exactly_the_requests_before_the_first_alert() -> None:
    card = score(scenario([SWAP]), _swap_truth(), alerts=[alert("FormatDrift", 90)])
    impact = card.fault("swap-1").impact
    assert (impact.requests_affected, impact.bad_responses, impact.tokens) == (6, 4, 900)
    assert impact.cost_usd == pytest.approx(0.06)
    before = impact.before_detection
    assert (before.requests, before.bad_responses, before.tokens) == (4, 3, 600)
    assert before.cost_usd == pytest.approx(0.04)


def test_undetected_fault_counts_all_its_impact_before_detection() -> None:
    card = score(scenario([SWAP]), _swap_truth())
    impact = card.fault("swap-1").impact
    assert impact.before_detection == ImpactSlice(6, 4, 900, impact.cost_usd)
    assert impact.before_mitigation == impact.before_detection


def test_detection_before_onset_leaves_nothing_before_detection() -> None:
    card = score(scenario([SWAP]), _swap_truth(), alerts=[alert("FormatDrift", 65)])
    assert card.fault("swap-1").impact.before_detection == ImpactSlice()


def test_client_view_counts_bad_outcomes_sent_inside_the_window() -> None:
    telemetry = [
        tel(59, outcome="server_error", status=500),  # before the window
        tel(60),
        tel(90, outcome="rate_limited", status=429),
        tel(100, outcome="budget_blocked", status=0),  # a guard's refusal is not a bad answer
        tel(110, correct=False),
        tel(119.9, format_ok=False),
        tel(120, outcome="timeout", status=0),  # the window is half-open
    ]
    impact = score(scenario([SWAP]), [truth(70, "swap-1")], telemetry).fault("swap-1").impact
    assert (impact.requests_in_window, impact.bad_responses_in_window) == (5, 3)


def test_client_side_fault_impact_comes_from_telemetry_and_its_matching_truth() -> None:
    prompt = fault("prompt-1", "prompt_regression", start=60, duration=60)
    telemetry = [
        tel(64, client_faults=("prompt-1",), format_ok=False, cost_usd=0.002),
        tel(66, client_faults=("prompt-1",), request_id="req-a", cost_usd=0.002),
        tel(68, client_faults=("prompt-1",), format_ok=False, cost_usd=0.002),
    ]
    provider = [truth(66.1, request_id="req-a", cost_usd=0.005, tokens=(300, 200))]
    card = score(scenario([prompt]), provider, telemetry, alerts=[alert("FormatDrift", 67)])
    impact = card.fault("prompt-1").impact
    assert (impact.requests_affected, impact.bad_responses, impact.tokens) == (3, 2, 800)
    assert impact.cost_usd == pytest.approx(0.009)  # req-a priced by the provider, once
    assert impact.before_detection.requests == 2
    assert impact.before_detection.cost_usd == pytest.approx(0.007)


def test_mitigation_time_runs_from_onset_to_the_last_bad_affected_request_after_it() -> None:
    long_swap = fault("swap-1", "silent_model_swap", start=60, duration=180)
    provider = [truth(t, "swap-1", broken=True) for t in (70, 80, 90, 100, 105)]
    # touched by the fault after the action but answered well: the damage had stopped
    provider += [truth(120, "swap-1"), truth(130)]
    card = score(scenario([long_swap]), provider, alerts=[alert("FormatDrift", 90)],
                 actions=[action(100, "FormatDrift", runbook="rb-swap")])
    verdict = card.fault("swap-1")
    assert verdict.mitigated and verdict.mitigated_at_s == 100
    assert verdict.time_to_mitigate_s == pytest.approx(35.0)
    assert verdict.runbook == "rb-swap"
    assert verdict.impact.before_mitigation.requests == 3
    assert card.runbooks.faults_mitigated == 1
    assert card.runbooks.actions[0].fault == "swap-1"


def test_mitigation_with_nothing_affected_afterwards_stops_at_the_action() -> None:
    provider = [truth(70, "swap-1"), truth(80, "swap-1")]
    card = score(scenario([SWAP]), provider, actions=[action(150, "swap-1", kind="rollback")])
    verdict = card.fault("swap-1")
    assert verdict.time_to_mitigate_s == pytest.approx(80.0)
    assert verdict.runbook is None


def test_action_answering_a_false_alarm_mitigates_no_fault() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")], alerts=[alert("Noise", 10)],
                 actions=[action(20, "Noise")])
    assert not card.fault("swap-1").mitigated
    assert card.fault("swap-1").time_to_mitigate_s is None
    assert card.runbooks.actions[0].fault is None


def test_mitigate_expectation_reports_the_time_and_the_runbook() -> None:
    expect = [{"fault": "swap-1", "mitigated_within": "30s"},
              {"fault": "swap-1", "mitigated_within": "1m"}]
    provider = [truth(70, "swap-1", broken=True), truth(110, "swap-1", broken=True)]
    card = score(scenario([SWAP], expect), provider, alerts=[alert("FormatDrift", 80)],
                 actions=[action(90, "FormatDrift", runbook="rb-swap")])
    tight, loose = card.expectations
    assert (tight.passed, loose.passed) == (False, True)
    assert loose.detail == "swap-1 impact stopped 40.0s after onset by runbook rb-swap (limit 1m)"
    assert tight.detail.endswith("(limit 30s), too late")


def test_never_mitigated_fault_fails_its_mitigate_expectation() -> None:
    card = score(scenario([SWAP], [{"fault": "swap-1", "mitigated_within": "2m"}]),
                 [truth(70, "swap-1")])
    assert card.expectations[0].detail == "swap-1 never mitigated (limit 2m)"
    assert not card.passed
