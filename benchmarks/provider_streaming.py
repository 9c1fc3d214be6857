"""Streaming: 500 concurrent SSE streams at 20 ms inter-token latency, provider on one core.

The provider (``taskset -c 0``, ``latency_scale: 1``) serves a scenario-defined profile with
a fixed TTFT and ``itl_ms=20`` without jitter, so every chunk's planned offset is known:
role and first piece at TTFT, piece k at ``TTFT + (k-1)·ITL``, finish and ``[DONE]`` with the
last piece. A raw-asyncio client on the other core (``taskset -c 1``, uvloop) keeps 500
streams open and timestamps every SSE event as it arrives. Each stream runs on one of 500
kept-alive connections, one stream after another, as the OpenAI SDK's and locust's pools
do; ``--connections new`` opens a new connection per stream instead.

Reported per server, over the streams that start after the warm-up and end inside the
window: chunks/s, and the timing error of each chunk (arrival minus planned time), anchored
at the moment the request was sent (what a client sees) and at the arrival of the response
head. The baseline is a minimal
aiohttp SSE handler sleeping to the same schedule, measured with the same client in the same
run; the ratios compare the two. Target: provider p99 error under 5 ms.

The provider runs from its mypyc-compiled wheel unless ``--build source`` (see
``provider_throughput.py``).

Run: ``python benchmarks/provider_streaming.py`` (about a minute). Exit 0 unless the
harness itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from benchmarks._harness import (
    CLIENT_CPU,
    REPO,
    SERVER_CPU,
    HarnessError,
    add_build_arguments,
    median,
    percentile,
    pinned,
    provider_home,
    python_server,
    server_process,
    task_bodies,
)

TARGET_P99_MS = 5.0
TTFT_MS = 200.0
ITL_MS = 20.0
_PATH = "/v1/chat/completions"


def provider_config() -> dict[str, object]:
    """The provider under test: a jitter-free 20 ms ITL profile, no limits, real time."""
    from fake_provider.config import BehaviourProfile, ModelSpec, ProviderConfig, RateLimits

    profile = BehaviourProfile(
        "stream_bench", ttft_ms=TTFT_MS, ttft_jitter=0.0, itl_ms=ITL_MS, itl_jitter=0.0
    )
    config = ProviderConfig(
        seed=7,
        models=(ModelSpec("gpt-4o-mini", behaviour="stream_bench"),),
        behaviours={"stream_bench": profile},
        rate_limits=RateLimits(tpm=None, rpm=None),
        latency_scale=1.0,
    )
    return config.to_json()


@dataclass(slots=True)
class _Stream:
    """One SSE request: when it was sent and when each of its events arrived."""

    sent_at: float
    head_at: float | None = None
    status_ok: bool = False
    events: list[float] = field(default_factory=list)


class _Client(asyncio.Protocol):
    """One connection, carrying one stream at a time: a single stream when each stream has
    its own connection (``Connection: close``), or one after another on a kept-alive
    connection, as the OpenAI SDK's and locust's connection pools do."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.stream: _Stream | None = None
        self.done: asyncio.Future[bool] | None = None
        self._tail = b""

    def send(self, request: bytes) -> asyncio.Future[bool]:
        """Send ``request``; the future is True when its answer ended and the connection
        can carry the next one."""
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self._tail = b""
        self.stream = _Stream(time.perf_counter())
        self.transport.write(request)
        return self.done

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        stream = self.stream
        if stream is None:
            return
        if stream.head_at is None:
            stream.head_at = now
            stream.status_ok = data.startswith(b"HTTP/1.1 200")
        # Events end with a blank line; JSON data and chunk framing never hold "\n\n".
        stream.events.extend([now] * (self._tail[-1:] + data).count(b"\n\n"))
        self._tail = (self._tail + data)[-7:]
        if self._tail == b"\r\n0\r\n\r\n" and self.done is not None:
            self.done.set_result(True)  # the last chunk: the body is complete

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(False)


@dataclass(slots=True)
class _Window:
    start: float
    end: float
    streams: list[_Stream] = field(default_factory=list)
    failures: int = 0
    chunks: int = 0

    def add(self, stream: _Stream) -> None:
        """Count a finished stream's chunks in the window; keep it if it lies inside."""
        self.chunks += sum(self.start <= t < self.end for t in stream.events)
        if not stream.status_ok or len(stream.events) < 3:
            self.failures += 1
        elif stream.sent_at >= self.start and stream.events[-1] < self.end:
            self.streams.append(stream)


def _requests(n: int, keep_alive: bool) -> list[bytes]:
    out = []
    for body in task_bodies(n, seed=99, stream=True):
        data = orjson.dumps(body)
        head = (
            f"POST {_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-bench-1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            + ("" if keep_alive else "Connection: close\r\n")
            + "\r\n"
        )
        out.append(head.encode() + data)
    return out


async def _worker(
    port: int, requests: list[bytes], first: int, delay_s: float, window: _Window,
    keep_alive: bool,
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay_s)
    i = first
    client: _Client | None = None
    while time.perf_counter() < window.end:
        if client is None:
            client = _Client()
            try:
                await loop.create_connection(lambda c=client: c, "127.0.0.1", port)  # type: ignore[misc]
            except OSError:
                window.failures += 1
                client = None
                continue
        complete = await client.send(requests[i % len(requests)])
        i += 1
        assert client.stream is not None
        if complete:
            window.add(client.stream)
        else:
            window.failures += 1  # the connection ended before the body did
        if not (keep_alive and complete):
            if client.transport is not None:
                client.transport.close()
            client = None
    if client is not None and client.transport is not None:
        client.transport.close()


async def _drive(
    port: int, streams: int, warmup_s: float, seconds: float, keep_alive: bool
) -> _Window:
    requests = _requests(2000, keep_alive)
    now = time.perf_counter()
    window = _Window(now + warmup_s, now + warmup_s + seconds)
    # Start the workers spread over one second, so that streams are not in lockstep.
    await asyncio.gather(
        *(_worker(port, requests, i * 7, i / streams, window, keep_alive) for i in range(streams))
    )
    return window


def _errors_ms(stream: _Stream, anchor: float) -> list[float]:
    """Arrival minus planned time of each event, in ms (role, pieces, finish, [DONE])."""
    pieces = len(stream.events) - 3
    last = TTFT_MS + max(0, pieces - 1) * ITL_MS
    out = []
    for j, arrived in enumerate(stream.events):
        planned = TTFT_MS + (j - 1) * ITL_MS if 1 <= j <= pieces else TTFT_MS
        planned = last if j > pieces else planned
        out.append((arrived - anchor) * 1000.0 - planned)
    return out


def summarise(window: _Window, seconds: float, client_busy: float) -> dict[str, float]:
    """Chunks/s and error percentiles (absolute, ms) of one measured window."""
    sent: list[float] = []
    head: list[float] = []
    first: list[float] = []
    for stream in window.streams:
        errors = _errors_ms(stream, stream.sent_at)
        first.append(abs(errors[0]))
        sent.extend(abs(e) for e in errors)
        head.extend(abs(e) for e in _errors_ms(stream, stream.head_at or stream.sent_at))
    if not sent:
        raise HarnessError("no stream completed inside the measurement window")
    return {
        "chunks_per_s": window.chunks / seconds,
        "streams": len(window.streams),
        "failures": window.failures,
        "p50_ms": percentile(sent, 50),
        "p99_ms": percentile(sent, 99),
        "max_ms": max(sent),
        "ttft_p99_ms": percentile(first, 99),
        "pacing_p50_ms": percentile(head, 50),
        "pacing_p99_ms": percentile(head, 99),
        "client_cpu_share": client_busy,
    }


def client_main(port: int, streams: int, warmup_s: float, seconds: float, keep_alive: bool) -> None:
    """The client process: drive the streams, print one JSON summary line."""
    import uvloop

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    window = uvloop.run(_drive(port, streams, warmup_s, seconds, keep_alive))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    busy = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / (
        time.perf_counter() - wall0
    )
    print("RESULT " + json.dumps(summarise(window, seconds, busy)), flush=True)


def run_client(url: str, args: argparse.Namespace) -> dict[str, float]:
    """One measurement of the server at ``url`` by a pinned client process."""
    import subprocess

    port = int(url.rsplit(":", 1)[1])
    argv = pinned(CLIENT_CPU, python_server(
        str(Path(__file__).resolve()), "--client", str(port), "--streams", str(args.streams),
        "--warmup", str(args.warmup), "--duration", str(args.duration),
        "--connections", args.connections,
    ))  # fmt: skip
    budget = args.warmup + args.duration + 120
    out = subprocess.run(argv, capture_output=True, text=True, timeout=budget, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise HarnessError(f"client failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    result = json.loads(line[len("RESULT ") :])
    if result["failures"] > result["streams"] // 100:
        raise HarnessError(f"{url}: {result['failures']} failed streams")
    return result


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    """Alternate baseline and provider rounds; per-round figures and medians."""
    config = tmp / "provider.json"
    config.write_bytes(orjson.dumps(provider_config()))
    servers = {
        "baseline": pinned(SERVER_CPU, python_server(
            str(Path(__file__).with_name("baseline_servers.py")), "sse",
            "--ttft-ms", str(TTFT_MS), "--itl-ms", str(ITL_MS),
        )),
        "provider": pinned(SERVER_CPU, python_server(
            "-m", "simulator.cli", "provider", "--config", str(config), "--port", "0",
            "--truth", str(tmp / "truth.jsonl"),
        )),
    }  # fmt: skip
    rounds: list[dict[str, dict[str, float]]] = []
    with contextlib.ExitStack() as stack:
        trees = {"baseline": REPO, "provider": provider_home(args)}
        urls = {
            name: stack.enter_context(server_process(argv, name, tree=trees[name]))
            for name, argv in servers.items()
        }
        for i in range(args.rounds):
            order = ["baseline", "provider"] if i % 2 == 0 else ["provider", "baseline"]
            got = {name: run_client(urls[name], args) for name in order}
            rounds.append(got)
            for name in order:
                r = got[name]
                print(f"round {i + 1} {name:8s}: {r['chunks_per_s']:7.0f} chunks/s  "
                      f"error p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
                      f"(first chunk p99 {r['ttft_p99_ms']:5.2f} ms, pacing p99 "
                      f"{r['pacing_p99_ms']:5.2f} ms, {r['streams']} streams, "
                      f"client busy {r['client_cpu_share']:.0%})", flush=True)  # fmt: skip
    keys = rounds[0]["provider"].keys()
    result: dict[str, object] = {
        name: {k: median([r[name][k] for r in rounds]) for k in keys}
        for name in ("baseline", "provider")
    }
    result["rounds"] = rounds
    return result


def main() -> int:
    """Run the benchmark and print the figures; 0 unless the harness failed."""
    parser = argparse.ArgumentParser(description="Provider streaming timing accuracy.")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds before measuring")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    add_build_arguments(parser)
    parser.add_argument(
        "--connections",
        choices=("keep-alive", "new"),
        default="keep-alive",
        help="streams reuse their connection, as SDK and locust pools do (default), "
        "or each opens a new one",
    )
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client is not None:
        client_main(
            args.client,
            args.streams,
            args.warmup,
            args.duration,
            args.connections == "keep-alive",
        )
        return 0
    try:
        with tempfile.TemporaryDirectory(prefix="bench-streaming-") as tmp:
            result = measure(args, Path(tmp))
    except (HarnessError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    base, prov = result["baseline"], result["provider"]
    assert isinstance(base, dict) and isinstance(prov, dict)
    print(f"baseline (minimal aiohttp SSE handler): {base['chunks_per_s']:.0f} chunks/s, "
          f"error p50 {base['p50_ms']:.2f} ms, p99 {base['p99_ms']:.2f} ms")  # fmt: skip
    print(f"provider:                               {prov['chunks_per_s']:.0f} chunks/s, "
          f"error p50 {prov['p50_ms']:.2f} ms, p99 {prov['p99_ms']:.2f} ms "
          f"(pacing p99 {prov['pacing_p99_ms']:.2f} ms)")  # fmt: skip
    print(f"ratios provider/baseline: chunks/s {prov['chunks_per_s'] / base['chunks_per_s']:.3f}, "
          f"p99 error {prov['p99_ms'] / max(base['p99_ms'], 1e-9):.2f}")  # fmt: skip
    verdict = "meets" if prov["p99_ms"] < TARGET_P99_MS else "misses"
    print(f"provider p99 chunk timing error {prov['p99_ms']:.2f} ms ({verdict} target "
          f"< {TARGET_P99_MS:g} ms)")  # fmt: skip
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
