"""Workload settings from a scenario, their JSON round trip, the runtime and the sinks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from fake_provider.errors import InvalidInputError
from simulator.records import TelemetryRecord
from simulator.scenario import parse_scenario
from simulator.workloads.settings import (
    DEFAULT_AGENT_MAX_STEPS,
    JsonlSink,
    MemorySink,
    Price,
    TelemetrySink,
    WorkloadRuntime,
    WorkloadSettings,
    read_jsonl,
    user_weights,
    workload_settings,
)
from tests.simulator.workloads.helpers import make_settings


def _scenario(**extra: Any) -> Any:
    data = {
        "name": "workloads",
        "seed": 5,
        "duration": "2m",
        "provider": {"models": {"gpt-4o-mini": {}, "gpt-4o": {"price": {"input": 2, "output": 8}}}},
        "prompts": {"extract": {"v1": "Reply in JSON with keys: a, b.", "v2": "Tell me."}},
        "traffic": {
            "users": 4,
            "mix": {"extract": 3, "agent": 1},
            "model": "gpt-4o",
            "stream_share": 0.4,
            "think_time": {"min": "1s", "max": "3s"},
            "api_keys": ["sk-a", "sk-b"],
            "client": {"retries": 4, "honour_retry_after": False, "timeout": "20s"},
        },
        "faults": [
            {
                "id": "swap",
                "kind": "silent_model_swap",
                "start": 0,
                "duration": 60,
                "behaviour": "verbose",
            },
            {
                "id": "long",
                "kind": "token_burst",
                "start": 0,
                "duration": 60,
                "output_multiplier": 4,
            },
            {
                "id": "bloat",
                "kind": "token_burst",
                "start": 10,
                "duration": 60,
                "prompt_multiplier": 3,
            },
            {
                "id": "prompt",
                "kind": "prompt_regression",
                "start": 30,
                "duration": 30,
                "prompt": "extract",
                "to": "v2",
            },
            {"id": "cfg", "kind": "config_drift", "start": 5, "duration": 5, "stop": "###"},
            {"id": "drift", "kind": "input_drift", "start": 5, "duration": 5, "shift": "topic"},
            {
                "id": "rag",
                "kind": "retrieval_degradation",
                "start": 5,
                "duration": 5,
                "ramp": 2,
                "fraction": 0.5,
                "drop_answer_chunk": 0.8,
                "api_key": "sk-b",
            },
        ],
        **extra,
    }
    return parse_scenario(data)


def test_workload_settings_carry_the_traffic_section() -> None:
    settings = workload_settings(_scenario())
    assert (settings.seed, settings.model, settings.stream_share) == (5, "gpt-4o", 0.4)
    assert settings.mix == {"extract": 3.0, "agent": 1.0}
    assert (settings.think_time_min_s, settings.think_time_max_s) == (1.0, 3.0)
    assert settings.api_keys == ("sk-a", "sk-b")
    assert (settings.client.retries, settings.client.honour_retry_after) == (4, False)
    assert settings.client.timeout_s == 20.0
    assert settings.prices["gpt-4o"] == Price(2.0, 8.0)
    assert settings.prices["gpt-4o-mini"] == Price(0.15, 0.60)
    assert list(settings.prompts["extract"]) == ["v1", "v2"]


def test_workload_settings_keep_only_client_side_faults() -> None:
    settings = workload_settings(_scenario())
    assert [f.id for f in settings.client_faults] == ["bloat", "prompt", "cfg", "drift", "rag"]
    rag = settings.client_faults[-1]
    assert (rag.ramp_s, rag.fraction, rag.drop_answer_chunk, rag.api_key) == (2, 0.5, 0.8, "sk-b")
    assert settings.client_faults[2].stop == ("###",)


def test_agent_max_steps_defaults_to_the_safety_cap_and_follows_the_budget() -> None:
    assert workload_settings(_scenario()).agent_max_steps == DEFAULT_AGENT_MAX_STEPS == 20
    budgeted = workload_settings(_scenario(budgets={"agent_max_steps": 6}))
    assert budgeted.agent_max_steps == 6


def test_workload_settings_round_trip_through_json_text() -> None:
    settings = workload_settings(_scenario())
    shipped = orjson.loads(orjson.dumps(settings.to_json()))
    assert shipped["schema_version"] == 1
    assert WorkloadSettings.from_json(shipped) == settings


def test_settings_of_another_schema_version_are_refused() -> None:
    data = {**make_settings().to_json(), "schema_version": 99}
    with pytest.raises(InvalidInputError, match="schema_version 99"):
        WorkloadSettings.from_json(data)


def test_runtime_round_trips_settings_and_t0_but_not_the_sink() -> None:
    runtime = WorkloadRuntime(settings=make_settings(), t0_unix=1700000000.25, sink=MemorySink())
    other = MemorySink()
    copy = WorkloadRuntime.from_json(orjson.loads(orjson.dumps(runtime.to_json())), other, 3)
    assert (copy.settings, copy.t0_unix, copy.sink, copy.node_index) == (
        runtime.settings,
        1700000000.25,
        other,
        3,
    )


def test_user_indices_count_per_kind_in_spawn_order() -> None:
    runtime = WorkloadRuntime(settings=make_settings(), t0_unix=0.0, sink=MemorySink())
    drawn = [runtime.next_user_index(k) for k in ("chat", "agent", "chat", "chat", "agent")]
    assert drawn == [0, 0, 1, 2, 1]


def _record(i: int) -> TelemetryRecord:
    return TelemetryRecord(
        t=i * 0.5,
        request_id=f"req_{i}",
        user_kind="agent",
        session_id="agent-0.0-0",
        step=i + 1,
        model_requested="gpt-4o-mini",
        model_reported="gpt-4o-mini",
        system_fingerprint="fp_1",
        prompt_version="v1",
        status=200,
        outcome="ok",
        error_type=None,
        latency_s=0.25,
        ttft_s=0.1,
        input_tokens=100,
        output_tokens=20,
        cost_usd=2.7e-05,
        finish_reason="tool_calls",
        format_ok=True,
        correct=None,
        tool_calls=("lookup_order",),
        ratelimit_remaining_tokens=1999000,
        ratelimit_remaining_requests=9999,
        retries=1,
        budget_action=None,
        stream=True,
        max_chunk_gap_s=0.02,
        api_key="sk-a",
        client_faults=("cfg",),
        content_head=None,
    )


def test_telemetry_records_round_trip_through_a_jsonl_sink(tmp_path: Path) -> None:
    path = tmp_path / "run" / "telemetry.jsonl"
    records = [_record(i) for i in range(5)]
    with JsonlSink(path, flush_every=2) as sink:
        assert isinstance(sink, TelemetrySink)
        for record in records:
            sink.emit(record)
        assert len(path.read_bytes().splitlines()) == 4  # two full batches are on disk
    assert list(read_jsonl(path)) == records
    assert all(
        orjson.loads(line)["schema_version"] == 1 for line in path.read_bytes().split(b"\n") if line
    )


def test_jsonl_sink_appends_to_an_existing_file_and_refuses_emits_after_close(
    tmp_path: Path,
) -> None:
    path = tmp_path / "telemetry.jsonl"
    for i in range(2):
        sink = JsonlSink(path)
        sink.emit(_record(i))
        sink.flush()
        sink.close()
    assert [r.request_id for r in read_jsonl(path)] == ["req_0", "req_1"]
    with pytest.raises(ValueError, match="closed"):
        sink.emit(_record(3))


def test_jsonl_sink_keeps_every_line_whole_under_concurrent_emitters(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.jsonl"
    sink = JsonlSink(path, flush_every=7)

    def emit_many() -> None:
        for i in range(200):
            sink.emit(_record(i))

    threads = [threading.Thread(target=emit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sink.close()
    assert len(list(read_jsonl(path))) == 800


def test_user_weights_are_integers_in_the_mix_proportions() -> None:
    assert user_weights({"extract": 6, "chat": 2, "agent": 2}) == {
        "extract": 3,
        "chat": 1,
        "agent": 1,
    }
    assert user_weights({"extract": 0.5, "rag": 0.25, "chat": 0.0}) == {"extract": 2, "rag": 1}
    assert user_weights({"extract": 0.0001, "rag": 1}) == {"extract": 1, "rag": 1000}
