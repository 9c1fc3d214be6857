"""Rendering response plans in real time: what goes out on the wire, and when.

An immediate plan becomes a :class:`~fake_provider.wire.Response` at once. Every other plan
becomes a delivery that owns the request's exchange: a timer for a delayed or hung answer,
the pacer for a stream. Whatever happens — sent, cut, or the client gone — the plan's
truth and metrics are recorded exactly once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.records import ResponsePlan
from fake_provider.stream_chunks import StreamChunks
from fake_provider.truthlog import TruthLog
from fake_provider.wire import DEFERRED, Deferred, Exchange, Pacer, Response, json_response

_SSE = "text/event-stream"
_SSE_HEADERS = (("cache-control", "no-cache"),)
_DONE = b"data: [DONE]\n\n"
_GATEWAY_TIMEOUT = {
    "error": {"message": "Gateway timeout.", "type": "server_error", "param": None, "code": None}
}


@dataclass(frozen=True, slots=True)
class Recorders:
    """Where every answered plan is counted and logged, and the clocks to send on."""

    metrics: ProviderMetrics
    truth: TruthLog
    loop: asyncio.AbstractEventLoop
    pacer: Pacer


def answer_now(plan: ResponsePlan, rec: Recorders) -> Response:
    """The common case, rendered without a wait: a whole JSON answer that is due now."""
    try:
        body = plan.raw_body if plan.raw_body is not None else orjson.dumps(plan.body)
        return Response(plan.status, body, plan.headers)
    finally:
        rec.metrics.answered(plan)
        rec.truth.append(plan.truth)


def deliver(plan: ResponsePlan, exchange: Exchange, arrived: float, rec: Recorders) -> Deferred:
    """Take the exchange over and send ``plan`` on time; its delays count from ``arrived``
    (loop time)."""
    if plan.streaming:
        _Stream(plan, exchange, arrived, rec).start()
    else:
        _Delayed(plan, exchange, arrived, rec).start()
    return DEFERRED


def abandoned(plan: ResponsePlan) -> ResponsePlan:
    """The same plan, its truth marked as dropped by the client (status 499)."""
    truth = dataclasses.replace(plan.truth, status=499, error_code="client_closed")
    return dataclasses.replace(plan, truth=truth)


class _Delivery:
    """Bookkeeping shared by the timed renderings: record once, notice the client leaving."""

    __slots__ = ("_arrived", "_exchange", "_plan", "_rec", "_recorded")

    def __init__(self, plan: ResponsePlan, exchange: Exchange, arrived: float, rec: Recorders):
        self._plan = plan
        self._exchange = exchange
        self._arrived = arrived
        self._rec = rec
        self._recorded = False
        rec.metrics.started(plan.truth.model)
        exchange.on_lost = self._lost

    def _record(self, outcome: ResponsePlan) -> None:
        if not self._recorded:
            self._recorded = True
            self._rec.metrics.finished(outcome)
            self._rec.truth.append(outcome.truth)

    def _lost(self) -> None:
        self._record(abandoned(self._plan))


class _Delayed(_Delivery):
    """A whole answer after ``delay_s``, a hang ended by a 504, or a body cut in half."""

    __slots__ = ("_timer",)

    def start(self) -> None:
        plan = self._plan
        wait = plan.hang_s if plan.hang_s is not None else plan.delay_s
        due = self._arrived + wait
        if due <= self._rec.loop.time():
            self._timer = None
            self._send()
        else:
            self._timer = self._rec.loop.call_at(due, self._send)

    def _lost(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super()._lost()

    def _send(self) -> None:
        plan, exchange = self._plan, self._exchange
        self._timer = None
        if not exchange.open:
            return  # on_lost has recorded it (or will, as the connection reports the loss)
        if plan.hang_s is not None:
            exchange.send(json_response(504, _GATEWAY_TIMEOUT))
        elif plan.raw_body is not None:
            exchange.send(Response(plan.status, plan.raw_body, plan.headers))
        elif plan.cut_after is not None:
            body = orjson.dumps(plan.body)
            exchange.send_truncated(Response(plan.status, body, plan.headers), len(body) // 2)
        else:
            exchange.send(Response(plan.status, orjson.dumps(plan.body), plan.headers))
        self._record(plan)


class _Stream(_Delivery):
    """SSE chunks at their planned offsets, written by the pacer."""

    __slots__ = ("_encode", "_next", "_stop")

    def start(self) -> None:
        plan = self._plan
        chunks = plan.chunks
        assert chunks is not None  # a stream plan has chunks
        if isinstance(chunks, StreamChunks):
            self._encode: Callable[[int], bytes] = chunks.encoded
        else:
            self._encode = lambda i: orjson.dumps(chunks[i])
        self._next = 0
        self._stop = len(plan.chunks or ()) if plan.cut_after is None else plan.cut_after
        self._exchange.start_chunked(plan.status, (*plan.headers, *_SSE_HEADERS), _SSE)
        offsets = plan.chunk_offsets_s
        first = self._arrived + (offsets[0] if offsets and self._stop else 0.0)
        self._rec.pacer.add(first, self)

    def step(self, horizon: float) -> float | None:
        """Send every chunk due by ``horizon``; the next due time, None when done."""
        plan, exchange = self._plan, self._exchange
        if not exchange.open:
            return None  # the client left: on_lost recorded it
        offsets, malformed_at = plan.chunk_offsets_s, plan.malformed_at
        start, i, stop, encode = self._arrived, self._next, self._stop, self._encode
        parts = []
        while i < stop and start + offsets[i] <= horizon:
            data = encode(i)
            if i == malformed_at:
                data = data[: len(data) // 2]
            parts.append(b"data: " + data + b"\n\n")
            i += 1
        self._next = i
        if i < stop:
            exchange.write_chunk(b"".join(parts))
            return start + offsets[i]
        if plan.cut_after is not None:
            exchange.write_chunk(b"".join(parts))
            exchange.abort()
        else:
            parts.append(_DONE)
            exchange.write_chunk(b"".join(parts))
            exchange.end_chunked()
        self._record(plan)
        return None
