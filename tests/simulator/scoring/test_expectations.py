"""Expectations pass or fail with a detail that says what was expected and what happened."""

from __future__ import annotations

from tests.simulator.scoring.builders import alert, fault, scenario, score, truth

SWAP = fault("swap-1", "silent_model_swap", start=60, duration=60)
DETECT_90S = {"fault": "swap-1", "detect_within": "90s"}


def test_detect_expectation_met_names_the_delay_and_the_alert() -> None:
    card = score(scenario([SWAP], [DETECT_90S]), [truth(70, "swap-1")],
                 alerts=[alert("FormatDrift", 112)])
    result = card.expectations[0]
    assert result.text == "swap-1 detected within 1m30s"
    assert result.passed and result.fault == "swap-1"
    assert result.detail == "swap-1 detected after 42.0s (limit 1m30s) by FormatDrift"
    assert card.passed


def test_detect_expectation_missed_says_none_fired() -> None:
    card = score(scenario([SWAP], [DETECT_90S]), [truth(70, "swap-1")])
    assert card.expectations[0].detail == (
        "swap-1 never detected (limit 1m30s); first alert in its window: none")
    assert not card.passed


def test_detect_expectation_missed_names_the_alert_that_fired_for_the_wrong_class() -> None:
    card = score(scenario([SWAP], [DETECT_90S]), [truth(70, "swap-1")],
                 alerts=[alert("SlowTTFT", 90, failure_class="latency")])
    assert card.expectations[0].detail == (
        "swap-1 never detected (limit 1m30s); first alert in its window: "
        "SlowTTFT at 90.0s, counted as a false alarm")


def test_late_detection_fails_and_says_too_late() -> None:
    card = score(scenario([SWAP], [{"fault": "swap-1", "detect_within": "30s"}]),
                 [truth(70, "swap-1")], alerts=[alert("FormatDrift", 110)])
    result = card.expectations[0]
    assert not result.passed
    assert result.detail == "swap-1 detected after 40.0s (limit 30s) by FormatDrift, too late"


def test_false_alarm_expectation_lists_the_alerts() -> None:
    card = score(scenario([SWAP], [{"false_alarms": 0}]), [truth(70, "swap-1")],
                 alerts=[alert("Noise", 10), alert("FormatDrift", 80)])
    result = card.expectations[0]
    assert result.text == "at most 0 false alarms"
    assert not result.passed
    assert result.detail == "1 false alarm (limit 0): Noise at 10.0s"


def test_passed_only_when_every_expectation_passes() -> None:
    sc = scenario([SWAP], [DETECT_90S, {"false_alarms": 1}])
    met = score(sc, [truth(70, "swap-1")], alerts=[alert("Noise", 10), alert("FormatDrift", 80)])
    assert [e.passed for e in met.expectations] == [True, True] and met.passed
    missed = score(sc, [truth(70, "swap-1")], alerts=[alert("N1", 10), alert("N2", 20)])
    assert [e.passed for e in missed.expectations] == [False, False] and not missed.passed


def test_run_without_expectations_passes() -> None:
    assert score(scenario([SWAP]), [truth(70, "swap-1")]).passed
