"""One HTTP/1.1 connection: httptools parses, requests are answered one at a time, in order.

Pipelined requests wait in a queue (reading pauses when it grows long); a request whose
body goes over the size limit is still read to its end, its bytes dropped, and handed to
its handler marked ``too_large``; bytes that are not HTTP get a 400 and the connection
closes. Bodies are small and read whole, so no task is created per request: a complete
request is time-stamped as it is read, and its handler runs when the server gives the
connection its turn (see :meth:`HttpServer.want_turn`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

import httptools

from fake_provider.wire.exchange import Exchange
from fake_provider.wire.messages import Request, Response, encode_head, error_response

if TYPE_CHECKING:
    from fake_provider.wire.listener import HttpServer

log = logging.getLogger("fake_provider.wire")

#: Pipelined requests queued before reading pauses, and the length at which it resumes.
_QUEUE_HIGH, _QUEUE_LOW = 32, 8
#: Longest request line plus headers accepted (aiohttp's limits come to about the same).
MAX_HEAD_BYTES = 64 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


@dataclass(frozen=True, slots=True)
class _Parsed:
    request: Request
    keep_alive: bool
    chunked_ok: bool


class Connection(asyncio.Protocol):
    """The server side of one TCP connection."""

    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._loop = server.loop
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._pending: deque[_Parsed | Response] = deque()
        self._active: Exchange | None = None
        self._queued = False  # waiting for a turn (see HttpServer.want_turn)
        self._reading_paused = False
        self._closed = False
        self._broken = False  # no more requests are read (bad bytes or an upgrade)
        self.idle_since = self._loop.time()
        self._url = b""
        self._headers: dict[str, str] = {}
        self._head_bytes = 0
        self._body: list[bytes] = []
        self._size = 0
        self._too_large = False

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self._broken:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._broken = True  # answer what was asked, then close: no protocol switch
        except httptools.HttpParserError as exc:
            self._broken = True
            # A callback's own refusal (an oversized head) travels as the error's context.
            inner = exc.__context__ if isinstance(exc, httptools.HttpParserCallbackError) else None
            reason = str(inner or exc) or type(exc).__name__
            self._pending.append(error_response(400, f"Bad HTTP request: {reason}"))
        self._next()
        pacer = self._server.pacer
        if pacer is not None:
            pacer.poll()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._server.connections.discard(self)
        self._pending.clear()
        active, self._active = self._active, None
        if active is not None:
            active.lost()

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = {}
        self._head_bytes = 0
        self._body = []
        self._size = 0
        self._too_large = False

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        self._count_head(len(name) + len(value))

    def _count_head(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > MAX_HEAD_BYTES:  # the parser reports it as a bad request
            raise ValueError(f"request line and headers over {MAX_HEAD_BYTES} bytes")

    def on_headers_complete(self) -> None:
        length = self._headers.get("content-length", "")
        if length.isdigit() and int(length) > self._server.max_body_bytes:
            self._too_large = True
        expect = self._headers.get("expect", "")
        if expect.lower() == "100-continue" and not self._too_large and self._idle():
            self.write(_CONTINUE)

    def on_body(self, data: bytes) -> None:
        if self._too_large:
            return
        self._size += len(data)
        if self._size > self._server.max_body_bytes:
            self._too_large = True
            self._body = []
        else:
            self._body.append(data)

    def on_message_complete(self) -> None:
        raw = self._url
        if raw[:1] == b"/" and b"?" not in raw and b"#" not in raw:
            path, query = raw.decode("latin-1"), ""  # the usual origin-form target
        else:
            url = httptools.parse_url(raw)
            path, query = url.path.decode("latin-1"), (url.query or b"").decode("latin-1")
        if "%" in path:
            path = unquote(path)
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        request = Request(
            self._parser.get_method().decode("latin-1"),
            path,
            query,
            self._headers,
            body,
            time.monotonic(),
            self._too_large,
        )
        parser = self._parser
        keep_alive = parser.should_keep_alive() and not parser.should_upgrade()
        self._pending.append(_Parsed(request, keep_alive, parser.get_http_version() == "1.1"))
        self._body = []

    # -- the exchange's link ------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send bytes unless the connection is gone (at the end of the server's turn, when
        written during one: see :meth:`HttpServer.want_turn`)."""
        transport = self._transport
        if transport is not None and not self._closed and not transport.is_closing():
            outbox = self._server.outbox
            if outbox is None:
                transport.write(data)
            else:
                outbox.append((transport, data))

    def date_line(self) -> bytes:
        """The cached ``date`` header line."""
        return self._server.date.line()

    def is_open(self) -> bool:
        """Whether the client is still connected."""
        transport = self._transport
        return transport is not None and not self._closed and not transport.is_closing()

    def exchange_done(self, exchange: Exchange, keep_alive: bool) -> None:
        """The active exchange has sent its answer: close, or answer the next request."""
        if self._active is exchange:
            self._active = None
        self.idle_since = self._loop.time()
        if not keep_alive:
            self.close()
        else:
            self._next()

    def abort(self) -> None:
        """Drop the connection without a goodbye (a cut answer, or shutdown)."""
        self._server.send_outbox()  # a cut answer's bytes go out before the reset
        self._closed = True
        self._pending.clear()
        self._active = None
        if self._transport is not None:
            self._transport.abort()

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close once buffered bytes are written."""
        self._server.send_outbox()  # this connection's answers go out before the close
        self._closed = True
        self._pending.clear()
        if self._transport is not None:
            self._transport.close()

    @property
    def busy(self) -> bool:
        """Whether an answer is in progress or requests are waiting."""
        return self._active is not None or bool(self._pending)

    def shutdown(self) -> None:
        """Server shutdown: the answer in progress counts as abandoned; drop the connection."""
        active, self._active = self._active, None
        if active is not None:
            active.lost()
        self.abort()

    def _idle(self) -> bool:
        return self._active is None and not self._pending

    def _next(self) -> None:
        """Ask the server for a turn when a request waits and none is in progress."""
        if self._active is None and self._pending and not self._closed and not self._queued:
            self._queued = True
            self._server.want_turn(self)
        self._pace_reading()

    def waiting_since(self) -> float:
        """When the next queued request arrived (``time.monotonic()``; now if none)."""
        item = self._pending[0] if self._pending else None
        return item.request.arrived if isinstance(item, _Parsed) else time.monotonic()

    def take_turn(self) -> None:
        """Answer the next queued request (the server calls this in turn)."""
        self._queued = False
        if self._active is None and self._pending and not self._closed:
            self._dispatch(self._pending.popleft())
        self._next()

    def _pace_reading(self) -> None:
        transport = self._transport
        if transport is None or self._closed:
            return
        if not self._reading_paused and len(self._pending) >= _QUEUE_HIGH:
            self._reading_paused = True
            transport.pause_reading()
        elif self._reading_paused and len(self._pending) <= _QUEUE_LOW:
            self._reading_paused = False
            transport.resume_reading()
        elif self._broken and self._idle():
            self.close()

    def _dispatch(self, item: _Parsed | Response) -> None:
        if isinstance(item, Response):  # the request could not be parsed
            head = encode_head(
                item.status,
                item.headers,
                self.date_line(),
                content_type=item.content_type,
                length=len(item.body),
                close=True,
            )
            self.write(head + item.body)
            self.close()
            return
        request = item.request
        found = self._server.router.resolve(request.method, request.path)
        keep_alive = item.keep_alive
        if isinstance(found, Response):
            exchange = Exchange(
                self, request, keep_alive=keep_alive, chunked_ok=item.chunked_ok, head_only=False
            )
            self._active = exchange
            exchange.send(found)
            return
        handler, request.params, head_only = found
        exchange = Exchange(
            self, request, keep_alive=keep_alive, chunked_ok=item.chunked_ok, head_only=head_only
        )
        self._active = exchange
        try:
            result = handler(request, exchange)
        except Exception:
            log.exception("handler for %s %s failed", request.method, request.path)
            result = error_response(500, "The server had an error processing your request.")
        if isinstance(result, Response):
            exchange.send(result)
