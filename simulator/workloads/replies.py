"""Read a chat completion answer (JSON body or SSE stream) into a ``Reply``; no I/O here.

Timings are seconds since the attempt was sent. Broken answers are outcomes, not
exceptions: bad JSON is ``malformed``, a body or stream that stops early is a
``connection_error`` (``incomplete_body`` / ``stream_cut``), as the OpenAI SDK reports them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson

from simulator.records import Outcome


@dataclass(frozen=True, slots=True)
class Reply:
    """One attempt's answer as the client read it; times in seconds since it was sent."""

    status: int
    outcome: Outcome
    #: OpenAI error code or type (``rate_limit_exceeded``, ``insufficient_quota``, ...) or a
    #: transport failure (``timeout``, ``stream_cut``, ``malformed_json``, ...); None when ok.
    error_type: str | None
    elapsed_s: float
    content: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    model: str | None = None
    system_fingerprint: str | None = None
    request_id: str | None = None
    ttft_s: float | None = None
    max_chunk_gap_s: float | None = None
    #: Wait the server asked for (``retry-after-ms``, else ``retry-after``).
    retry_after_s: float | None = None
    ratelimit_remaining_tokens: int | None = None
    ratelimit_remaining_requests: int | None = None


def outcome_for_status(status: int) -> Outcome:
    """The outcome class of an HTTP status (0 = no answer at all)."""
    if 200 <= status < 300:
        return "ok"
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "connection_error"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """``retry-after-ms`` in seconds, else ``retry-after`` (seconds); None when absent."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
        if math.isfinite(value) and value >= 0:
            return value
    return None


def _header_fields(headers: Mapping[str, str]) -> dict[str, Any]:
    """Reply fields every answer carries in its headers (names lower-case)."""
    return {
        "request_id": headers.get("x-request-id"),
        "retry_after_s": retry_after_s(headers),
        "ratelimit_remaining_tokens": _int_header(headers, "x-ratelimit-remaining-tokens"),
        "ratelimit_remaining_requests": _int_header(headers, "x-ratelimit-remaining-requests"),
    }


#: What a gateway's budget refusal carries (LiteLLM: ``type: budget_exceeded``, code "400").
GATEWAY_BUDGET_ERROR = "budget_exceeded"


def _error_type(body: bytes, status: int) -> str:
    """``error.code`` (else ``error.type``) of an OpenAI error body, else ``http_<status>``.

    A gateway's budget refusal is ``budget_exceeded`` whatever its numeric code says.
    """
    try:
        error = orjson.loads(body).get("error")
    except (orjson.JSONDecodeError, AttributeError):
        error = None
    if isinstance(error, Mapping):
        message = str(error.get("message") or "")
        if GATEWAY_BUDGET_ERROR in (error.get("type"), error.get("code")) or (
            message.startswith("Budget has been exceeded")
        ):
            return GATEWAY_BUDGET_ERROR
        for key in ("code", "type"):
            if isinstance(error.get(key), str) and error[key]:
                return str(error[key])
    return f"http_{status}"


def _usage(usage: Any) -> tuple[int, int]:
    if not isinstance(usage, Mapping):
        return 0, 0
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def parse_completion(
    status: int, headers: Mapping[str, str], body: bytes, elapsed_s: float
) -> Reply:
    """A non-streamed answer (or any error answer); ``headers`` with lower-case names."""
    common = _header_fields(headers)
    if status != 200:
        error_type = _error_type(body, status)
        outcome = (
            "budget_blocked" if error_type == GATEWAY_BUDGET_ERROR else (outcome_for_status(status))
        )
        return Reply(status, outcome, error_type, elapsed_s, **common)
    declared = _int_header(headers, "content-length")
    if declared is not None and declared > len(body):
        return Reply(status, "connection_error", "incomplete_body", elapsed_s, **common)
    try:
        data = orjson.loads(body)
        choice = data["choices"][0]
        message = choice["message"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return Reply(status, "malformed", "malformed_json", elapsed_s, **common)
    input_tokens, output_tokens = _usage(data.get("usage"))
    return Reply(
        status,
        "ok",
        None,
        elapsed_s,
        content=message.get("content"),
        tool_calls=tuple(message.get("tool_calls") or ()),
        finish_reason=choice.get("finish_reason"),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        model=data.get("model"),
        system_fingerprint=data.get("system_fingerprint"),
        **common,
    )


class StreamReader:
    """Reassembles a streamed chat completion line by line, timing chunk arrivals.

    Example::

        reader = StreamReader()
        for line in sse_lines:
            reader.feed(line, time.perf_counter() - sent)
        reply = reader.reply(200, headers, time.perf_counter() - sent)
    """

    def __init__(self) -> None:
        self._content: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._fields: dict[str, Any] = {}
        self._first_at: float | None = None
        self._last_at = 0.0
        self._max_gap: float | None = None
        self.done = False
        self.malformed = False
        self.error_type: str | None = None

    def feed(self, line: bytes, at_s: float) -> None:
        """One line of the SSE body, received ``at_s`` seconds after the request was sent."""
        line = line.strip()
        if not line.startswith(b"data:"):
            return  # blank separators, comments, event names
        if self._first_at is None:
            self._first_at = at_s
        else:
            gap = at_s - self._last_at
            self._max_gap = gap if self._max_gap is None else max(self._max_gap, gap)
        self._last_at = at_s
        data = line[5:].strip()
        if data == b"[DONE]":
            self.done = True
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self.malformed = True
            return
        if not isinstance(chunk, dict):
            self.malformed = True
            return
        if "error" in chunk:
            self.error_type = _error_type(data, 500)
            return
        self._take(chunk)

    def _take(self, chunk: dict[str, Any]) -> None:
        for name in ("model", "system_fingerprint"):
            if chunk.get(name):
                self._fields[name] = chunk[name]
        if chunk.get("usage"):
            self._fields["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self._content.append(delta["content"])
            for part in delta.get("tool_calls") or ():
                call = self._calls.setdefault(
                    int(part.get("index", 0)),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if part.get("id"):
                    call["id"] = part["id"]
                function = part.get("function") or {}
                if function.get("name"):
                    call["function"]["name"] = function["name"]
                call["function"]["arguments"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                self._fields["finish_reason"] = choice["finish_reason"]

    def reply(
        self,
        status: int,
        headers: Mapping[str, str],
        elapsed_s: float,
        failure: tuple[Outcome, str] | None = None,
    ) -> Reply:
        """The reply so far; ``failure`` is how reading ended early (e.g. a timeout)."""
        outcome, error_type = cast(Outcome, "ok"), cast(str | None, None)
        if self.malformed:
            outcome, error_type = "malformed", "malformed_chunk"
        elif self.error_type is not None:
            outcome, error_type = "server_error", self.error_type
        elif failure is not None:
            outcome, error_type = failure
        elif not self.done:
            outcome, error_type = "connection_error", "stream_cut"
        input_tokens, output_tokens = _usage(self._fields.get("usage"))
        return Reply(
            status,
            outcome,
            error_type,
            elapsed_s,
            content="".join(self._content) if self._content or not self._calls else None,
            tool_calls=tuple(self._calls[i] for i in sorted(self._calls)),
            finish_reason=self._fields.get("finish_reason"),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            model=self._fields.get("model"),
            system_fingerprint=self._fields.get("system_fingerprint"),
            ttft_s=self._first_at,
            max_chunk_gap_s=self._max_gap,
            **_header_fields(headers),
        )


def transport_failure(
    outcome: Outcome,
    error_type: str,
    elapsed_s: float,
    headers: Mapping[str, str] | None = None,
    status: int = 0,
) -> Reply:
    """An attempt without a usable answer (timeout, reset); ``status`` 0 when none arrived."""
    return Reply(status, outcome, error_type, elapsed_s, **_header_fields(headers or {}))


def is_timeout(exc: BaseException) -> bool:
    """Whether a transport exception (or the one it wraps) is a timeout."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) or type(current).__name__ == "Timeout":
            return True
        if "timed out" in str(current):
            return True
        current = getattr(current, "original", None) or current.__cause__ or current.__context__
    return False
