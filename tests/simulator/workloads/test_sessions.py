"""Sessions against a real provider over urllib: the users' logic without locust."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from fake_provider.config import Fault
from simulator.records import TelemetryRecord
from simulator.workloads.sessions import run_session
from simulator.workloads.settings import ClientPolicy, MemorySink, WorkloadRuntime
from tests.simulator.workloads.conftest import ProviderFactory
from tests.simulator.workloads.helpers import (
    ALL_KINDS,
    EXTRACT_PROMPTS,
    FOREVER,
    assert_sane,
    make_settings,
    prompt_regression,
    urllib_transport,
)
from tests.support import fast_config


def _run(
    url: str, kind: str, sessions: int, *, t0_offset_s: float = 0.0, **settings_kw: Any
) -> tuple[list[TelemetryRecord], list[float]]:
    """Run ``sessions`` sessions of one kind; (records emitted, sleeps asked for)."""
    settings = make_settings(**settings_kw)
    sink = MemorySink()
    runtime = WorkloadRuntime(settings=settings, t0_unix=time.time() - t0_offset_s, sink=sink)
    slept: list[float] = []
    returned = []

    def clock() -> float:  # the waits pass on this clock without taking real time
        return time.time() + sum(slept)

    for n in range(sessions):
        returned += run_session(runtime, kind, 0, n, urllib_transport(url), slept.append, clock)
    assert returned == sink.records
    return sink.records, slept


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_runs_sessions_with_sane_records(provider: ProviderFactory, kind: str) -> None:
    url = provider(fast_config())
    records, _ = _run(url, kind, 6, api_keys=("sk-a", "sk-b"))
    assert records
    for record in records:
        assert_sane(record, make_settings(api_keys=("sk-a", "sk-b")))
    assert {r.stream for r in records} == {True, False}  # stream_share 0.5
    assert sum(bool(r.format_ok) for r in records) >= len(records) - 1


def test_single_request_kinds_send_one_request_per_session(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    for kind in ("extract", "classify", "rag"):
        records, slept = _run(url, kind, 4)
        assert [(r.session_id, r.step) for r in records] == [
            (f"{kind}-0.0-{n}", 1) for n in range(4)
        ]
        assert slept == []


def test_chat_sessions_hold_one_to_three_turns_with_think_time(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    records, slept = _run(url, "chat", 12)
    turns = Counter(r.session_id for r in records)
    assert set(turns.values()) <= {1, 2, 3} and len(set(turns.values())) > 1
    assert len(slept) == len(records) - len(turns)  # think time between turns only
    assert all(0.05 <= s <= 0.2 for s in slept)
    for session, n in turns.items():
        steps = [r.step for r in records if r.session_id == session]
        assert steps == list(range(1, n + 1))
    later = [r for r in records if r.step > 1]
    assert min(r.input_tokens for r in later) > min(r.input_tokens for r in records if r.step == 1)


def test_agent_sessions_call_tools_then_give_a_graded_final_answer(
    provider: ProviderFactory,
) -> None:
    url = provider(fast_config())
    records, _ = _run(url, "agent", 6)
    for session in sorted({r.session_id for r in records}):
        steps = [r for r in records if r.session_id == session]
        assert [r.step for r in steps] == list(range(1, len(steps) + 1))
        *tool_steps, final = steps
        assert tool_steps and all(
            r.tool_calls and r.finish_reason == "tool_calls" for r in tool_steps
        )
        assert final.tool_calls == () and final.finish_reason == "stop"
        assert isinstance(final.correct, bool) and final.budget_action is None
    finals = [r for r in records if not r.tool_calls]
    assert sum(bool(r.correct) for r in finals) >= len(finals) - 1


def test_an_agent_loop_runs_into_the_step_guard(provider: ProviderFactory) -> None:
    loop = Fault(id="loop", kind="agent_loop", start_s=0, duration_s=FOREVER, pattern="cycle")
    url = provider(fast_config(faults=(loop,)))
    records, _ = _run(url, "agent", 3, agent_max_steps=5)
    for n in range(3):
        steps = [r for r in records if r.session_id == f"agent-0.0-{n}"]
        assert [r.step for r in steps] == [1, 2, 3, 4, 5]
        assert all(r.tool_calls for r in steps)
        assert [r.budget_action for r in steps] == [None] * 4 + ["agent_max_steps"]
    assert len({r.tool_calls[0] for r in records}) > 1  # the cycle pattern rotates tools


def test_prompt_regression_changes_the_prompt_version_and_breaks_json(
    provider: ProviderFactory,
) -> None:
    url = provider(fast_config())
    prompts = EXTRACT_PROMPTS
    regression = prompt_regression(100.0)
    before, _ = _run(url, "extract", 8, prompts=prompts, client_faults=(regression,))
    after, _ = _run(
        url, "extract", 8, prompts=prompts, client_faults=(regression,), t0_offset_s=150.0
    )
    assert {(r.prompt_version, r.client_faults) for r in before} == {("v1", ())}
    assert {(r.prompt_version, r.client_faults) for r in after} == {("v2", ("prompt-v2",))}
    assert sum(bool(r.format_ok) for r in before) >= 7
    assert sum(bool(r.format_ok) for r in after) <= 1


def test_a_silent_swap_breaks_extract_json_under_the_same_name(provider: ProviderFactory) -> None:
    swap = Fault(
        id="swap",
        kind="silent_model_swap",
        start_s=0,
        duration_s=FOREVER,
        behaviour="prose_wrapped_json",
    )
    baseline, _ = _run(provider(fast_config()), "extract", 8)
    swapped, _ = _run(provider(fast_config(faults=(swap,))), "extract", 8)
    assert sum(bool(r.format_ok) for r in baseline) >= 7
    assert sum(bool(r.format_ok) for r in swapped) <= 1
    assert {r.model_reported for r in swapped} == {"gpt-4o-mini"}
    assert {r.system_fingerprint for r in swapped} == {r.system_fingerprint for r in baseline}
    assert all(r.client_faults == () for r in swapped)  # a provider fault, not a client one


def test_a_429_storm_is_retried_as_asked_and_recorded_once(provider: ProviderFactory) -> None:
    storm = Fault(id="storm", kind="rate_limit", start_s=0, duration_s=FOREVER, mode="storm")
    url = provider(fast_config(faults=(storm,)))
    policy = ClientPolicy(retries=2, timeout_s=5.0)
    records, slept = _run(url, "classify", 2, client=policy)
    assert [(r.outcome, r.status, r.error_type, r.retries) for r in records] == [
        ("rate_limited", 429, "rate_limit_exceeded", 2)
    ] * 2
    assert len(slept) == 4 and all(0 < s <= 60 for s in slept)  # the retry-after waits
    assert all(r.format_ok is None and r.correct is None and r.cost_usd == 0 for r in records)
    assert records[0].latency_s > sum(slept[:2]) and records[1].latency_s > sum(slept[2:])


def test_insufficient_quota_is_never_retried(provider: ProviderFactory) -> None:
    quota = Fault(
        id="q", kind="rate_limit", start_s=0, duration_s=FOREVER, mode="insufficient_quota"
    )
    url = provider(fast_config(faults=(quota,)))
    records, slept = _run(url, "extract", 2, client=ClientPolicy(retries=3))
    assert [(r.error_type, r.retries) for r in records] == [("insufficient_quota", 0)] * 2
    assert slept == []


def test_client_faults_shape_the_inputs(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    bloat = Fault(
        id="bloat", kind="token_burst", start_s=0, duration_s=FOREVER, prompt_multiplier=3.0
    )
    drop = Fault(
        id="drop",
        kind="retrieval_degradation",
        start_s=0,
        duration_s=FOREVER,
        drop_answer_chunk=1.0,
    )
    plain, _ = _run(url, "rag", 6)
    bloated, _ = _run(url, "rag", 6, client_faults=(bloat,))
    dropped, _ = _run(url, "rag", 6, client_faults=(drop,))
    mean = lambda rs: sum(r.input_tokens for r in rs) / len(rs)  # noqa: E731
    assert mean(bloated) > 2.0 * mean(plain)
    assert all(r.client_faults == ("bloat",) for r in bloated)
    assert sum(bool(r.correct) for r in plain) >= 5
    assert sum(bool(r.correct) for r in dropped) <= 1
    assert all(r.client_faults == ("drop",) for r in dropped)


def test_sessions_are_reproducible_from_the_seed(provider: ProviderFactory) -> None:
    url = provider(fast_config())

    def signature(records: list[TelemetryRecord]) -> list[tuple[Any, ...]]:
        return [
            (
                r.session_id,
                r.step,
                r.api_key,
                r.stream,
                r.input_tokens,
                r.content_head,
                r.tool_calls,
            )
            for r in records
        ]

    first, _ = _run(url, "agent", 4, api_keys=("sk-a", "sk-b"))
    again, _ = _run(url, "agent", 4, api_keys=("sk-a", "sk-b"))
    other, _ = _run(url, "agent", 4, api_keys=("sk-a", "sk-b"), seed=8)
    assert signature(first) == signature(again)
    assert signature(first) != signature(other)
