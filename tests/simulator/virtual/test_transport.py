"""The virtual transport reads broken answers exactly as the locust users read them over HTTP
(the table of ``test_locust_users_read_broken_answers_as_outcomes_and_fail_them_in_locust``),
and leaves the provider's truth as the server would."""

from __future__ import annotations

from fake_provider.records import TruthRecord
from fake_provider.state import ProviderState
from simulator.virtual import Scheduler
from simulator.virtual.transport import VirtualTransport
from simulator.workloads.sessions import run_session
from simulator.workloads.settings import ClientPolicy, WorkloadRuntime
from simulator.workloads.sinks import MemorySink
from tests.simulator.workloads.helpers import (
    KEYED_API_KEYS,
    KEYED_FAULTS,
    KEYED_OUTCOMES,
    forever,
    make_settings,
)
from tests.support import fast_config


def _simulate(
    faults: tuple, settings_kw: dict, users: int, until_s: float
) -> tuple[MemorySink, list[TruthRecord]]:
    """``users`` extract users looping sessions against the keyed provider in virtual time."""
    state = ProviderState.create(fast_config(faults=faults), t0_unix=0.0)
    settings = make_settings(mix={"extract": 1.0}, **settings_kw)
    sink, truth = MemorySink(), []
    runtime = WorkloadRuntime(settings, 0.0, sink)
    scheduler = Scheduler()
    transport = VirtualTransport(
        state,
        lambda: scheduler.now_s,
        scheduler.sleep,
        truth.append,
        lambda: runtime.settings.client.timeout_s,
    )

    def user(index: int) -> None:
        for session_no in range(10_000):
            run_session(
                runtime,
                "extract",
                index,
                session_no,
                transport,
                scheduler.sleep,
                lambda: scheduler.now_s,
            )
            scheduler.sleep(0.1)

    for index in range(users):
        scheduler.spawn(lambda i=index: user(i), at_s=0.0, order=index)
    scheduler.run(until_s)
    scheduler.stop()
    return sink, truth


def test_broken_answers_read_as_the_locust_users_read_them() -> None:
    settings_kw = {"api_keys": KEYED_API_KEYS, "client": ClientPolicy(retries=0, timeout_s=0.5)}
    sink, truth = _simulate(KEYED_FAULTS, settings_kw, users=5, until_s=60.0)
    records = sink.records
    for r in records:
        assert (r.status, r.outcome, r.error_type) == KEYED_OUTCOMES[(r.api_key, r.stream)]
    assert {(r.api_key, r.stream) for r in records} == set(KEYED_OUTCOMES)
    by_id = {t.request_id: t for t in truth}
    for r in records:
        if r.request_id is not None:
            assert by_id[r.request_id].status == r.status
    # A hang outlives the 0.5 s timeout: the client hangs up after exactly that long and the
    # provider records the answer as abandoned, as the HTTP server does.
    hangs = [t for t in truth if t.api_key == "sk-hang"]
    assert hangs and all((t.status, t.error_code) == (499, "client_closed") for t in hangs)
    assert all(r.latency_s == 0.5 for r in records if r.api_key == "sk-hang")


def test_a_hang_shorter_than_the_timeout_ends_in_a_504_after_the_hang() -> None:
    faults = (forever("hang", "server_error", mode="hang", seconds=2.0),)
    settings_kw = {"client": ClientPolicy(retries=0, timeout_s=30.0)}
    sink, truth = _simulate(faults, settings_kw, users=1, until_s=10.0)
    assert sink.records
    for r in sink.records:
        assert (r.status, r.outcome, r.error_type, r.latency_s) == (
            504,
            "server_error",
            "server_error",
            2.0,
        )
    done, in_flight = truth[:-1], truth[-1]
    assert done and all((t.status, t.error_code) == (504, "hang") for t in done)
    # The run ended mid-hang: the client went away, as locust's stopped users do.
    assert (in_flight.status, in_flight.error_code) == (499, "client_closed")
    assert in_flight.t + 2.0 > 10.0


def test_retries_wait_in_virtual_time_and_share_the_rate_limiter() -> None:
    faults = (forever("cut", "rate_limit", tpm=3000),)
    settings_kw = {"client": ClientPolicy(retries=2, timeout_s=30.0)}
    sink, truth = _simulate(faults, settings_kw, users=4, until_s=120.0)
    limited = [t for t in truth if t.status == 429]
    assert limited and any(t.status == 200 for t in truth)
    retried = [r for r in sink.records if r.retries > 0]
    assert retried and all(r.latency_s > 0 for r in retried)
    assert len(truth) >= len(sink.records) + sum(r.retries for r in sink.records)
