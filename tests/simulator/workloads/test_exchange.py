"""Building requests, reading real provider answers, retry decisions, cost and telemetry."""

from __future__ import annotations

import dataclasses
import random

import orjson
import pytest

from fake_provider.tasks import generate_task
from simulator.workloads.client_faults import ClientConditions
from simulator.workloads.exchange import (
    build_telemetry,
    cost_usd,
    encode_body,
    request_body,
    request_headers,
    retry_delay_s,
    should_retry,
)
from simulator.workloads.replies import Reply, StreamReader, parse_completion
from simulator.workloads.settings import ClientPolicy, Price
from tests.simulator.workloads.conftest import ProviderFactory
from tests.simulator.workloads.helpers import KEYED_FAULTS, make_settings, urllib_transport
from tests.support import fast_config


def _ask(
    url: str,
    kind: str,
    *,
    api_key: str = "sk-ok",
    stream: bool = False,
    timeout_s: float = 10.0,
    seed: int = 3,
) -> tuple[Reply, object]:
    settings = make_settings()
    task = generate_task(kind, random.Random(seed), json_mode="instruction")  # type: ignore[arg-type]
    body = request_body(settings, task, task.messages, ClientConditions(), stream=stream)
    headers = request_headers(api_key, f"{kind}-0.0-0", 1, 0)
    return urllib_transport(url, timeout_s)(encode_body(body), headers, stream), task


def test_request_body_asks_for_usage_when_streaming_and_applies_overrides() -> None:
    settings = make_settings()
    task = generate_task("agent", random.Random(1), json_mode="instruction")
    conditions = ClientConditions(temperature=1.4, max_tokens=64, stop=("###",))
    body = request_body(settings, task, task.messages, conditions, stream=True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["max_tokens"], body["stop"]) == (1.4, 64, ["###"])
    assert [t["function"]["name"] for t in body["tools"]] == [
        "lookup_order",
        "get_weather",
        "convert_currency",
    ]
    plain = request_body(settings, task, task.messages, ClientConditions(), stream=False)
    assert "stream" not in plain and "stop" not in plain
    assert (plain["temperature"], plain["max_tokens"]) == (0.2, settings.max_tokens)
    assert orjson.loads(encode_body(plain)) == plain


def test_request_headers_keep_the_request_id_across_retries() -> None:
    first = request_headers("sk-1", "chat-0.3-2", step=2, attempt=0)
    retry = request_headers("sk-1", "chat-0.3-2", step=2, attempt=1)
    assert first["Authorization"] == "Bearer sk-1"
    assert first["x-gameday-session"] == "chat-0.3-2"
    assert first["x-client-request-id"] == retry["x-client-request-id"] == "chat-0.3-2/2"
    assert (first["x-stainless-retry-count"], retry["x-stainless-retry-count"]) == ("0", "1")
    assert request_headers("sk-1", "chat-0.3-2", 3, 0)["x-client-request-id"] == "chat-0.3-2/3"


def test_a_json_answer_parses_with_usage_headers_and_grades(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    reply, task = _ask(url, "extract")
    assert (reply.status, reply.outcome, reply.error_type) == (200, "ok", None)
    assert reply.request_id is not None and reply.request_id.startswith("req_")
    assert (reply.model, reply.finish_reason) == ("gpt-4o-mini", "stop")
    assert reply.system_fingerprint is not None and reply.system_fingerprint.startswith("fp_")
    assert reply.input_tokens > 50 and reply.output_tokens > 5
    assert reply.ratelimit_remaining_tokens is not None and reply.ratelimit_remaining_tokens > 0
    assert reply.ratelimit_remaining_requests is not None
    assert reply.ttft_s is None and reply.max_chunk_gap_s is None and reply.elapsed_s > 0
    assert orjson.loads(reply.content or "")["order_id"] == task.golden["order_id"]  # type: ignore[attr-defined]


def test_a_streamed_tool_call_is_reassembled_from_its_deltas(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    reply, task = _ask(url, "agent", stream=True)
    assert (reply.outcome, reply.finish_reason, reply.content) == ("ok", "tool_calls", None)
    (call,) = reply.tool_calls
    assert call["id"].startswith("call_") and call["type"] == "function"
    name, args = task.expected_call  # type: ignore[attr-defined]
    assert call["function"]["name"] == name
    assert orjson.loads(call["function"]["arguments"]) == args
    assert reply.input_tokens > 0 and reply.output_tokens > 0  # the include_usage chunk
    assert reply.ttft_s is not None and 0 < reply.ttft_s <= reply.elapsed_s
    assert reply.max_chunk_gap_s is not None and reply.max_chunk_gap_s >= 0


def test_streamed_and_plain_answers_agree(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    plain, _ = _ask(url, "classify", seed=11)
    streamed, _ = _ask(url, "classify", seed=11, stream=True)
    assert streamed.content == plain.content
    assert (streamed.input_tokens, streamed.output_tokens) == (
        plain.input_tokens,
        plain.output_tokens,
    )


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("api_key", "status", "outcome", "error_type", "retryable"),
    [
        ("sk-storm", 429, "rate_limited", "rate_limit_exceeded", True),
        ("sk-quota", 429, "rate_limited", "insufficient_quota", False),
        ("sk-503", 503, "server_error", "server_error", True),
    ],
)
def test_error_answers_are_classified_with_their_openai_code(
    provider: ProviderFactory,
    api_key: str,
    status: int,
    outcome: str,
    error_type: str,
    retryable: bool,
    stream: bool,
) -> None:
    url = provider(fast_config(faults=KEYED_FAULTS))
    reply, _ = _ask(url, "extract", api_key=api_key, stream=stream)
    assert (reply.status, reply.outcome, reply.error_type) == (status, outcome, error_type)
    assert should_retry(reply) is retryable
    assert reply.content is None and reply.tool_calls == ()
    if api_key == "sk-storm":
        assert reply.retry_after_s is not None and 0 < reply.retry_after_s <= 60


@pytest.mark.parametrize(
    ("api_key", "stream", "outcome", "error_type"),
    [
        ("sk-bad", False, "malformed", "malformed_json"),
        ("sk-bad", True, "malformed", "malformed_chunk"),
        ("sk-cut", False, "connection_error", "incomplete_body"),
        ("sk-cut", True, "connection_error", "stream_cut"),
    ],
)
def test_broken_answers_become_outcomes(
    provider: ProviderFactory, api_key: str, stream: bool, outcome: str, error_type: str
) -> None:
    url = provider(fast_config(faults=KEYED_FAULTS))
    reply, _ = _ask(url, "chat", api_key=api_key, stream=stream)
    assert (reply.outcome, reply.error_type) == (outcome, error_type)


def test_a_hanging_provider_is_a_timeout(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=KEYED_FAULTS))
    reply, _ = _ask(url, "extract", api_key="sk-hang", timeout_s=0.3)
    assert (reply.status, reply.outcome, reply.error_type) == (0, "timeout", "timeout")
    assert should_retry(reply)


def test_a_stream_without_done_is_cut_even_when_lines_parse() -> None:
    reader = StreamReader()
    reader.feed(b'data: {"model":"m","choices":[{"delta":{"content":"Hi"}}]}\n', 0.1)
    reader.feed(b"\n", 0.1)
    reader.feed(b'data: {"choices":[{"delta":{"content":" there"}}]}\n', 0.4)
    cut = reader.reply(200, {}, 0.5)
    assert (cut.outcome, cut.error_type, cut.content) == (
        "connection_error",
        "stream_cut",
        "Hi there",
    )
    assert (cut.ttft_s, cut.max_chunk_gap_s) == (0.1, pytest.approx(0.3))
    reader.feed(b"data: [DONE]\n", 0.5)
    assert reader.reply(200, {}, 0.5).outcome == "ok"


def _reply(
    outcome: str,
    error_type: str | None = None,
    retry_after_s: float | None = None,
    status: int = 200,
) -> Reply:
    return Reply(status, outcome, error_type, 0.1, retry_after_s=retry_after_s)  # type: ignore[arg-type]


POLICY = ClientPolicy(retries=3, backoff_base_s=0.5, backoff_max_s=8.0)


@pytest.mark.parametrize(
    ("reply", "retried"),
    [
        (_reply("rate_limited", "rate_limit_exceeded", status=429), True),
        (_reply("rate_limited", "insufficient_quota", status=429), False),
        (_reply("server_error", "server_error", status=500), True),
        (_reply("timeout", "timeout", status=0), True),
        (_reply("connection_error", "stream_cut"), True),
        (_reply("client_error", "invalid_request_error", status=400), False),
        (_reply("client_error", "invalid_api_key", status=401), False),
        (_reply("malformed", "malformed_json"), False),
        (_reply("ok"), False),
    ],
)
def test_retry_policy_retries_only_what_another_attempt_can_fix(
    reply: Reply, retried: bool
) -> None:
    assert (retry_delay_s(POLICY, reply, 0, random.Random(0)) is not None) is retried


def test_retries_are_bounded_by_the_policy() -> None:
    reply = _reply("server_error", "server_error", status=503)
    rng = random.Random(0)
    assert retry_delay_s(POLICY, reply, 2, rng) is not None
    assert retry_delay_s(POLICY, reply, 3, rng) is None
    assert retry_delay_s(dataclasses.replace(POLICY, retries=0), reply, 0, rng) is None


def test_backoff_doubles_with_jitter_and_stops_growing_at_the_cap() -> None:
    reply = _reply("server_error", "server_error", status=500)
    rng = random.Random(5)
    for attempt, full in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        policy = dataclasses.replace(POLICY, retries=10)
        for _ in range(50):
            delay = retry_delay_s(policy, reply, attempt, rng)
            assert delay is not None and 0.75 * full <= delay <= full


def test_retry_after_is_honoured_unless_disabled_or_too_long() -> None:
    asked = _reply("rate_limited", "rate_limit_exceeded", retry_after_s=3.25, status=429)
    assert retry_delay_s(POLICY, asked, 0, random.Random(0)) == 3.25
    ignoring = dataclasses.replace(POLICY, honour_retry_after=False)
    assert retry_delay_s(ignoring, asked, 0, random.Random(0)) <= 0.5  # type: ignore[operator]
    too_long = _reply("rate_limited", "rate_limit_exceeded", retry_after_s=600, status=429)
    assert retry_delay_s(POLICY, too_long, 0, random.Random(0)) <= 0.5  # type: ignore[operator]


def test_retry_after_ms_wins_over_retry_after_seconds() -> None:
    headers = {"retry-after": "2", "retry-after-ms": "1250"}
    assert parse_completion(429, headers, b"{}", 0.1).retry_after_s == 1.25
    assert parse_completion(429, {"retry-after": "2"}, b"{}", 0.1).retry_after_s == 2.0
    assert parse_completion(429, {"retry-after": "soon"}, b"{}", 0.1).retry_after_s is None


def test_cost_uses_the_requested_models_price_per_million_tokens() -> None:
    prices = {"gpt-4o": Price(2.5, 10.0)}
    assert cost_usd(prices, "gpt-4o", 1_000_000, 0) == pytest.approx(2.5)
    assert cost_usd(prices, "gpt-4o", 2000, 500) == pytest.approx(0.005 + 0.005)
    assert cost_usd(prices, "unknown", 2000, 500) == 0.0


def test_build_telemetry_fills_every_field_from_a_real_answer(provider: ProviderFactory) -> None:
    url = provider(fast_config())
    reply, task = _ask(url, "extract", stream=True)
    conditions = ClientConditions(prompt_version="v1", fault_ids=("cfg",))
    record = build_telemetry(
        t=12.5,
        user_kind="extract",
        session_id="extract-0.0-0",
        step=1,
        settings=make_settings(),
        api_key="sk-ok",
        conditions=conditions,
        task=task,  # type: ignore[arg-type]
        reply=reply,
        offset_s=0.75,
        retries=1,
        stream=True,
    )
    assert (record.t, record.user_kind, record.session_id, record.step) == (
        12.5,
        "extract",
        "extract-0.0-0",
        1,
    )
    assert record.request_id == reply.request_id
    assert (record.model_requested, record.model_reported) == ("gpt-4o-mini", "gpt-4o-mini")
    assert record.system_fingerprint == reply.system_fingerprint
    assert (record.prompt_version, record.client_faults) == ("v1", ("cfg",))
    assert (record.status, record.outcome, record.error_type) == (200, "ok", None)
    assert record.latency_s == pytest.approx(0.75 + reply.elapsed_s)
    assert record.ttft_s == pytest.approx(0.75 + reply.ttft_s)  # type: ignore[operator]
    assert (record.input_tokens, record.output_tokens) == (reply.input_tokens, reply.output_tokens)
    assert record.cost_usd == pytest.approx(
        (reply.input_tokens * 0.15 + reply.output_tokens * 0.60) / 1e6
    )
    assert (record.finish_reason, record.format_ok, record.correct) == ("stop", True, True)
    assert record.tool_calls == () and record.budget_action is None
    assert (record.retries, record.stream, record.api_key) == (1, True, "sk-ok")
    assert record.max_chunk_gap_s == reply.max_chunk_gap_s
    assert record.ratelimit_remaining_tokens == reply.ratelimit_remaining_tokens
    assert record.ratelimit_remaining_requests == reply.ratelimit_remaining_requests
    assert record.content_head == (reply.content or "")[:200]


def test_a_failed_request_has_no_grade_and_costs_nothing(provider: ProviderFactory) -> None:
    url = provider(fast_config(faults=KEYED_FAULTS))
    reply, task = _ask(url, "extract", api_key="sk-503")
    record = build_telemetry(
        t=1.0,
        user_kind="extract",
        session_id="s",
        step=1,
        settings=make_settings(),
        api_key="sk-503",
        conditions=ClientConditions(),
        task=task,
        reply=reply,  # type: ignore[arg-type]
        offset_s=0.0,
        retries=2,
        stream=False,
    )
    assert (record.format_ok, record.correct, record.cost_usd) == (None, None, 0.0)
    assert (record.status, record.outcome, record.content_head) == (503, "server_error", None)
