"""Reading a run directory and alert files, and writing scorecard.json and junit.xml."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from fake_provider.errors import InvalidInputError
from simulator.scoring import (
    SCORECARD_SCHEMA_VERSION,
    load_run,
    read_alert_file,
    verdict_table,
    write_scorecard,
)
from tests.simulator.scoring.builders import action, alert, fault, scenario, score, tel, truth

RUN_START = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()


def _jsonl(path: Path, rows: list[dict], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows) + tail)


def test_load_run_reads_every_record_file(tmp_path: Path) -> None:
    _jsonl(tmp_path / "truth.jsonl", [truth(1.0, "f").to_json()])
    _jsonl(tmp_path / "telemetry.jsonl", [tel(1.0).to_json(), tel(2.0).to_json()])
    _jsonl(tmp_path / "alerts.jsonl", [alert("A", 3.0).to_json()])
    _jsonl(tmp_path / "actions.jsonl", [action(4.0, "A", runbook="rb").to_json()])
    data = load_run(tmp_path)
    assert (len(data.truth), len(data.telemetry), len(data.alerts)) == (1, 2, 1)
    assert data.truth[0].fault_ids == ("f",)
    assert data.actions[0].detail == {"runbook": "rb"}
    assert data.notes == ()


def test_load_run_treats_missing_files_as_empty(tmp_path: Path) -> None:
    data = load_run(tmp_path)
    assert (data.truth, data.telemetry, data.alerts, data.actions) == ((), (), (), ())


def test_torn_last_line_of_an_interrupted_run_is_skipped_with_a_note(tmp_path: Path) -> None:
    _jsonl(tmp_path / "telemetry.jsonl", [tel(1.0).to_json()], tail=b'{"t": 2.0, "reque')
    data = load_run(tmp_path)
    assert len(data.telemetry) == 1
    assert data.notes == ("telemetry.jsonl: skipped a torn last line 2 (interrupted run?)",)


@pytest.mark.parametrize(
    "content", [b'{"oops\n{"t": 1}\n', b'{"t": 1}\n{"oops\n'],
    ids=["first line", "complete last line"])
def test_bad_line_that_is_not_torn_names_the_file_and_line(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "truth.jsonl").write_bytes(content)
    with pytest.raises(InvalidInputError, match=r"truth\.jsonl: line \d is not JSON"):
        load_run(tmp_path)


def test_record_missing_a_field_names_what_was_expected(tmp_path: Path) -> None:
    _jsonl(tmp_path / "alerts.jsonl", [{"fired_at": 3.0}])
    with pytest.raises(InvalidInputError, match=r"alerts\.jsonl: line 1: expected an alert record"):
        load_run(tmp_path)


def test_alertmanager_webhook_payload_converts_utc_to_run_seconds(tmp_path: Path) -> None:
    payload = {
        "version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "gameday",
        "alerts": [
            {"status": "resolved", "labels": {"alertname": "FormatDrift",
                                              "failure_class": "silent_model_swap"},
             "annotations": {"summary": "JSON broke"}, "startsAt": "2025-01-01T12:01:30.5Z",
             "endsAt": "2025-01-01T12:03:00Z"},
            {"status": "firing", "labels": {"alertname": "HighErrors"},
             "startsAt": "2025-01-01T13:02:00+01:00", "endsAt": "0001-01-01T00:00:00Z"},
        ],
    }
    path = tmp_path / "webhook.json"
    path.write_bytes(orjson.dumps(payload))
    drift, errors = read_alert_file(path, RUN_START)
    assert (drift.name, drift.fired_at, drift.resolved_at) == ("FormatDrift", 90.5, 180.0)
    assert drift.failure_class == "silent_model_swap" and drift.source == "import"
    assert drift.fired_at_utc == "2025-01-01T12:01:30.500Z"
    assert (errors.name, errors.fired_at, errors.resolved_at) == ("HighErrors", 120.0, None)


def test_v2_alert_array_merges_resends_and_reads_future_ends_as_firing(tmp_path: Path) -> None:
    firing = {"labels": {"alertname": "Slow"}, "startsAt": "2025-01-01T12:00:10.123456789Z",
              "endsAt": "2025-01-01T12:10:00Z"}
    done = {"labels": {"alertname": "Burst"}, "startsAt": "2025-01-01T12:00:20Z",
            "endsAt": "2025-01-01T12:00:50Z"}
    path = tmp_path / "v2.json"
    path.write_bytes(orjson.dumps([firing, done, firing]))
    alerts = read_alert_file(path, RUN_START, now_unix=RUN_START + 300)
    assert [(a.name, round(a.fired_at, 3), a.resolved_at) for a in alerts] == [
        ("Slow", 10.123, None), ("Burst", 20.0, 50.0)]


def test_alert_file_in_our_own_jsonl_format_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    _jsonl(path, [alert("B", 20.0, 30.0).to_json(), alert("A", 10.0).to_json()])
    assert [(a.name, a.fired_at, a.resolved_at) for a in read_alert_file(path, RUN_START)] == [
        ("A", 10.0, None), ("B", 20.0, 30.0)]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b'{"receiver": "x"}', "expected an alerts.jsonl line"),
     (b'[{"labels": {"alertname": "A"}, "startsAt": "yesterday"}]', "startsAt"),
     (b"not json\nat all\n", "line 1 is not JSON"),
     (b'{"name": "A", "fired_at": 1}\n[1, 2]\n', "line 2: [0]: expected an alert object"),
     (b'{"alerts": [{"annotations": {}}]}', "alerts[0].labels")],
)
def test_bad_alert_file_names_the_file_and_what_was_expected(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as err:
        read_alert_file(path, RUN_START)
    assert str(path) in str(err.value) and fragment in str(err.value)


def _card():
    sc = scenario([fault("swap-1", start=60, duration=60), fault("lat-1", "latency", start=200)],
                  [{"fault": "swap-1", "detect_within": "90s"},
                   {"fault": "lat-1", "detect_within": "30s"}, {"false_alarms": 0}])
    provider = [truth(70, "swap-1", broken=True), truth(75, "swap-1"),
                truth(210, "lat-1", status=500)]
    return score(sc, provider, alerts=[alert("FormatDrift", 112), alert("Noise", 5)])


def test_scorecard_json_holds_the_documented_fields(tmp_path: Path) -> None:
    card_path, _ = write_scorecard(_card(), tmp_path)
    data = orjson.loads(card_path.read_bytes())
    assert data["schema_version"] == SCORECARD_SCHEMA_VERSION
    assert {"scenario", "seed", "mode", "duration_s", "faults", "false_alarms", "budgets",
            "runbooks", "expectations", "passed", "score"} <= data.keys()
    swap = data["faults"][0]
    assert {"id", "kind", "start_s", "end_s", "onset_s", "detected", "time_to_detect_s",
            "first_alert", "alerts", "runbook", "mitigated", "time_to_mitigate_s",
            "impact"} <= swap.keys()
    assert swap["first_alert"]["name"] == "FormatDrift"
    assert swap["impact"]["before_detection"]["bad_responses"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "scorecard.json"]


def test_junit_xml_has_one_testcase_per_expectation_and_parses(tmp_path: Path) -> None:
    _, junit_path = write_scorecard(_card(), tmp_path)
    root = ET.parse(junit_path).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (root.tag, suite.get("tests"), suite.get("failures")) == ("testsuites", "3", "2")
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["unit"] * 3
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "expected lat-1 detected within 30s; lat-1 never detected (limit 30s); "
        "first alert in its window: none")


def test_verdict_table_lines_up_one_row_per_fault() -> None:
    lines = verdict_table(_card()).splitlines()
    assert lines[0].split() == ["fault", "kind", "detected", "TTD", "bad", "before", "detection",
                                "expectation"]
    assert lines[1].split() == ["swap-1", "silent_model_swap", "yes", "42.0s", "1", "pass"]
    assert lines[2].split() == ["lat-1", "latency", "NO", "-", "1", "FAIL"]
    assert lines[1].index("yes") == lines[0].index("detected")
    assert lines[3] == "false alarms: 1   score: 28.3/100   expectations: 1/3 met   FAILED"
