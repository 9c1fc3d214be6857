"""One request/response exchange as plain functions: build, retry, price, grade, record.

No I/O and no locust here: the users send what :func:`request_body` and
:func:`request_headers` build, read the answer with :mod:`simulator.workloads.replies`, ask
:func:`retry_delay_s` whether to go again, and emit :func:`build_telemetry`'s record.

Example::

    body = request_body(settings, task, task.messages, conditions, stream=False)
    headers = request_headers("sk-1", "extract-0.0-0", step=1, attempt=0)
    reply = parse_completion(status, headers_of_answer, raw_body, elapsed_s)
    record = build_telemetry(t=12.5, user_kind="extract", session_id="extract-0.0-0", step=1,
                             settings=settings, api_key="sk-1", conditions=conditions,
                             task=task, reply=reply, offset_s=0.0, retries=0, stream=False)
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from fake_provider.task_types import Grade, Task
from fake_provider.tasks import grade
from simulator.records import Outcome, TelemetryRecord
from simulator.workloads.client_faults import ClientConditions
from simulator.workloads.replies import (
    Reply,
    StreamReader,
    is_timeout,
    outcome_for_status,
    parse_completion,
    transport_failure,
)
from simulator.workloads.settings import ClientPolicy, Price, WorkloadSettings

__all__ = [
    "CHAT_PATH",
    "RETRYABLE_OUTCOMES",
    "Reply",
    "StreamReader",
    "build_telemetry",
    "client_request_id",
    "cost_usd",
    "encode_body",
    "grade_reply",
    "is_timeout",
    "outcome_for_status",
    "parse_completion",
    "request_body",
    "request_headers",
    "retry_delay_s",
    "should_retry",
    "transport_failure",
]

CHAT_PATH = "/v1/chat/completions"
#: Outcomes worth another attempt (429 except ``insufficient_quota``, 5xx, timeouts, resets).
RETRYABLE_OUTCOMES: frozenset[Outcome] = frozenset(
    {"rate_limited", "server_error", "timeout", "connection_error"}
)
#: Error codes no retry can fix.
NEVER_RETRY: frozenset[str] = frozenset({"insufficient_quota"})
CONTENT_HEAD_CHARS = 200


def client_request_id(session_id: str, step: int) -> str:
    """Stable id of a logical request: the same for every retry of it."""
    return f"{session_id}/{step}"


def request_headers(api_key: str, session_id: str, step: int, attempt: int) -> dict[str, str]:
    """Headers of one attempt (``attempt`` 0 is the first try, as the SDK counts retries)."""
    return {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "x-client-request-id": client_request_id(session_id, step),
        "x-stainless-retry-count": str(attempt),
        "x-gameday-session": session_id,
    }


def request_body(
    settings: WorkloadSettings,
    task: Task,
    messages: Sequence[Mapping[str, Any]],
    conditions: ClientConditions,
    *,
    stream: bool,
) -> dict[str, Any]:
    """The chat completions body: ``messages`` (the conversation so far) asking ``task``."""
    temperature = conditions.temperature
    if temperature is None:
        temperature = settings.temperatures.get(task.kind, 0.7)
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": list(messages),
        "temperature": temperature,
        "max_tokens": conditions.max_tokens or settings.max_tokens,
    }
    if conditions.stop is not None:
        body["stop"] = list(conditions.stop)
    if task.response_format is not None:
        body["response_format"] = task.response_format
    if task.tools:
        body["tools"] = list(task.tools)
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The body as JSON bytes."""
    return orjson.dumps(body)


def should_retry(reply: Reply) -> bool:
    """Whether another attempt could help: never for ``insufficient_quota`` or other 4xx."""
    return reply.outcome in RETRYABLE_OUTCOMES and reply.error_type not in NEVER_RETRY


def retry_delay_s(
    policy: ClientPolicy, reply: Reply, attempt: int, rng: random.Random
) -> float | None:
    """Seconds to wait before retrying after ``attempt`` (0-based), or None to give up.

    Honours ``retry-after-ms``/``retry-after`` when the policy says so and the wait is at
    most ``max_retry_after_s``; otherwise exponential backoff with up to 25% jitter.
    """
    if attempt >= policy.retries or not should_retry(reply):
        return None
    asked = reply.retry_after_s
    if policy.honour_retry_after and asked is not None and asked <= policy.max_retry_after_s:
        return asked
    backoff = min(policy.backoff_base_s * 2.0**attempt, policy.backoff_max_s)
    return backoff * (1.0 - 0.25 * rng.random())


def cost_usd(
    prices: Mapping[str, Price], model: str, input_tokens: int, output_tokens: int
) -> float:
    """What the tokens cost at ``model``'s price (0 for an unpriced model)."""
    price = prices.get(model)
    if price is None:
        return 0.0
    return (
        input_tokens * price.input_usd_per_mtok + output_tokens * price.output_usd_per_mtok
    ) / 1_000_000


def grade_reply(task: Task, reply: Reply) -> Grade | None:
    """Format and correctness of a complete answer; None when there is no answer to grade."""
    if reply.outcome != "ok":
        return None
    return grade(task, reply.content, reply.tool_calls)


def _tool_names(reply: Reply) -> tuple[str, ...]:
    return tuple(str((call.get("function") or {}).get("name", "")) for call in reply.tool_calls)


def build_telemetry(
    *,
    t: float,
    user_kind: str,
    session_id: str,
    step: int,
    settings: WorkloadSettings,
    api_key: str,
    conditions: ClientConditions,
    task: Task,
    reply: Reply,
    offset_s: float,
    retries: int,
    stream: bool,
    budget_action: str | None = None,
) -> TelemetryRecord:
    """The record of one logical request after its retries.

    ``t`` is when it was first sent (run seconds); ``offset_s`` is how long after that the
    final attempt went out, so latency and TTFT include retries and their waits.
    """
    graded = grade_reply(task, reply)
    content = reply.content
    return TelemetryRecord(
        t=t,
        request_id=reply.request_id,
        user_kind=user_kind,
        session_id=session_id,
        step=step,
        model_requested=settings.model,
        model_reported=reply.model,
        system_fingerprint=reply.system_fingerprint,
        prompt_version=conditions.prompt_version,
        status=reply.status,
        outcome=reply.outcome,
        error_type=reply.error_type,
        latency_s=offset_s + reply.elapsed_s,
        ttft_s=None if reply.ttft_s is None else offset_s + reply.ttft_s,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        cost_usd=cost_usd(settings.prices, settings.model, reply.input_tokens, reply.output_tokens),
        finish_reason=reply.finish_reason,
        format_ok=None if graded is None else graded.format_ok,
        correct=None if graded is None else graded.correct,
        tool_calls=_tool_names(reply),
        ratelimit_remaining_tokens=reply.ratelimit_remaining_tokens,
        ratelimit_remaining_requests=reply.ratelimit_remaining_requests,
        retries=retries,
        budget_action=budget_action,
        stream=stream,
        max_chunk_gap_s=reply.max_chunk_gap_s,
        api_key=api_key,
        client_faults=conditions.fault_ids,
        content_head=content[:CONTENT_HEAD_CHARS] if content else None,
    )
