"""The intake as a WSGI application: Alertmanager webhook, v2 API and the status endpoints
Prometheus probes; served by gevent's WSGI server inside a run, by any WSGI server in tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from simulator.intake.book import AlertBook, IntakeError

MAX_BODY_BYTES = 4 * 1024 * 1024
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class IntakeApp:
    """WSGI callable around an :class:`AlertBook`; ``metrics`` renders ``GET /metrics``.

    Example::

        app = IntakeApp(AlertBook(t0_unix))
        gevent.pywsgi.WSGIServer(("127.0.0.1", 9095), app, log=None).start()
    """

    def __init__(
        self,
        book: AlertBook,
        metrics: Callable[[], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.book = book
        self.metrics = metrics
        self.clock = clock
        self.started_unix = clock()
        self._lock = threading.Lock()
        self.rejected = 0

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        try:
            status, body, ctype = self._route(method, path, environ)
        except IntakeError as exc:
            self.rejected += 1
            status, body, ctype = "400 Bad Request", _json({"error": str(exc)}), _JSON
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def _route(self, method: str, path: str, environ: Environ) -> tuple[str, bytes, str]:
        if method == "POST" and path in ("/webhook", "/api/v2/alerts", "/api/v1/alerts"):
            payload = _read_json(environ)
            with self._lock:
                now = self.clock()
                if path == "/webhook":
                    n = self.book.receive_webhook(payload, now)
                else:
                    n = self.book.receive_v2(payload, now)
            return "200 OK", _json({"status": "success", "received": n}), _JSON
        if method == "GET" and path in ("/-/healthy", "/-/ready"):
            return "200 OK", b"OK", "text/plain"
        if method == "GET" and path == "/api/v2/status":
            return "200 OK", _json(self._status()), _JSON
        if method == "GET" and path == "/api/v2/alerts":
            with self._lock:
                firing = [a for a in self.book.episodes() if a.resolved_at is None]
            return (
                "200 OK",
                _json(
                    [
                        {
                            "labels": dict(a.labels),
                            "annotations": dict(a.annotations),
                            "startsAt": a.fired_at_utc,
                            "fingerprint": a.fingerprint,
                            "status": {"state": "active"},
                        }
                        for a in firing
                    ]
                ),
                _JSON,
            )
        if method == "GET" and path == "/metrics" and self.metrics is not None:
            return "200 OK", self.metrics().encode(), "text/plain; version=0.0.4; charset=utf-8"
        return "404 Not Found", _json({"error": f"no route {method} {path}"}), _JSON

    def _status(self) -> dict[str, Any]:
        return {
            "cluster": {"status": "ready", "peers": []},
            "versionInfo": {"version": "llm-gameday-intake"},
            "config": {"original": ""},
            "uptime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_unix)),
        }


_JSON = "application/json"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _read_json(environ: Environ) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise IntakeError("Content-Length: expected a number") from None
    if length > MAX_BODY_BYTES:
        raise IntakeError(f"body: larger than {MAX_BODY_BYTES} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntakeError(f"body: not valid JSON ({exc})") from None
