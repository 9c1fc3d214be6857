"""Detection legs: the intake records notified and pending instants, the scorer turns the
first attributed alert's instants into ``detection_stages``."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.intake.book import AlertBook
from simulator.records import Alert, alert_fingerprint, format_utc
from tests.simulator.scoring.builders import alert, fault, scenario, score, truth

T0 = 1_700_000_000.0
LABELS = {"alertname": "LlmRateLimited", "failure_class": "rate_limit", "severity": "page"}


def _v2(fired_at_s: float) -> list[dict[str, object]]:
    return [
        {
            "labels": LABELS,
            "startsAt": format_utc(T0 + fired_at_s),
            "endsAt": format_utc(T0 + fired_at_s + 240),
            "generatorURL": "http://prometheus/graph",
        }
    ]


def _webhook(fired_at_s: float) -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="LlmRateLimited"}',
        "receiver": "pager",
        "status": "firing",
        "alerts": [{"status": "firing", "labels": LABELS, "startsAt": format_utc(T0 + fired_at_s)}],
    }


def test_book_records_notification_and_activation_per_source() -> None:
    book = AlertBook(T0)
    book.receive_v2(_v2(70.0), now_unix=T0 + 70.01)
    book.receive_v2(_v2(70.0), now_unix=T0 + 100.0)  # a re-send: same episode
    book.receive_webhook(_webhook(70.0), now_unix=T0 + 72.5)
    book.note_activation(alert_fingerprint(LABELS), T0 + 20.0)  # an earlier, older episode
    book.note_activation(alert_fingerprint(LABELS), T0 + 67.0)
    book.note_activation(alert_fingerprint(LABELS), T0 + 90.0)  # after it fired: not its own
    first, second = book.episodes()
    assert (first.source, second.source) == ("alertmanager", "prometheus")  # the page first
    assert first.fired_at == second.fired_at == pytest.approx(70.0)
    assert first.notified_at == pytest.approx(72.5)
    assert second.notified_at == pytest.approx(0.01 + 70.0)
    assert first.pending_at == second.pending_at == pytest.approx(67.0)


def test_alert_without_activation_has_no_pending_time() -> None:
    book = AlertBook(T0)
    book.receive_v2(_v2(5.0), now_unix=T0 + 5.2)
    (episode,) = book.episodes()
    assert episode.pending_at is None and episode.notified_at == pytest.approx(5.2)


def test_alert_json_round_trips_stages_and_reads_old_lines() -> None:
    staged = Alert(
        "A", "prometheus", {"alertname": "A"}, {}, 12.0, pending_at=9.0, notified_at=14.5
    )
    assert Alert.from_json(staged.to_json()) == staged
    old = {"name": "A", "source": "prometheus", "labels": {}, "annotations": {}, "fired_at": 3.0}
    loaded = Alert.from_json(old)
    assert loaded.pending_at is None and loaded.notified_at is None


def _card(first_alert: Alert) -> dict[str, object]:
    sc = scenario([fault("quota-cut", "rate_limit", start=60.0, duration=60.0)])
    records = [truth(t, "quota-cut", status=429) for t in (62.0, 63.0, 70.0)]
    card = score(sc, records, alerts=[first_alert])
    return card.to_json()["faults"][0]


def test_stages_are_the_first_alerts_instants_minus_onset() -> None:
    rule_alert = dataclasses.replace(
        alert("LlmRateLimited", 70.0, failure_class="rate_limit"),
        source="alertmanager",
        pending_at=61.0,
        notified_at=72.5,
    )
    verdict = _card(rule_alert)
    assert verdict["time_to_detect_s"] == pytest.approx(8.0)
    # Pending before onset (62 s) is clamped to 0, as TTD would be.
    assert verdict["detection_stages"] == {"pending_s": 0.0, "firing_s": 8.0, "notified_s": 10.5}


def test_builtin_alerts_and_undetected_faults_have_no_stages() -> None:
    assert (
        _card(alert("LLMRateLimited", 70.0, failure_class="rate_limit"))["detection_stages"] is None
    )
    elsewhere = dataclasses.replace(
        alert("LlmFormatFailureRatioHigh", 70.0, failure_class="silent_model_swap"),
        pending_at=67.0,
        notified_at=71.0,
    )
    verdict = _card(elsewhere)  # names another class: a false alarm, the fault undetected
    assert verdict["detected"] is False and verdict["detection_stages"] is None
