"""A response plan as the HTTP client would have read it, without HTTP or waiting.

Mirrors ``fake_provider.delivery`` (what goes out when) and the locust users' reading of it
(``simulator.workloads.users``): the same status, headers and bytes reach the same
:mod:`simulator.workloads.replies` parsers, at the plan's virtual times. The client's
``timeout_s`` is a per-read socket timeout plus an overall cap on a stream, as there; a
client that gives up leaves the provider's truth marked ``499 client_closed``, as the server
records an abandoned answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from fake_provider.records import ResponsePlan, TruthRecord
from simulator.workloads.replies import (
    Reply,
    StreamReader,
    parse_completion,
    transport_failure,
)

_DONE = b"data: [DONE]"
#: The body ``server._deliver`` sends when a hang ends before the client gives up.
_HANG_BODY = orjson.dumps(
    {
        "error": {
            "message": "Gateway timeout.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one attempt came to: the client's reply and the provider's truth of it."""

    reply: Reply
    truth: TruthRecord

    @property
    def elapsed_s(self) -> float:
        """Virtual seconds from sending the request until the client was done with it."""
        return self.reply.elapsed_s


def _headers(plan: ResponsePlan, body_len: int | None = None) -> dict[str, str]:
    """Header names lower-cased, as the users hand them to the parsers."""
    out = {name.lower(): value for name, value in plan.headers}
    if body_len is not None:
        out["content-length"] = str(body_len)
    return out


def _timeout(plan: ResponsePlan, timeout_s: float) -> Delivery:
    """No answer head within the timeout: status 0, as the users report it."""
    return Delivery(transport_failure("timeout", "timeout", timeout_s), plan.truth.abandoned())


def read_plan(plan: ResponsePlan, timeout_s: float) -> Delivery:
    """The reply a client with ``timeout_s`` reads from ``plan`` (times from sending it)."""
    if plan.hang_s is not None:
        if plan.hang_s > timeout_s:
            return _timeout(plan, timeout_s)
        headers = {"content-length": str(len(_HANG_BODY))}
        return Delivery(parse_completion(504, headers, _HANG_BODY, plan.hang_s), plan.truth)
    if plan.streaming:
        return _read_stream(plan, timeout_s)
    if plan.delay_s > timeout_s:
        return _timeout(plan, timeout_s)
    if plan.raw_body is not None:
        body = plan.raw_body
        return Delivery(
            parse_completion(plan.status, _headers(plan, len(body)), body, plan.delay_s),
            plan.truth,
        )
    body = orjson.dumps(plan.body)
    headers = _headers(plan, len(body))
    if plan.cut_after is not None:
        body = body[: len(body) // 2]  # the whole length announced, half sent, then reset
    return Delivery(parse_completion(plan.status, headers, body, plan.delay_s), plan.truth)


def _read_stream(plan: ResponsePlan, timeout_s: float) -> Delivery:
    """SSE chunks at their planned offsets, fed to the users' ``StreamReader``."""
    assert plan.chunks is not None  # guaranteed by plan.streaming
    headers = _headers(plan)
    reader = StreamReader()
    chunks, offsets, malformed_at = plan.chunks, plan.chunk_offsets_s, plan.malformed_at
    n = len(chunks) if plan.cut_after is None else plan.cut_after
    lines = [(i, offsets[i]) for i in range(n)]
    if plan.cut_after is None:
        lines.append((-1, offsets[n - 1] if n else 0.0))  # [DONE] right after the last chunk
    last_s = 0.0  # the head arrives at once, so reads start timing from 0
    for index, at_s in lines:
        if at_s - last_s > timeout_s:  # the socket read timed out waiting for this line
            reply = reader.reply(200, headers, last_s + timeout_s, ("timeout", "timeout"))
            return Delivery(reply, plan.truth.abandoned())
        if index < 0:
            line = _DONE
        else:
            data = orjson.dumps(chunks[index])
            if index == malformed_at:
                data = data[: len(data) // 2]
            line = b"data: " + data
        reader.feed(line, at_s)
        last_s = at_s
        if at_s > timeout_s:  # the users stop reading a stream that outlives the timeout
            truth = plan.truth if index == lines[-1][0] else plan.truth.abandoned()
            return Delivery(reader.reply(200, headers, at_s, ("timeout", "timeout")), truth)
    return Delivery(reader.reply(200, headers, last_s), plan.truth)
