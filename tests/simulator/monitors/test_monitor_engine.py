"""The engine's alert episodes: hold times, resolves, UTC stamps, replay equal to live."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from simulator.monitors import (
    Finding,
    Monitor,
    MonitorEngine,
    build_monitors,
    read_telemetry,
    replay,
)
from simulator.records import Alert, TelemetryRecord
from simulator.scenario.monitoring import BudgetsSpec, BuiltinPack
from tests.simulator.monitors.synthetic import FaultWindow, stream

T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z


class Scripted:
    """A monitor that fires on the ticks listed, and raises on the ones in ``crash``."""

    def __init__(self, firing: set[float], crash: frozenset[float] = frozenset()) -> None:
        self.firing, self.crash, self.seen = firing, crash, 0

    def observe(self, record: TelemetryRecord) -> None:
        self.seen += 1

    def evaluate(self, now_s: float) -> Finding | None:
        if now_s in self.crash:
            raise RuntimeError("boom")
        return Finding("Scripted", now_s in self.firing, 1.0, 0.5, f"scripted at {now_s:g}",
                       {"severity": "ticket", "failure_class": "latency", "monitor": "s"})


def test_one_firing_tick_is_not_an_alert_two_are() -> None:
    engine = MonitorEngine([Scripted({10.0, 25.0, 30.0})], tick_s=5.0, clock_origin_unix=T0)
    events = engine.advance(60.0)
    # fires on the 2nd firing tick in a row, resolves on the 3rd quiet one
    assert [(a.fired_at, a.resolved_at) for a in events] == [(30.0, None), (30.0, 45.0)]
    (alert,) = engine.close(60.0)
    assert alert.fired_at_utc == "2024-05-01T12:00:30.000Z"
    assert alert.resolved_at_utc == "2024-05-01T12:00:45.000Z"
    assert alert.fingerprint == next(iter(events)).fingerprint
    assert alert.annotations["summary"] == "scripted at 30"
    assert alert.labels == {"alertname": "Scripted", "severity": "ticket",
                            "failure_class": "latency", "monitor": "s"}


def test_a_crashing_monitor_is_recorded_and_the_others_carry_on() -> None:
    healthy = Scripted({5.0, 10.0})
    engine = MonitorEngine([Scripted(set(), frozenset({5.0})), healthy], 5.0, T0)
    assert isinstance(healthy, Monitor)
    assert [a.name for a in engine.advance(10.0)] == ["Scripted"]
    assert len(engine.errors) == 1 and "boom" in engine.errors[0]


def test_alerts_resolve_after_the_fault_ends() -> None:
    records = stream(1, 330.0, FaultWindow("server_error", 120.0, 180.0))
    alerts = replay(records, build_monitors([BuiltinPack()]), duration_s=330.0, t0_unix=T0)
    (alert,) = alerts
    assert alert.name == "LLMErrorRate"
    assert alert.resolved_at is not None and 180.0 < alert.resolved_at <= 180.0 + 30 + 20


def test_alerts_still_firing_at_the_end_keep_resolved_at_none() -> None:
    records = stream(1, 240.0, FaultWindow("agent_loop", 120.0, 240.0))
    (alert,) = replay(records, build_monitors([BuiltinPack()]), duration_s=240.0, t0_unix=T0)
    assert alert.resolved_at is None and alert.resolved_at_utc is None


def test_builtin_alerts_carry_the_documented_labels_and_a_stable_fingerprint() -> None:
    records = stream(2, 240.0, FaultWindow("latency", 120.0, 240.0))
    first = replay(records, build_monitors([BuiltinPack()]), duration_s=240.0, t0_unix=T0)
    again = replay(records, build_monitors([BuiltinPack()]), duration_s=240.0, t0_unix=T0)
    (alert,) = first
    assert alert.source == "builtin" and alert.name == alert.labels["alertname"]
    assert set(alert.labels) == {"alertname", "severity", "failure_class", "monitor"}
    assert alert.labels["monitor"] == "latency_slo" and alert.failure_class == "latency"
    assert re.fullmatch(r"[0-9a-f]{16}", alert.fingerprint or "")
    assert first == again
    assert "burning" in alert.annotations["summary"] and float(alert.annotations["value"]) > 14.4


def write_jsonl(path: Path, records: list[TelemetryRecord]) -> None:
    """telemetry.jsonl as the run writes it: one record a line, in arrival order."""
    path.write_bytes(b"".join(orjson.dumps(r.to_json()) + b"\n" for r in records))


def live(records: list[TelemetryRecord], duration_s: float) -> list[Alert]:
    """The live engine: a timer ticks every boundary, records arrive as they complete."""
    engine = MonitorEngine(build_monitors([BuiltinPack()], BudgetsSpec()), 5.0, T0)
    for record in records:
        engine.advance(record.t + record.latency_s)
        engine.observe(record)
    engine.advance(duration_s)
    return engine.close(duration_s)


def test_replay_of_a_jsonl_file_equals_feeding_the_engine_live(tmp_path: Path) -> None:
    records = stream(3, 330.0, FaultWindow("silent_model_swap", 120.0, 240.0))
    path = tmp_path / "telemetry.jsonl"
    write_jsonl(path, records)
    assert list(read_telemetry(path)) == records
    offline = replay(read_telemetry(path), build_monitors([BuiltinPack()], BudgetsSpec()),
                     duration_s=330.0, tick_s=5.0, t0_unix=T0)
    assert len(offline) >= 3
    assert offline == live(records, 330.0)


def test_read_telemetry_names_the_line_of_a_broken_record(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.jsonl"
    write_jsonl(path, stream(1, 5.0))
    with path.open("ab") as handle:
        handle.write(b"\n{not json\n")
    lines = len(path.read_bytes().splitlines())
    try:
        list(read_telemetry(path))
    except Exception as exc:
        assert f"telemetry.jsonl:{lines}" in str(exc)
        assert type(exc).__name__ == "InvalidInputError"
    else:
        raise AssertionError("a broken line must raise")
