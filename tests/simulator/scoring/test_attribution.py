"""Attribution and time to detect on hand-built runs whose right answers are known exactly."""

from __future__ import annotations

import pytest

from tests.simulator.scoring.builders import alert, fault, scenario, score, tel, truth

SWAP = fault("swap-1", "silent_model_swap", start=60, duration=60)  # window [60, 120]


def test_alert_before_the_fault_is_a_false_alarm_and_a_later_one_detects() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1"), truth(80, "swap-1")],
                 alerts=[alert("Noise", 30), alert("FormatDrift", 90)])
    verdict = card.fault("swap-1")
    assert [f.alert.name for f in card.false_alarms] == ["Noise"]
    assert "outside every fault window" in card.false_alarms[0].reason
    assert verdict.detected and verdict.onset_s == 70
    assert verdict.time_to_detect_s == pytest.approx(20.0)
    assert verdict.first_alert is not None and verdict.first_alert.name == "FormatDrift"


def test_alert_naming_another_class_is_a_false_alarm_not_a_detection() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")],
                 alerts=[alert("SlowTTFT", 90, failure_class="latency")])
    assert not card.fault("swap-1").detected
    assert card.fault("swap-1").time_to_detect_s is None
    assert [f.alert.name for f in card.false_alarms] == ["SlowTTFT"]
    assert "names class latency" in card.false_alarms[0].reason


def test_monitor_declared_classes_decide_when_the_alert_has_no_class_label() -> None:
    declared = {"FormatDrift": ("silent_model_swap",), "SlowTTFT": ("latency",)}
    card = score(scenario([SWAP]), [truth(70, "swap-1")],
                 alerts=[alert("SlowTTFT", 80), alert("FormatDrift", 95)],
                 declared_classes=lambda name: declared.get(name, ()))
    assert [f.alert.name for f in card.false_alarms] == ["SlowTTFT"]
    assert card.fault("swap-1").time_to_detect_s == pytest.approx(25.0)


def test_failure_class_label_overrides_the_declared_classes() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")],
                 alerts=[alert("SlowTTFT", 80, failure_class="silent_model_swap")],
                 declared_classes=lambda name: ("latency",))
    assert card.fault("swap-1").detected
    assert card.false_alarms == ()


def test_fault_never_detected_has_no_time_to_detect_and_no_credit() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")])
    verdict = card.fault("swap-1")
    assert (verdict.detected, verdict.time_to_detect_s, verdict.first_alert) == (False, None, None)
    assert verdict.detection_credit == 0.0
    assert card.score == 0.0


def test_alert_that_fires_and_resolves_twice_is_two_episodes_and_the_first_counts() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")],
                 alerts=[alert("FormatDrift", 100, 110), alert("FormatDrift", 90, 95)])
    verdict = card.fault("swap-1")
    assert [a.fired_at for a in verdict.alerts] == [90, 100]
    assert verdict.time_to_detect_s == pytest.approx(20.0)
    assert card.false_alarms == ()


def test_the_same_episode_recorded_twice_counts_once() -> None:
    card = score(scenario([SWAP]), [truth(70, "swap-1")],
                 alerts=[alert("FormatDrift", 90), alert("FormatDrift", 90, 99)])
    assert len(card.fault("swap-1").alerts) == 1


def test_overlapping_faults_prefer_the_named_class_then_the_latest_start() -> None:
    swap = fault("swap-1", "silent_model_swap", start=60, duration=120)  # [60, 180]
    lat = fault("lat-1", "latency", start=100, duration=60)  # [100, 160]
    card = score(
        scenario([swap, lat]),
        [truth(65, "swap-1"), truth(101, "swap-1", "lat-1")],
        alerts=[alert("SlowTTFT", 105, failure_class="latency"),
                alert("FormatDrift", 110, failure_class="silent_model_swap"),
                alert("ErrorBudgetBurn", 120)],
    )
    assert [a.name for a in card.fault("swap-1").alerts] == ["FormatDrift"]
    assert [a.name for a in card.fault("lat-1").alerts] == ["SlowTTFT", "ErrorBudgetBurn"]
    assert card.fault("swap-1").time_to_detect_s == pytest.approx(45.0)
    assert card.fault("lat-1").time_to_detect_s == pytest.approx(4.0)


def test_time_to_detect_runs_from_onset_not_from_the_fault_start() -> None:
    card = score(scenario([SWAP]), [truth(75, "swap-1"), truth(70)],
                 alerts=[alert("FormatDrift", 95)])
    assert card.fault("swap-1").onset_s == 75
    assert card.fault("swap-1").time_to_detect_s == pytest.approx(20.0)


def test_alert_between_start_and_onset_detects_with_zero_not_negative_delay() -> None:
    card = score(scenario([SWAP]), [truth(75, "swap-1")], alerts=[alert("FormatDrift", 65)])
    assert card.fault("swap-1").detected
    assert card.fault("swap-1").time_to_detect_s == 0.0


@pytest.mark.parametrize(
    ("grace_s", "fired_at", "attributed"),
    [(60.0, 180.0, True), (60.0, 180.5, False), (10.0, 130.0, True), (10.0, 130.1, False),
     (0.0, 120.0, True), (60.0, 59.9, False)],
)
def test_grace_period_edge_is_inclusive(grace_s: float, fired_at: float, attributed: bool) -> None:
    card = score(scenario([SWAP]), [truth(60, "swap-1")], alerts=[alert("FormatDrift", fired_at)],
                 grace_s=grace_s)
    assert card.fault("swap-1").detected is attributed
    assert len(card.false_alarms) == (0 if attributed else 1)


def test_client_side_fault_onset_comes_from_telemetry() -> None:
    prompt = fault("prompt-1", "prompt_regression", start=60, duration=60)
    hit = ("prompt-1",)
    card = score(scenario([prompt]), [truth(61)],
                 [tel(62), tel(64, client_faults=hit), tel(66, client_faults=hit)],
                 alerts=[alert("FormatDrift", 70)])
    assert card.fault("prompt-1").onset_s == 64
    assert card.fault("prompt-1").time_to_detect_s == pytest.approx(6.0)


def test_fault_that_affected_nothing_cannot_be_detected_and_says_so() -> None:
    card = score(scenario([SWAP], expect=[{"fault": "swap-1", "detect_within": "90s"}]),
                 [truth(70)], alerts=[alert("FormatDrift", 90)])
    verdict = card.fault("swap-1")
    assert verdict.onset_s is None and not verdict.detected
    assert verdict.note is not None and "affected no request" in verdict.note
    assert card.false_alarms == ()  # the alert still belongs to the fault's window
    assert card.expectations[0].detail == (
        "swap-1 affected no request, so it cannot be detected (limit 1m30s)")
    assert not card.passed


@pytest.mark.parametrize(("kwargs", "fragment"),
                         [({"mode": "live"}, "mode"), ({"grace_s": -1.0}, "grace_s")])
def test_score_run_rejects_a_bad_mode_or_grace(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        score(scenario([SWAP]), **kwargs)
