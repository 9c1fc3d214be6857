"""The listening socket: accepts connections, closes idle ones, shuts down gracefully."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from fake_provider.wire.acceptor import Acceptor, listening_sockets
from fake_provider.wire.connection import Connection
from fake_provider.wire.messages import DateHeader
from fake_provider.wire.pacer import Pacer
from fake_provider.wire.router import Router

log = logging.getLogger("fake_provider.wire")

#: How often idle keep-alive connections are looked for.
_SWEEP_S = 5.0
#: Longest run of answering before the loop gets to read again...
_TURNS_SLICE_S = 0.0005
#: ...unless the next request in line has waited longer than this.
_TURNS_MAX_WAIT_S = 0.1


class HttpServer:
    """An HTTP/1.1 server for ``router`` on the running event loop."""

    def __init__(
        self,
        router: Router,
        *,
        max_body_bytes: int,
        keepalive_s: float = 75.0,
        wall: Callable[[], float] = time.time,
        pacer: Pacer | None = None,
    ) -> None:
        self.router = router
        self.max_body_bytes = max_body_bytes
        self.keepalive_s = keepalive_s
        #: Paced writers to run between requests (see :meth:`Pacer.poll`).
        self.pacer = pacer
        self.date = DateHeader(wall)
        self.loop = asyncio.get_running_loop()
        self.connections: set[Connection] = set()
        self._acceptor: Acceptor | None = None
        self._turns: deque[Connection] = deque()
        self._turns_handle: asyncio.Handle | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        #: Writes held back while a turn runs (``None`` between turns): see :meth:`want_turn`.
        self.outbox: list[tuple[asyncio.WriteTransport, bytes]] | None = None

    async def start(self, host: str, port: int, backlog: int = 2048) -> tuple[str, int]:
        """Listen on ``host:port`` (0 picks a free port); the bound address."""
        sockets = listening_sockets(host, port, backlog)
        self._acceptor = Acceptor(self.loop, sockets, lambda: Connection(self))
        self._sweeper = self.loop.call_later(_SWEEP_S, self._sweep)
        bound = sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    def want_turn(self, conn: Connection) -> None:
        """Give ``conn`` a turn to answer a request soon.

        Requests are read (and time-stamped) as their bytes arrive, but answered in turns,
        a slice of at most ``_TURNS_SLICE_S`` at a time: when a burst of requests arrives,
        the loop goes back to reading (and stamping) the next ones between slices instead of
        letting them wait in their sockets while every request before them is planned.
        Streams are paced between answers, too. When the loop is overloaded (hundreds of
        new connections a second) slices that short fall behind, so a slice goes on while
        the next request in line has waited over ``_TURNS_MAX_WAIT_S``: an answer's head is
        never held back for long, yet a loop that keeps up is not held up answering.

        The answers a slice writes go out at its end, in order (or earlier: before stream
        chunks that fall due, which go out at once, and before a connection closes or is
        reset). Every write to a client that sleeps waiting for it wakes it, and on a VM
        that wake-up is most of what the write costs the writer; a client reading many
        connections (a load generator, an SDK's pool) is then woken once per slice rather
        than once per answer.
        """
        self._turns.append(conn)
        if self._turns_handle is None:
            self._turns_handle = self.loop.call_soon(self._run_turns)

    def _run_turns(self) -> None:
        self._turns_handle = None
        turns, pacer = self._turns, self.pacer
        deadline = time.monotonic() + _TURNS_SLICE_S
        self.outbox = []
        try:
            while turns:
                conn = turns.popleft()
                try:
                    conn.take_turn()
                except Exception:  # one broken answer must not stall every other client
                    log.exception("answering a request failed; closing its connection")
                    conn.abort()
                if pacer is not None and pacer.due():
                    self.send_outbox()
                    self.outbox = None  # chunks due now go out at once
                    pacer.poll()
                    self.outbox = []
                now = time.monotonic()
                if now >= deadline:
                    self.send_outbox()
                    if turns and turns[0].waiting_since() > now - _TURNS_MAX_WAIT_S:
                        break
        finally:
            self.send_outbox()
            self.outbox = None
            if turns and self._turns_handle is None:
                self._turns_handle = self.loop.call_soon(self._run_turns)

    def send_outbox(self) -> None:
        """Write what the turn so far has held back, in order."""
        outbox = self.outbox
        if outbox:
            self.outbox = []
            for transport, data in outbox:
                if not transport.is_closing():
                    transport.write(data)

    def _sweep(self) -> None:
        """Close keep-alive connections idle for longer than ``keepalive_s``."""
        cutoff = self.loop.time() - self.keepalive_s
        for conn in list(self.connections):
            if not conn.busy and conn.idle_since < cutoff:
                conn.close()
        self._sweeper = self.loop.call_later(_SWEEP_S, self._sweep)

    async def close(self, grace_s: float = 2.0) -> None:
        """Stop accepting; let answers in progress finish for up to ``grace_s``, then drop
        them (their exchanges count as abandoned)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._acceptor is not None:
            await self._acceptor.close()
        deadline = self.loop.time() + grace_s
        while True:
            for conn in list(self.connections):
                if not conn.busy:
                    conn.close()
            if not self.connections or self.loop.time() >= deadline:
                break
            await asyncio.sleep(0.02)
        for conn in list(self.connections):
            conn.shutdown()
        await asyncio.sleep(0)  # let the transports deliver connection_lost
