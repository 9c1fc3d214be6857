"""The provider's own HTTP/1.1 layer, spoken to over raw sockets: keep-alive, pipelining,
chunked uploads, HTTP/1.0, HEAD, Expect, bad bytes, accepting and answering bursts, and the
pacer's order."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest

from fake_provider.config import Fault
from fake_provider.wire import HttpServer, Pacer, Request, Response, Router
from fake_provider.wire.exchange import Exchange
from tests.support import fast_config, running_provider

_CHAT = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello."}]}
).encode()


def _request(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, v: str = "1.1"
) -> bytes:
    head = {"Host": "x", "Authorization": "Bearer sk-wire-1", **(headers or {})}
    if body and "Transfer-Encoding" not in head:
        head["Content-Length"] = str(len(body))
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    return f"{method} {path} HTTP/{v}\r\n{lines}\r\n".encode() + body


class _Reader:
    """Reads HTTP/1.1 responses off a socket (content-length, chunked, or to EOF)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            if not self._fill():
                raise EOFError(self.buf)
        out, self.buf = self.buf.split(marker, 1)
        return out

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError(self.buf)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if head_only or status == 100:
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._until(b"\r\n"), 16)
                body += self._take(size)
                self._take(2)
                if size == 0:
                    return status, headers, body
        if "content-length" in headers:
            return status, headers, self._take(int(headers["content-length"]))
        while self._fill():
            pass
        body, self.buf = self.buf, b""
        return status, headers, body

    def closed(self) -> bool:
        return not self.buf and not self._fill()


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def test_keep_alive_and_pipelined_requests_are_answered_in_order() -> None:
    with running_provider(fast_config(latency_scale=0.2)) as url, _connect(url) as sock:
        # A delayed chat answer first, then two instant ones, all in one write.
        sock.sendall(
            _request("POST", "/v1/chat/completions", _CHAT)
            + _request("GET", "/healthz")
            + _request("GET", "/v1/models")
        )
        reader = _Reader(sock)
        first, second, third = reader.response(), reader.response(), reader.response()
        assert first[0] == 200 and json.loads(first[2])["object"] == "chat.completion"
        assert second[0] == 200 and json.loads(second[2])["status"] == "ok"
        assert third[0] == 200 and json.loads(third[2])["object"] == "list"
        assert "connection" not in third[1]
        sock.sendall(_request("GET", "/healthz", headers={"Connection": "close"}))
        status, headers, _ = reader.response()
        assert status == 200 and headers["connection"] == "close"
        assert reader.closed()


def test_answers_held_to_the_end_of_a_turn_go_out_in_order_before_a_close() -> None:
    with running_provider(fast_config(latency_scale=0.0)) as url, _connect(url) as sock:
        # Answered in one turn; the second asks to close, so the third is never answered.
        sock.sendall(
            _request("POST", "/v1/chat/completions", _CHAT)
            + _request("GET", "/healthz", headers={"Connection": "close"})
            + _request("GET", "/v1/models")
        )
        reader = _Reader(sock)
        first, second = reader.response(), reader.response()
        assert first[0] == 200 and json.loads(first[2])["object"] == "chat.completion"
        assert second[0] == 200 and second[1]["connection"] == "close"
        assert reader.closed()


def test_a_cut_answer_sends_its_first_bytes_before_the_reset() -> None:
    cut = Fault("cut-1", "server_error", 0.0, 3600.0, mode="stream_cut")
    config = fast_config(latency_scale=0.0, faults=(cut,))
    with running_provider(config) as url, _connect(url) as sock:
        sock.sendall(_request("POST", "/v1/chat/completions", _CHAT))
        reader = _Reader(sock)
        head = reader._until(b"\r\n\r\n").decode("latin-1")
        assert head.startswith("HTTP/1.1 200")
        length = int(head.lower().split("content-length: ")[1].split("\r\n")[0])
        try:
            while reader._fill():
                pass
        except ConnectionResetError:
            pass
        assert 0 < len(reader.buf) < length


def test_chunked_upload_is_read_and_an_oversized_one_is_413_on_a_live_connection() -> None:
    config = fast_config(max_body_bytes=2000)
    with running_provider(config) as url, _connect(url) as sock:
        chunked = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in (_CHAT[:10], _CHAT[10:]))
        sock.sendall(
            _request(
                "POST",
                "/v1/chat/completions",
                chunked + b"0\r\n\r\n",
                {"Transfer-Encoding": "chunked"},
            )
        )
        reader = _Reader(sock)
        status, _, body = reader.response()
        assert status == 200, body
        big = b"x" * 3000
        sock.sendall(
            _request(
                "POST",
                "/v1/chat/completions",
                b"%x\r\n%b\r\n0\r\n\r\n" % (len(big), big),
                {"Transfer-Encoding": "chunked"},
            )
        )
        status, _, body = reader.response()
        assert status == 413 and json.loads(body)["error"]["code"] == "request_too_large"
        sock.sendall(_request("GET", "/healthz"))
        assert reader.response()[0] == 200


def test_head_expect_continue_and_allow_header() -> None:
    with running_provider(fast_config()) as url, _connect(url) as sock:
        reader = _Reader(sock)
        sock.sendall(_request("HEAD", "/healthz"))
        status, headers, _ = reader.response(head_only=True)
        assert status == 200 and int(headers["content-length"]) > 0
        sock.sendall(_request("GET", "/v1/chat/completions"))
        status, headers, body = reader.response()
        assert status == 405 and headers["allow"] == "POST"
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
        head = _request("POST", "/v1/chat/completions", _CHAT, {"Expect": "100-continue"})
        sock.sendall(head[: -len(_CHAT)])
        assert reader.response()[0] == 100
        sock.sendall(_CHAT)
        assert reader.response()[0] == 200


def test_bytes_that_are_not_http_get_a_json_400_and_a_close() -> None:
    with running_provider(fast_config()) as url, _connect(url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nthis is \x00 not http\r\n\r\n")
        reader = _Reader(sock)
        assert reader.response()[0] == 200
        status, headers, body = reader.response()
        assert status == 400 and headers["connection"] == "close"
        assert json.loads(body)["error"]["message"].startswith("Bad HTTP request")
        assert reader.closed()


def test_http10_stream_ends_with_the_connection(tmp_path: Path) -> None:
    body = json.dumps({**json.loads(_CHAT), "stream": True}).encode()
    with running_provider(fast_config()) as url, _connect(url) as sock:
        sock.sendall(_request("POST", "/v1/chat/completions", body, v="1.0"))
        status, headers, data = _Reader(sock).response()
    assert status == 200 and "transfer-encoding" not in headers
    assert headers["content-type"] == "text/event-stream"
    assert data.endswith(b"data: [DONE]\n\n") and data.count(b"data: ") >= 4


def test_pacer_runs_jobs_in_due_order_and_survives_a_failing_one() -> None:
    seen: list[tuple[str, int]] = []

    class Job:
        def __init__(self, name: str, times: list[float], fail: bool = False) -> None:
            self.name, self.times, self.fail, self.k = name, times, fail, 0

        def step(self, horizon: float) -> float | None:
            if self.fail:
                raise RuntimeError("boom")
            seen.append((self.name, self.k))
            self.k += 1
            return self.times[self.k] if self.k < len(self.times) else None

    async def main() -> None:
        loop = asyncio.get_running_loop()
        pacer = Pacer(loop)
        t = pacer.clock()
        pacer.add(t + 0.03, Job("b", [t + 0.03, t + 0.05]))
        pacer.add(t + 0.01, Job("a", [t + 0.01, t + 0.04]))
        pacer.add(t + 0.02, Job("bad", [t + 0.02], fail=True))
        await asyncio.sleep(0.08)
        assert len(pacer) == 0
        pacer.close()

    asyncio.run(main())
    assert seen == [("a", 0), ("b", 0), ("a", 1), ("b", 1)]


def test_shutdown_records_an_answer_in_progress_as_abandoned(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    with running_provider(fast_config(latency_scale=20.0), truth_path=truth) as url:
        sock = _connect(url)
        sock.sendall(_request("POST", "/v1/chat/completions", _CHAT))
        with _connect(url) as probe:  # wait until the answer is in progress
            reader = _Reader(probe)
            for _ in range(200):
                probe.sendall(_request("GET", "/admin/state"))
                if json.loads(reader.response()[2])["requests"] == 1:
                    break
                time.sleep(0.01)
    with sock:
        assert _Reader(sock).closed()  # dropped by the shutdown, no answer
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    assert [r["status"] for r in records] == [499]


def test_query_strings_and_escaped_path_segments_reach_the_admin_api() -> None:
    fault = {"id": "slow one", "kind": "latency", "start_s": 0, "duration_s": 60}
    pin = {"action": "pin_model", "model": "gpt-4o-mini"}
    with running_provider(fast_config()) as url, _connect(url) as sock:
        reader = _Reader(sock)
        for method, path, body in (
            ("POST", "/admin/faults", json.dumps(fault).encode()),
            ("POST", "/admin/mitigations", json.dumps(pin).encode()),
            ("POST", "/admin/mitigations", json.dumps({**pin, "model": "gpt-4o"}).encode()),
        ):
            sock.sendall(_request(method, path, body))
            assert reader.response()[0] == 201
        sock.sendall(_request("DELETE", "/admin/faults/slow%20one"))
        status, _, body = reader.response()
        assert status == 200 and json.loads(body)["faults"] == []
        sock.sendall(_request("DELETE", "/admin/mitigations?model=gpt-4o-mini"))
        status, _, body = reader.response()
        assert [m["model"] for m in json.loads(body)["mitigations"]] == ["gpt-4o"]


def test_an_endless_request_head_is_refused() -> None:
    with running_provider(fast_config()) as url, _connect(url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        try:
            for i in range(100):
                sock.sendall(b"X-Filler-%d: %b\r\n" % (i, b"y" * 1000))
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed while the rest was still being sent: the 400 is in
        status, _, body = _Reader(sock).response()
    assert status == 400 and "over 65536 bytes" in json.loads(body)["error"]["message"]


def test_pacer_does_not_spin_on_a_job_that_never_moves_on() -> None:
    class Stuck:
        steps = 0

        def step(self, horizon: float) -> float | None:
            self.steps += 1
            return horizon - 1.0  # always overdue

    async def main() -> tuple[int, int]:
        pacer = Pacer(asyncio.get_running_loop())
        stuck = Stuck()
        pacer.add(pacer.clock(), stuck)
        turns, end = 0, time.monotonic() + 0.05
        while time.monotonic() < end:  # the loop must keep turning
            await asyncio.sleep(0)
            turns += 1
        pacer.close()
        return turns, stuck.steps

    turns, steps = asyncio.run(main())
    assert turns > 20 and 0 < steps <= turns + 1


def test_a_burst_of_waiting_connections_is_accepted_at_once() -> None:
    uvloop = pytest.importorskip("uvloop")  # libuv on its own accepts one per loop turn

    async def main() -> int:
        server = HttpServer(Router(), max_body_bytes=1000)
        host, port = await server.start("127.0.0.1", 0)
        # The kernel completes these handshakes before the server's loop runs again.
        socks = [socket.create_connection((host, port)) for _ in range(60)]
        for _ in range(8):
            await asyncio.sleep(0)
        accepted = len(server.connections)
        for sock in socks:
            sock.close()
        await server.close(grace_s=0.1)
        return accepted

    assert uvloop.run(main()) == 60


def test_requests_read_together_are_stamped_before_any_is_answered() -> None:
    calls: list[tuple[float, float]] = []

    def slow(request: Request, exchange: Exchange) -> Response:
        started = time.monotonic()
        while time.monotonic() < started + 0.003:  # planning that takes a while
            pass
        calls.append((request.arrived, started))
        return Response(200, b"{}")

    async def main() -> None:
        router = Router()
        router.add("GET", "/slow", slow)
        server = HttpServer(router, max_body_bytes=1000)
        host, port = await server.start("127.0.0.1", 0)
        socks = [socket.create_connection((host, port)) for _ in range(8)]
        for sock in socks:  # every request is in its socket before the server runs
            sock.sendall(_request("GET", "/slow"))
        answers = await asyncio.gather(
            *(asyncio.to_thread(lambda s=sock: _Reader(s).response()) for sock in socks)
        )
        assert [a[0] for a in answers] == [200] * 8
        for sock in socks:
            sock.close()
        await server.close(grace_s=0.1)

    asyncio.run(main())
    first_answer = min(started for _, started in calls)
    assert all(arrived <= first_answer for arrived, _ in calls)
