"""Run the provider as a server process until SIGINT/SIGTERM, flushing truth on the way out."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import signal
from collections.abc import Callable
from pathlib import Path

from fake_provider.config import ProviderConfig
from fake_provider.errors import InvalidInputError
from fake_provider.server import build_router, flush_periodically
from fake_provider.state import ProviderState
from fake_provider.truthlog import TruthLog
from fake_provider.wire import HttpServer


async def serve_async(
    config: ProviderConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8900,
    truth_path: Path | None = None,
    admin_token: str | None = None,
    t0_unix: float | None = None,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set or a termination signal arrives."""
    state = ProviderState.create(config, t0_unix)
    truth = TruthLog(truth_path)
    router, recorders = build_router(state, truth, admin_token=admin_token)
    server = HttpServer(router, max_body_bytes=state.config.max_body_bytes, pacer=recorders.pacer)
    try:
        _, bound_port = await server.start(host, port)
    except OSError as exc:
        truth.close()
        if exc.errno == errno.EADDRINUSE:
            raise InvalidInputError(
                f"port {port} on {host} is in use; pass --port 0 to pick a free one"
            ) from None
        raise InvalidInputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    url = f"http://{host if ':' not in host else f'[{host}]'}:{bound_port}"
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    flusher = asyncio.create_task(flush_periodically(truth))
    if on_ready is not None:
        on_ready(url)
    try:
        await stop.wait()
    finally:
        flusher.cancel()
        await server.close(grace_s=2.0)
        recorders.pacer.close()
        truth.close()


def serve(config: ProviderConfig, **kwargs: object) -> None:
    """Blocking :func:`serve_async`, on uvloop when it is installed.

    Everything imported so far lives as long as the process: frozen out of the garbage
    collector's sight, full collections walk only what serving creates, and their pauses
    (which delay every open stream's next chunk) stay short.
    """
    gc.freeze()
    try:
        import uvloop  # optional speed-up
    except ImportError:
        asyncio.run(serve_async(config, **kwargs))  # type: ignore[arg-type]
    else:
        uvloop.run(serve_async(config, **kwargs))  # type: ignore[arg-type]
