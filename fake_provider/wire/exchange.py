"""One request's answer on its connection: whole, chunked (SSE), cut short, or abandoned.

A handler that answers at once returns a :class:`~fake_provider.wire.messages.Response`;
one that answers later keeps the :class:`Exchange` and calls :meth:`Exchange.send`, or
:meth:`start_chunked` and then :meth:`write_framed` and :meth:`end_chunked` with pieces
framed by :meth:`frame`, when the time comes. :attr:`Exchange.on_lost` runs once if the
client leaves before the answer is done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from fake_provider.wire.messages import Request, Response, encode_head


class Link(Protocol):
    """What an exchange needs of its connection."""

    def write(self, data: bytes) -> None: ...
    def date_line(self) -> bytes: ...
    def exchange_done(self, exchange: Exchange, keep_alive: bool) -> None: ...
    def abort(self) -> None: ...
    def is_open(self) -> bool: ...


class Exchange:
    """The answer to one request; every method is a no-op once the answer is done."""

    __slots__ = ("_chunked", "_link", "done", "head_only", "keep_alive", "on_lost", "request")

    def __init__(
        self, link: Link, request: Request, *, keep_alive: bool, chunked_ok: bool, head_only: bool
    ) -> None:
        self._link = link
        self.request = request
        self.keep_alive = keep_alive
        self.head_only = head_only
        #: HTTP/1.1 frames a streamed body in chunks; HTTP/1.0 ends it by closing.
        self._chunked = chunked_ok
        self.done = False
        self.on_lost: Callable[[], None] | None = None

    @property
    def open(self) -> bool:
        """Whether the answer is still to be finished and the client is still there."""
        return not self.done and self._link.is_open()

    def send(self, response: Response) -> None:
        """Send a whole answer and finish the exchange."""
        if self.done:
            return
        body = response.body
        head = encode_head(
            response.status,
            response.headers,
            self._link.date_line(),
            content_type=response.content_type,
            length=len(body),
            close=not self.keep_alive,
        )
        self._link.write(head if self.head_only or not body else head + body)
        self._finish()

    def start_chunked(
        self, status: int, headers: Sequence[tuple[str, str]], content_type: str
    ) -> None:
        """Send the head of an answer whose body follows in pieces."""
        if self.done:
            return
        if not self._chunked:
            self.keep_alive = False  # the body's end is the connection's end
        head = encode_head(
            status,
            headers,
            self._link.date_line(),
            content_type=content_type,
            length=None,
            close=not self.keep_alive,
            chunked=self._chunked,
        )
        self._link.write(head)

    def frame(self, data: bytes) -> bytes:
        """``data`` as one piece of this answer's body on the wire (a chunk, under HTTP/1.1),
        ready for :meth:`write_framed` or :meth:`end_chunked`."""
        return b"%x\r\n%b\r\n" % (len(data), data) if self._chunked and data else data

    def write_framed(self, framed: bytes) -> None:
        """Send pieces already framed by :meth:`frame`."""
        if not self.done and framed:
            self._link.write(framed)

    def end_chunked(self, framed: bytes = b"") -> None:
        """Send ``framed`` (from :meth:`frame`) and the end of the chunked body in one write,
        and finish the exchange."""
        if self.done:
            return
        if self._chunked:
            framed += b"0\r\n\r\n"
        if framed:
            self._link.write(framed)
        self._finish()

    def send_truncated(self, response: Response, sent_bytes: int) -> None:
        """Announce the whole body, send its first ``sent_bytes``, then drop the connection."""
        if self.done:
            return
        head = encode_head(
            response.status,
            response.headers,
            self._link.date_line(),
            content_type=response.content_type,
            length=len(response.body),
            close=True,
        )
        self._link.write(head + response.body[:sent_bytes])
        self.abort()

    def abort(self) -> None:
        """Drop the connection now; the exchange ends without ``on_lost``."""
        if self.done:
            return
        self.done = True
        self.on_lost = None
        self._link.abort()

    def lost(self) -> None:
        """The client went away before the answer was done (called by the connection)."""
        if self.done:
            return
        self.done = True
        callback, self.on_lost = self.on_lost, None
        if callback is not None:
            callback()

    def _finish(self) -> None:
        self.done = True
        self.on_lost = None
        self._link.exchange_done(self, self.keep_alive)
