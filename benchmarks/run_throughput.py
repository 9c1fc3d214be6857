"""Requests/s that `gameday run` sustains with one locust process, as a ratio to bare locust.

Both sides drive the embedded fake provider at zero latency, pinned to one core; the load
side gets the other core. Bare locust is a `FastHttpUser` posting one fixed extraction body
with no wait; `gameday run` runs its real users (task generation, grading, telemetry, live
monitors, progress accounting) with zero think time. Target: ratio >= 0.5.

At these rates the provider's core can be the bottleneck of both sides, which pushes the
observed ratio towards 1 whatever the client costs. So the script also samples the CPU
time of the load process itself (the locust process; for `gameday run`, the orchestrator
without its provider child) and prints the client-bound figure: the requests/s one locust
process could sustain on a core of its own, `requests / client CPU seconds`, as a ratio too.

    python benchmarks/run_throughput.py [--seconds 15] [--users 20] [--rounds 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import (
    CLIENT_CPU,
    REPO,
    SERVER_CPU,
    median,
    pinned,
    python_server,
    server_process,
    task_bodies,
)

SCENARIO = """
name: bench-run
description: Zero-latency provider, zero think time, no faults.
seed: 1
duration: {seconds}s
provider:
  models:
    gpt-4o-mini: {{behaviour: instant, price: {{input: 0.15, output: 0.60}}}}
  rate_limits: {{tpm: 1000000000, rpm: 100000000}}
behaviours:
  instant: {{extends: baseline, ttft_ms: 0, itl_ms: 0, ttft_jitter: 0, itl_jitter: 0}}
traffic:
  users: {users}
  spawn_rate: {users}
  mix: {{extract: 1}}
  stream_share: 0
  think_time: {{min: 0s, max: 0s}}
monitors: [builtin]
"""

BARE_LOCUSTFILE = """
import json
from locust import FastHttpUser, constant, task

BODY = json.load(open({body_path!r}))

class Bare(FastHttpUser):
    wait_time = constant(0)

    @task
    def post(self):
        self.client.post("/v1/chat/completions", json=BODY,
                         headers={{"Authorization": "Bearer sk-bench"}})
"""


class CpuSampler:
    """Samples a process's own user+system CPU seconds until it exits (children excluded)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.cpu_s = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                times = self.process.cpu_times()
            except psutil.Error:
                return
            self.cpu_s = times.user + times.system
            time.sleep(0.1)

    def join(self) -> float:
        """The last sample once the process is gone."""
        self._thread.join(5)
        return self.cpu_s


def bare_locust(work: Path, seconds: int, users: int) -> tuple[float, float]:
    """Requests/s of plain locust against a pinned zero-latency provider."""
    body_path = work / "body.json"
    body_path.write_text(json.dumps(task_bodies(1)[0]))
    locustfile = work / "bare_locustfile.py"
    locustfile.write_text(BARE_LOCUSTFILE.format(body_path=str(body_path)))
    config = work / "provider.json"
    config.write_text(
        json.dumps(
            {
                "seed": 1,
                "latency_scale": 0.0,
                "rate_limits": {"tpm": None, "rpm": None},
                "models": [{"name": "gpt-4o-mini"}],
            }
        )
    )
    argv = pinned(
        SERVER_CPU,
        python_server("-m", "simulator.cli", "provider", "--config", str(config), "--port", "0"),
    )
    with server_process(argv, "provider") as url:
        prefix = work / "bare"
        locust_argv = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
        ]
        proc = subprocess.Popen(
            pinned(CLIENT_CPU, locust_argv),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sampler = CpuSampler(proc.pid)
        proc.wait(seconds + 60)
        cpu_s = sampler.join()
        with open(f"{prefix}_stats.csv") as fh:
            total = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    return requests / seconds, requests / max(cpu_s, 1e-9)


def gameday_run(work: Path, seconds: int, users: int) -> tuple[float, float]:
    """Requests/s `gameday run` records (telemetry lines) over its duration, and per client
    CPU second of the orchestrator process."""
    scenario = work / "bench.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO.format(seconds=seconds, users=users)))
    proc = subprocess.Popen(
        pinned(
            CLIENT_CPU,
            [
                sys.executable,
                "-m",
                "simulator.cli",
                "run",
                str(scenario),
                "--report-dir",
                str(work / "reports"),
            ],
        ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sampler = CpuSampler(proc.pid)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # move the provider child onto the server core
        children = parent.children(recursive=True)
        if children:
            for child in children:
                child.cpu_affinity([int(SERVER_CPU)])
            break
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=seconds + 120)
    cpu_s = sampler.join()
    run_dir = Path(out.strip().splitlines()[-1])
    with open(run_dir / "telemetry.jsonl", "rb") as fh:
        records = sum(1 for _ in fh)
    return records / seconds, records / max(cpu_s, 1e-9)


def main() -> int:
    """Alternate bare locust and gameday run; print each figure and the median ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    observed, client_bound = [], []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for i in range(args.rounds):
            work = Path(tmp) / f"round{i}"
            work.mkdir()
            bare, bare_per_cpu = bare_locust(work, args.seconds, args.users)
            ours, ours_per_cpu = gameday_run(work, args.seconds, args.users)
            observed.append(ours / bare)
            client_bound.append(ours_per_cpu / bare_per_cpu)
            print(
                f"round {i + 1}: bare locust {bare:,.0f} req/s ({bare_per_cpu:,.0f} per "
                f"client CPU s), gameday run {ours:,.0f} req/s ({ours_per_cpu:,.0f} per "
                f"client CPU s)"
            )
    print(
        f"gameday run / bare locust, observed requests/s: {median(observed):.2f}; "
        f"client-bound (requests per client CPU second): {median(client_bound):.2f} "
        f"(median of {len(observed)}; target >= 0.5)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
