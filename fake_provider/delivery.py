"""Rendering response plans in real time: what goes out on the wire, and when.

An immediate plan becomes a :class:`~fake_provider.wire.Response` at once. Every other plan
becomes a delivery that owns the request's exchange: a timer for a delayed or hung answer,
the pacer for a stream. Whatever happens — sent, cut, or the client gone — the plan's
truth and metrics are recorded exactly once.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import orjson
from mypy_extensions import mypyc_attr

from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.records import ResponsePlan, TruthRecord
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
    (``time.monotonic()``, as :attr:`Request.arrived`)."""
    if plan.streaming:
        _Stream(plan.truth, exchange, arrived, rec).start(plan)
    else:
        _Delayed(plan.truth, exchange, arrived, rec).start(plan)
    return DEFERRED


@mypyc_attr(native_class=False)
class _Delivery:
    """Bookkeeping shared by the timed renderings: record once, notice the client leaving."""

    __slots__ = ("_arrived", "_exchange", "_rec", "_truth")

    def __init__(self, truth: TruthRecord, exchange: Exchange, arrived: float, rec: Recorders):
        #: The truth to record, until it has been recorded.
        self._truth: TruthRecord | None = truth
        self._exchange = exchange
        self._arrived = arrived
        self._rec = rec
        rec.metrics.started(truth.model)
        exchange.on_lost = self._lost

    def _record(self, abandoned: bool = False) -> None:
        truth = self._truth
        if truth is not None:
            self._truth = None
            if abandoned:
                truth = truth.abandoned()
            self._rec.metrics.finished(truth)
            self._rec.truth.append(truth)

    def _lost(self) -> None:
        self._record(abandoned=True)


@mypyc_attr(native_class=False)
class _Delayed(_Delivery):
    """A whole answer after ``delay_s``, a hang ended by a 504, or a body cut in half."""

    __slots__ = ("_plan", "_timer")

    def start(self, plan: ResponsePlan) -> None:
        self._plan = plan
        wait = plan.hang_s if plan.hang_s is not None else plan.delay_s
        left = self._arrived + wait - time.monotonic()
        if left <= 0.0:
            self._timer = None
            self._send()
        else:
            self._timer = self._rec.loop.call_later(left, self._send)

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
        self._record()


@mypyc_attr(native_class=False)
class _Stream(_Delivery):
    """SSE chunks at their planned offsets, written by the pacer.

    The wire bytes are worked out when the stream starts: one framed write per distinct
    planned offset (chunks planned for the same moment go out together), so that each turn
    of the pacer costs a slice and a ``write``. The plan is not kept, and the writes live in
    one ``bytes`` and two ``array`` objects, none of which the garbage collector tracks: a
    list of them would be walked item by item at every collection while the stream is open,
    and with hundreds of streams those pauses delay every stream's next chunk.
    """

    __slots__ = ("_body", "_cut", "_dues", "_ends", "_next")

    def start(self, plan: ResponsePlan) -> None:
        exchange = self._exchange
        exchange.start_chunked(plan.status, (*plan.headers, *_SSE_HEADERS), _SSE)
        dues, frames = _writes(plan, exchange)
        self._body = b"".join(frames)
        self._ends = array("q", accumulate(map(len, frames)))
        self._dues = array("d", dues)
        self._cut = plan.cut_after is not None
        self._next = 0
        self._rec.pacer.add(self._arrived + dues[0], self)

    def step(self, horizon: float) -> float | None:
        """Send every write due by ``horizon``; the next due time, None when done."""
        exchange = self._exchange
        if not exchange.open:
            return None  # the client left: on_lost recorded it
        i, dues, ends, start = self._next, self._dues, self._ends, self._arrived
        stop = len(ends)
        j = i + 1
        while j < stop and start + dues[j] <= horizon:
            j += 1
        framed = self._body[ends[i - 1] if i else 0 : ends[j - 1]]
        self._next = j
        if j < stop:
            exchange.write_framed(framed)
            return start + dues[j]
        if self._cut:
            exchange.write_framed(framed)
            exchange.abort()
        else:
            exchange.end_chunked(framed)
        self._record()
        return None


def _writes(plan: ResponsePlan, exchange: Exchange) -> tuple[list[float], list[bytes]]:
    """A stream's writes: their offsets from arrival and their framed bytes. A stream cut
    before its first chunk has one empty write at once (then the cut)."""
    chunks = plan.chunks
    assert chunks is not None  # a stream plan has chunks
    if isinstance(chunks, StreamChunks):
        encode: Callable[[int], bytes] = chunks.encoded
    else:
        encode = lambda i: orjson.dumps(chunks[i])  # noqa: E731
    offsets, malformed_at = plan.chunk_offsets_s, plan.malformed_at
    stop = len(chunks) if plan.cut_after is None else plan.cut_after
    dues: list[float] = []
    groups: list[list[bytes]] = []
    for i in range(stop):
        data = encode(i)
        if i == malformed_at:
            data = data[: len(data) // 2]
        if dues and offsets[i] == dues[-1]:
            groups[-1].append(b"data: " + data + b"\n\n")
        else:
            dues.append(offsets[i])
            groups.append([b"data: " + data + b"\n\n"])
    if not groups:
        dues.append(0.0)
        groups.append([])
    if plan.cut_after is None:
        groups[-1].append(_DONE)
    return dues, [exchange.frame(b"".join(group)) for group in groups]
