"""Full locust runs (LocalRunner, and master + worker processes) against a real provider.

Each run happens in a child process (see ``locust_child.py``): importing locust
monkey-patches the whole interpreter with gevent, which must not leak into other tests.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from fake_provider.config import Fault
from simulator.records import TelemetryRecord
from simulator.workloads.settings import ClientPolicy
from tests.simulator.workloads.conftest import ProviderFactory
from tests.simulator.workloads.helpers import (
    ALL_KINDS,
    EXTRACT_PROMPTS,
    FOREVER,
    KEYED_API_KEYS,
    KEYED_FAULTS,
    KEYED_OUTCOMES,
    assert_sane,
    make_settings,
    prompt_regression,
)
from tests.simulator.workloads.runs import run_distributed, run_local
from tests.support import fast_config

pytestmark = pytest.mark.slow


def _sessions(records: list[TelemetryRecord]) -> dict[str, list[TelemetryRecord]]:
    out: dict[str, list[TelemetryRecord]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.session_id, r.step)):
        out[record.session_id].append(record)
    return out


def _finished(records: list[TelemetryRecord]) -> dict[str, list[TelemetryRecord]]:
    """Sessions that are not the last of their user (the run's end may cut that one short)."""
    sessions = _sessions(records)
    last: dict[str, int] = {}
    for session_id in sessions:
        user, number = session_id.rsplit("-", 1)
        last[user] = max(last.get(user, -1), int(number))
    return {
        sid: steps
        for sid, steps in sessions.items()
        if int(sid.rsplit("-", 1)[1]) < last[sid.rsplit("-", 1)[0]]
    }


def test_a_local_run_emits_sane_records_for_every_kind(
    provider: ProviderFactory, tmp_path: Path
) -> None:
    settings = make_settings(api_keys=("sk-a", "sk-b"))
    records, stats = run_local(provider(fast_config()), settings, tmp_path / "t.jsonl", run_s=5)
    assert stats["user_classes"] == {
        "ExtractUser": 1,
        "ClassifyUser": 1,
        "ChatUser": 1,
        "AgentUser": 1,
        "RagUser": 1,
    }
    assert {r.user_kind for r in records} == set(ALL_KINDS)
    for record in records:
        assert_sane(record, settings)
        assert 0 <= record.t <= 6.0
    assert {r.stream for r in records} == {True, False}
    # locust's own stats saw every attempt, all successful
    assert (stats["requests"], stats["failures"]) == (len(records), 0)
    for steps in _finished(records).values():
        assert [r.step for r in steps] == list(range(1, len(steps) + 1))
        assert steps[-1].tool_calls == ()  # agents end with a final answer
    assert any(r.user_kind == "agent" and r.step > 1 for r in records)


def test_a_silent_swap_drops_extract_format_and_an_agent_loop_hits_the_step_guard(
    provider: ProviderFactory, tmp_path: Path
) -> None:
    faults = (
        Fault(
            id="swap",
            kind="silent_model_swap",
            start_s=0,
            duration_s=FOREVER,
            behaviour="prose_wrapped_json",
        ),
        Fault(id="loop", kind="agent_loop", start_s=0, duration_s=FOREVER, fraction=0.5),
    )
    settings = make_settings(mix={"extract": 1.0, "agent": 2.0}, agent_max_steps=4)
    url = provider(fast_config(faults=faults))
    records, stats = run_local(url, settings, tmp_path / "t.jsonl", users=6, run_s=6)
    assert stats["user_classes"] == {"ExtractUser": 2, "AgentUser": 4}
    extract = [r for r in records if r.user_kind == "extract"]
    assert len(extract) >= 10
    assert sum(bool(r.format_ok) for r in extract) <= 0.1 * len(extract)
    assert {r.model_reported for r in extract} == {"gpt-4o-mini"}  # the same name throughout
    agent = _finished([r for r in records if r.user_kind == "agent"])
    guarded = [s for s in agent.values() if s[-1].budget_action == "agent_max_steps"]
    answered = [s for s in agent.values() if not s[-1].tool_calls]
    assert guarded and answered and len(guarded) + len(answered) == len(agent)
    for steps in guarded:
        assert [r.step for r in steps] == [1, 2, 3, 4] and all(r.tool_calls for r in steps)
    assert stats["failures"] == 0  # format failures are the app's problem, not HTTP failures


def test_a_prompt_regression_switches_version_and_429s_are_retried_and_failed_in_locust(
    provider: ProviderFactory, tmp_path: Path
) -> None:
    prompts = EXTRACT_PROMPTS
    regression = prompt_regression(2.5)
    storm = Fault(
        id="storm", kind="rate_limit", start_s=0, duration_s=FOREVER, mode="storm", fraction=0.3
    )
    settings = make_settings(
        mix={"extract": 1.0},
        prompts=prompts,
        client_faults=(regression,),
        client=ClientPolicy(retries=1, timeout_s=10.0),
    )
    url = provider(fast_config(faults=(storm,)))
    records, stats = run_local(url, settings, tmp_path / "t.jsonl", users=4, run_s=6)
    before = [r for r in records if r.t < 2.4 and r.outcome == "ok"]
    after = [r for r in records if r.t > 2.6 and r.outcome == "ok"]
    assert len(before) >= 5 and len(after) >= 5
    assert {(r.prompt_version, r.client_faults) for r in before} == {("v1", ())}
    assert {(r.prompt_version, r.client_faults) for r in after} == {("v2", ("prompt-v2",))}
    assert sum(bool(r.format_ok) for r in before) >= 0.9 * len(before)
    assert sum(bool(r.format_ok) for r in after) <= 0.1 * len(after)
    limited = [r for r in records if r.outcome == "rate_limited"]
    assert limited and all(r.retries == 1 and r.status == 429 for r in limited)
    assert any(r.outcome == "ok" and r.retries == 1 for r in records)  # a retry that worked
    # locust counts every attempt; a user stopped while waiting to retry leaves no record
    attempts = sum(1 + r.retries for r in records)
    assert attempts <= stats["requests"] <= attempts + 4
    failed = sum(r.retries for r in records) + len(limited)
    assert failed <= stats["failures"] <= failed + 4
    assert any("rate_limited: rate_limit_exceeded" in e for e in stats["errors"])


@pytest.mark.parametrize("flow", ["quit", "stop"])
def test_every_worker_record_reaches_the_master(
    provider: ProviderFactory, tmp_path: Path, flow: str
) -> None:
    settings = make_settings()
    records, worker = run_distributed(
        provider(fast_config()), settings, tmp_path / "t.jsonl", flow=flow, run_s=4, min_records=21
    )
    assert worker["emitted"] > 20
    assert len(records) == worker["emitted"] == worker["forwarded"]
    assert len({(r.session_id, r.step) for r in records}) == len(records)
    assert {r.user_kind for r in records} == set(ALL_KINDS)
    for record in records:
        assert_sane(record, settings)
    assert all(r.session_id.split("-")[1].startswith("0.") for r in records)  # worker index 0


def test_locust_users_read_broken_answers_as_outcomes_and_fail_them_in_locust(
    provider: ProviderFactory, tmp_path: Path
) -> None:
    settings = make_settings(
        mix={"extract": 1.0}, api_keys=KEYED_API_KEYS, client=ClientPolicy(retries=0, timeout_s=0.5)
    )
    url = provider(fast_config(faults=KEYED_FAULTS))
    records, stats = run_local(url, settings, tmp_path / "t.jsonl", users=5, run_s=4)
    for r in records:
        assert (r.status, r.outcome, r.error_type) == KEYED_OUTCOMES[(r.api_key, r.stream)]  # type: ignore[index]
    assert len({(r.api_key, r.stream) for r in records}) >= 10  # most came up in a few seconds
    assert stats["failures"] == sum(r.outcome != "ok" for r in records)
    assert {e.split(":")[0] for e in stats["errors"]} <= {
        "rate_limited",
        "server_error",
        "malformed",
        "connection_error",
        "timeout",
    }
