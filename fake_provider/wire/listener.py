"""The listening socket: accepts connections, closes idle ones, shuts down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from fake_provider.wire.connection import Connection
from fake_provider.wire.messages import DateHeader
from fake_provider.wire.pacer import Pacer
from fake_provider.wire.router import Router

#: How often idle keep-alive connections are looked for.
_SWEEP_S = 5.0


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
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.TimerHandle | None = None

    async def start(self, host: str, port: int, backlog: int = 2048) -> tuple[str, int]:
        """Listen on ``host:port`` (0 picks a free port); the bound address."""
        self._server = await self.loop.create_server(
            lambda: Connection(self), host, port, backlog=backlog
        )
        self._sweeper = self.loop.call_later(_SWEEP_S, self._sweep)
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

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
        if self._server is not None:
            self._server.close()
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
        if self._server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        await asyncio.sleep(0)  # let the transports deliver connection_lost
