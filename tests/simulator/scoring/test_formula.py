"""The score formula on cases whose value is worked out by hand."""

from __future__ import annotations

import pytest

from simulator.scoring import detection_credit
from tests.simulator.scoring.builders import alert, fault, scenario, score, truth


@pytest.mark.parametrize(
    ("ttd_s", "credit"),
    [(0.0, 1.0), (60.0, 0.75), (120.0, 0.5), (240.0, 0.25), (360.0, 0.0), (500.0, 0.0),
     (None, 0.0)],
)
def test_detection_credit_decays_linearly_to_half_at_the_deadline_and_zero_at_three_times(
    ttd_s: float | None, credit: float
) -> None:
    assert detection_credit(ttd_s, 120.0) == pytest.approx(credit)


def test_score_averages_fault_credits_then_subtracts_ten_per_false_alarm() -> None:
    a = fault("a", "silent_model_swap", start=60, duration=60)
    b = fault("b", "latency", start=200, duration=60)
    sc = scenario([a, b], expect=[{"fault": "a", "detect_within": "60s"}])
    card = score(sc, [truth(60, "a"), truth(200, "b")],
                 alerts=[alert("A", 90), alert("B", 320), alert("Noise", 10)])
    # a: TTD 30 of a 60 s deadline -> 0.75; b: TTD 120 of the default 120 s -> 0.5.
    assert [f.deadline_s for f in card.faults] == [60.0, 120.0]
    assert card.score_breakdown.detection == pytest.approx(62.5)
    assert card.score == 52.5


def test_run_with_faults_and_no_detections_scores_zero() -> None:
    sc = scenario([fault("a", start=60, duration=60)])
    assert score(sc, [truth(60, "a")]).score == 0.0


def test_quiet_run_without_faults_only_loses_points_for_false_alarms() -> None:
    assert score(scenario()).score == 100.0
    assert score(scenario(), alerts=[alert("X", 5), alert("Y", 6)]).score == 80.0


def test_score_has_a_floor_of_zero() -> None:
    sc = scenario([fault("a", start=60, duration=60)])
    noise = [alert(f"Noise{i}", float(i)) for i in range(11)]
    card = score(sc, [truth(60, "a")], alerts=[alert("A", 60), *noise])
    assert card.score_breakdown.detection == 100.0
    assert card.score == 0.0


def test_faults_that_affected_nothing_are_left_out_of_the_score() -> None:
    sc = scenario([fault("a", start=60, duration=60), fault("b", start=200, duration=60)])
    assert score(sc, [truth(60, "a")], alerts=[alert("A", 60)]).score == 100.0
    assert score(sc, [truth(10)], alerts=[alert("A", 60)]).score == 0.0
