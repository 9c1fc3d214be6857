"""Listening sockets that accept every waiting connection at once.

uvloop (through libuv) accepts one connection per turn of the event loop. When the loop is
busy writing hundreds of paced streams a turn takes milliseconds, so at a few hundred new
connections a second the kernel's accept queue grows and a new request waits there for tens
to hundreds of milliseconds before the server has even seen it. The acceptor watches the
listening socket itself and drains the queue (up to ``batch`` connections) each time it is
readable, handing each socket to the loop with ``connect_accepted_socket``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable

log = logging.getLogger("fake_provider.wire")

#: Errors that mean "out of a resource": stop accepting for a moment instead of spinning.
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: How long to stop accepting after running out of file descriptors or memory.
_RETRY_S = 1.0


def listening_sockets(host: str, port: int, backlog: int) -> list[socket.socket]:
    """Non-blocking listening sockets for every address ``host`` resolves to. Port 0 picks
    a free port on the first address; the others use the same one."""
    infos = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    seen: set[tuple[object, ...]] = set()
    try:
        for family, _, _, _, address in infos:
            if (family, *address) in seen:
                continue
            seen.add((family, *address))
            if sockets:
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock = socket.create_server(address, family=family, backlog=backlog)
            sock.setblocking(False)
            sockets.append(sock)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Acceptor:
    """Accepts on ``sockets`` and gives each connection a protocol from ``factory``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        factory: Callable[[], asyncio.Protocol],
        batch: int = 256,
    ) -> None:
        self._loop = loop
        self.sockets = sockets
        self._factory = factory
        self._batch = batch
        self._adopting: set[asyncio.Task[object]] = set()
        self._closed = False
        for sock in sockets:
            loop.add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(self._batch):
            try:
                conn, _peer = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # the client gave up while queued: nothing to serve
            except OSError as exc:
                if exc.errno not in _RESOURCE_ERRNOS:
                    raise
                log.warning("cannot accept connections (%s); retrying in %.0f s", exc, _RETRY_S)
                self._loop.remove_reader(sock.fileno())
                self._loop.call_later(_RETRY_S, self._resume, sock)
                return
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = self._loop.create_task(self._adopt(conn))
            self._adopting.add(task)
            task.add_done_callback(self._adopting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, conn)
        except OSError as exc:  # reset before it was set up: nothing to serve
            log.debug("dropped a connection while setting it up: %s", exc)
            conn.close()

    def _resume(self, sock: socket.socket) -> None:
        if not self._closed:
            self._loop.add_reader(sock.fileno(), self._accept, sock)

    async def close(self) -> None:
        """Stop accepting and close the listening sockets; connections being set up finish."""
        self._closed = True
        for sock in self.sockets:
            self._loop.remove_reader(sock.fileno())
            sock.close()
        if self._adopting:
            await asyncio.wait(list(self._adopting), timeout=1.0)
