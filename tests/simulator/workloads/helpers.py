"""Test helpers: settings with test-friendly defaults and a plain-urllib transport."""

from __future__ import annotations

import dataclasses
import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from fake_provider.config import Fault
from simulator.records import TelemetryRecord
from simulator.workloads.exchange import CHAT_PATH
from simulator.workloads.replies import (
    Reply,
    StreamReader,
    is_timeout,
    parse_completion,
    transport_failure,
)
from simulator.workloads.sessions import Transport
from simulator.workloads.settings import ClientPolicy, Price, WorkloadSettings

ALL_KINDS = ("extract", "classify", "chat", "agent", "rag")
FOREVER = 3600.0

#: A prompt registry whose v2 drops the JSON instruction (a prompt regression).
EXTRACT_PROMPTS = {
    "extract": {
        "v1": "Extract the order details. Reply with JSON only, with keys: customer_name, "
        "email, order_id, amount_usd and order_date.",
        "v2": "Extract the order details for the customer.",
    }
}


def prompt_regression(start_s: float) -> Fault:
    """The extract prompt switches to v2 at ``start_s`` and stays there."""
    return Fault(
        id="prompt-v2",
        kind="prompt_regression",
        start_s=start_s,
        duration_s=FOREVER,
        prompt="extract",
        to="v2",
    )


def forever(fault_id: str, kind: str, **params: Any) -> Fault:
    """A fault active for the whole of any test run."""
    return Fault(id=fault_id, kind=kind, start_s=0.0, duration_s=FOREVER, **params)  # type: ignore[arg-type]


#: One provider, a fault per API key, so each test picks its failure by key.
KEYED_FAULTS = (
    forever("storm", "rate_limit", mode="storm", api_key="sk-storm"),
    forever("quota", "rate_limit", mode="insufficient_quota", api_key="sk-quota"),
    forever("5xx", "server_error", mode="status", status=503, api_key="sk-503"),
    forever("bad", "server_error", mode="malformed", api_key="sk-bad"),
    forever("cut", "server_error", mode="stream_cut", api_key="sk-cut"),
    forever("hang", "server_error", mode="hang", seconds=5.0, api_key="sk-hang"),
)
#: The keys of ``KEYED_FAULTS`` plus a healthy one.
KEYED_API_KEYS = ("sk-storm", "sk-quota", "sk-503", "sk-bad", "sk-cut", "sk-hang", "sk-ok")
#: (status, outcome, error_type) a client records per (API key, stream) against
#: ``KEYED_FAULTS`` with no retries and a 0.5 s timeout: what locust users and the virtual
#: transport must both read from each broken answer.
KEYED_OUTCOMES: dict[tuple[str, bool], tuple[int, str, str | None]] = {
    ("sk-storm", False): (429, "rate_limited", "rate_limit_exceeded"),
    ("sk-storm", True): (429, "rate_limited", "rate_limit_exceeded"),
    ("sk-quota", False): (429, "rate_limited", "insufficient_quota"),
    ("sk-quota", True): (429, "rate_limited", "insufficient_quota"),
    ("sk-503", False): (503, "server_error", "server_error"),
    ("sk-503", True): (503, "server_error", "server_error"),
    ("sk-bad", False): (200, "malformed", "malformed_json"),
    ("sk-bad", True): (200, "malformed", "malformed_chunk"),
    ("sk-cut", False): (200, "connection_error", "incomplete_body"),
    ("sk-cut", True): (200, "connection_error", "stream_cut"),
    ("sk-hang", False): (0, "timeout", "timeout"),
    ("sk-hang", True): (0, "timeout", "timeout"),
    ("sk-ok", False): (200, "ok", None),
    ("sk-ok", True): (200, "ok", None),
}


def make_settings(**overrides: Any) -> WorkloadSettings:
    """Settings for tests: every kind, short think times, quick retries."""
    base = WorkloadSettings(
        seed=7,
        model="gpt-4o-mini",
        mix=dict.fromkeys(ALL_KINDS, 1.0),
        stream_share=0.5,
        think_time_min_s=0.05,
        think_time_max_s=0.2,
        client=ClientPolicy(retries=2, timeout_s=10.0, backoff_base_s=0.05, backoff_max_s=0.2),
        prices={"gpt-4o-mini": Price(0.15, 0.60)},
    )
    return dataclasses.replace(base, **overrides)


def _headers(raw: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in raw.items()}


def urllib_transport(url: str, timeout_s: float = 10.0) -> Transport:
    """One attempt over ``urllib``: the same replies the locust users read, without locust."""

    def send(body: bytes, headers: Mapping[str, str], stream: bool) -> Reply:
        request = urllib.request.Request(url + CHAT_PATH, body, dict(headers), method="POST")
        started = time.perf_counter()
        try:
            resp = urllib.request.urlopen(request, timeout=timeout_s)
        except urllib.error.HTTPError as err:
            with err:
                body_read = err.read()
            return parse_completion(
                err.code, _headers(err.headers), body_read, time.perf_counter() - started
            )
        except OSError as exc:
            outcome = "timeout" if is_timeout(exc) else "connection_error"
            return transport_failure(outcome, outcome, time.perf_counter() - started)
        with resp:
            headers_in = _headers(resp.headers)
            if not stream:
                try:
                    raw = resp.read()
                except http.client.IncompleteRead as exc:
                    raw = exc.partial  # parse_completion sees it fall short of content-length
                return parse_completion(resp.status, headers_in, raw, time.perf_counter() - started)
            reader, failure = StreamReader(), None
            try:
                while line := resp.readline():
                    reader.feed(line, time.perf_counter() - started)
            except Exception as exc:  # a broken stream is an outcome
                failure = (
                    ("timeout", "timeout")
                    if is_timeout(exc)
                    else ("connection_error", "stream_cut")
                )
            return reader.reply(resp.status, headers_in, time.perf_counter() - started, failure)  # type: ignore[arg-type]

    return send


def assert_sane(record: TelemetryRecord, settings: WorkloadSettings) -> None:
    """The invariants of a successful request's record, whatever its kind."""
    assert record.user_kind in ALL_KINDS
    assert record.session_id.startswith(record.user_kind + "-") and record.step >= 1
    assert record.t >= 0 and record.latency_s > 0
    assert (record.status, record.outcome, record.error_type) == (200, "ok", None)
    assert record.request_id is not None and record.request_id.startswith("req_")
    assert record.model_requested == settings.model == record.model_reported
    assert record.system_fingerprint is not None and record.system_fingerprint.startswith("fp_")
    assert record.input_tokens > 0 and record.output_tokens > 0 and record.cost_usd > 0
    assert record.finish_reason in ("stop", "length", "tool_calls")
    assert record.format_ok is not None
    if record.user_kind == "chat" or record.tool_calls:
        assert record.correct is None
    else:
        assert isinstance(record.correct, bool)
    assert record.ratelimit_remaining_tokens is not None
    assert record.ratelimit_remaining_requests is not None
    assert record.api_key in settings.api_keys and record.retries == 0
    if record.stream:
        assert record.ttft_s is not None and 0 < record.ttft_s <= record.latency_s
        assert record.max_chunk_gap_s is not None
    else:
        assert record.ttft_s is None and record.max_chunk_gap_s is None
    assert (record.content_head is None) == bool(record.tool_calls)
