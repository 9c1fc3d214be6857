"""The alert intake on a real loopback WSGI server, fed Alertmanager-shaped deliveries."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from simulator.intake.app import IntakeApp
from simulator.intake.book import AlertBook, format_utc, parse_utc

T0 = 1_800_000_000.0


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(app: IntakeApp) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def send(url: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        url + path, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def v2_alert(name: str, starts: float, ends: float | None, **labels: str) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": name},
        "startsAt": format_utc(starts),
        "generatorURL": "http://prometheus/graph",
    }
    if ends is not None:
        alert["endsAt"] = format_utc(ends)
    return alert


def test_prometheus_resends_are_one_episode_until_resolved() -> None:
    clock = Clock(T0 + 60)
    book = AlertBook(T0)
    with serving(IntakeApp(book, clock=clock)) as url:
        firing = v2_alert("Llm429Ratio", T0 + 50, T0 + 300, failure_class="rate_limit")
        for now in (T0 + 60, T0 + 120, T0 + 180):
            clock.now = now
            assert send(url, "/api/v2/alerts", [firing])[0] == 200
        clock.now = T0 + 200
        send(
            url,
            "/api/v2/alerts",
            [v2_alert("Llm429Ratio", T0 + 50, T0 + 195, failure_class="rate_limit")],
        )
    (episode,) = book.episodes()
    assert episode.source == "prometheus"
    assert episode.fired_at == pytest.approx(50.0)
    assert episode.resolved_at == pytest.approx(195.0)
    assert episode.failure_class == "rate_limit"
    assert episode.fired_at_utc == format_utc(T0 + 50)


def test_alert_that_fires_and_resolves_twice_is_two_episodes() -> None:
    book = AlertBook(T0)
    webhook = {"version": "4", "groupKey": "{}:{}", "receiver": "gameday", "status": "firing"}
    for starts, ends in ((T0 + 10, T0 + 40), (T0 + 100, T0 + 130)):
        alert = {
            "labels": {"alertname": "FormatFailures"},
            "startsAt": format_utc(starts),
            "endsAt": "0001-01-01T00:00:00Z",
            "status": "firing",
        }
        book.receive_webhook({**webhook, "alerts": [alert]}, starts + 5)
        book.receive_webhook({**webhook, "alerts": [alert]}, starts + 6)  # repeat
        resolved = {**alert, "status": "resolved", "endsAt": format_utc(ends)}
        book.receive_webhook({**webhook, "status": "resolved", "alerts": [resolved]}, ends + 1)
        book.receive_webhook({**webhook, "status": "resolved", "alerts": [resolved]}, ends + 2)
    episodes = book.episodes()
    assert [(e.fired_at, e.resolved_at) for e in episodes] == [(10.0, 40.0), (100.0, 130.0)]
    assert {e.source for e in episodes} == {"alertmanager"}


@pytest.mark.parametrize(
    "path,body,fragment",
    [
        ("/api/v2/alerts", b"{nope", "not valid JSON"),
        ("/api/v2/alerts", {"labels": {}}, "expected a JSON array"),
        ("/api/v2/alerts", [{"annotations": {}}], "[0].labels"),
        ("/api/v2/alerts", [{"labels": {"a": 1}}], "[0].labels"),
        ("/api/v2/alerts", [{"labels": {"a": "b"}, "startsAt": "yesterday"}], "startsAt"),
        ("/webhook", [], "webhook payload"),
        ("/webhook", {"alerts": [{"labels": {"a": "b"}, "status": "gone"}]}, "status"),
    ],
)
def test_malformed_delivery_is_400_and_keeps_what_was_received(
    path: str, body: Any, fragment: str
) -> None:
    book = AlertBook(T0)
    with serving(IntakeApp(book, clock=Clock(T0 + 5))) as url:
        send(url, "/api/v2/alerts", [v2_alert("Kept", T0 + 1, None)])
        status, payload = send(url, path, body)
    assert status == 400
    assert fragment in payload["error"]
    assert [e.name for e in book.episodes()] == ["Kept"]


def test_status_endpoints_answer_like_alertmanager() -> None:
    with serving(IntakeApp(AlertBook(T0))) as url:
        with urllib.request.urlopen(url + "/-/ready", timeout=5) as resp:
            assert resp.read() == b"OK"
        with urllib.request.urlopen(url + "/api/v2/status", timeout=5) as resp:
            assert json.loads(resp.read())["cluster"]["status"] == "ready"


def test_parse_utc_handles_go_nanoseconds_and_zero_time() -> None:
    assert parse_utc("2027-01-15T08:00:00.123456789Z", "x") == pytest.approx(
        parse_utc("2027-01-15T08:00:00.123456Z", "x")
    )
    assert parse_utc("0001-01-01T00:00:00Z", "x") is None
