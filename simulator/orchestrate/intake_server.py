"""Serve the alert intake and client metrics on loopback from inside the gevent run loop."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import Any

from fake_provider.errors import InvalidInputError
from simulator.intake.app import IntakeApp
from simulator.scenario import MonitorSpec, WebhookMonitor


def intake_address(monitors: Sequence[MonitorSpec]) -> tuple[str, int, str | None]:
    """Host, port and scenario path of the configured webhook listener (port 0 = any)."""
    for i, spec in enumerate(monitors):
        if isinstance(spec, WebhookMonitor):
            return spec.host, spec.port, f"monitors[{i}].webhook.listen"
    return "127.0.0.1", 0, None


def start_intake(app: IntakeApp, monitors: Sequence[MonitorSpec]) -> Any:
    """Start a gevent WSGI server for ``app``; returns it (``.server_port``, ``.stop()``)."""
    from gevent.pywsgi import WSGIServer

    host, port, path = intake_address(monitors)
    server = WSGIServer((host, port), app, log=None, error_log=None)
    try:
        server.start()
    except OSError as exc:
        where = path or "the alert intake"
        if exc.errno == errno.EADDRINUSE:
            raise InvalidInputError(
                f"{where}: {host}:{port} is in use; choose another port there, or remove the "
                "webhook entry to get a free one"
            ) from None
        raise InvalidInputError(f"{where}: cannot listen on {host}:{port}: {exc}") from None
    return server
