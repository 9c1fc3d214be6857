"""Locust runs in a child process, so gevent's monkey-patching never reaches the test process.

Run as ``python -c "import locust; from tests.simulator.workloads.locust_child import main;
main()" SPEC_JSON`` (locust first: it must patch before anything imports ssl). Modes:

- ``local``: a ``LocalRunner`` for ``run_s`` seconds; records into ``out`` (JSON lines),
  locust's request stats into ``out + ".stats.json"``.
- ``master``: a ``MasterRunner`` that spawns one worker process of this module, ships the
  runtime, runs, then ``quit`` (what ``gameday run`` does) or ``stop`` + ``quit``.
- ``worker``: connects to the master; writes how many records it emitted to ``count_out``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import orjson
from locust.env import Environment

from simulator.records import TelemetryRecord
from simulator.workloads.settings import JsonlSink, WorkloadRuntime, WorkloadSettings
from simulator.workloads.users import (
    ALL_USER_CLASSES,
    apply_mix,
    install_master_collection,
    install_worker_setup,
    send_setup,
)
from tests.simulator.workloads.runs import child_command


def _stats(env: Environment, user_classes: dict[str, int]) -> dict[str, Any]:
    """Locust's own view: requests, failures, failure reasons and users per class."""
    total = env.stats.total
    return {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "errors": sorted({str(e.error) for e in env.stats.errors.values()}),
        "user_classes": user_classes,
    }


def _local(spec: dict[str, Any]) -> None:
    settings = WorkloadSettings.from_json(spec["settings"])
    sink = JsonlSink(spec["out"])
    env = Environment(user_classes=apply_mix(settings), host=spec["url"])
    env.gameday = WorkloadRuntime(settings=settings, t0_unix=time.time(), sink=sink)  # type: ignore[attr-defined]
    runner = env.create_local_runner()
    runner.start(spec["users"], spawn_rate=spec["spawn_rate"])
    gevent.sleep(spec["run_s"])
    user_classes = dict(runner.user_classes_count)
    runner.quit()
    sink.close()
    Path(spec["out"] + ".stats.json").write_bytes(orjson.dumps(_stats(env, user_classes)))


class _CountingSink(JsonlSink):
    """The master's sink, counting what reaches it."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.received = 0

    def emit(self, record: TelemetryRecord) -> None:
        super().emit(record)
        self.received += 1


def _master(spec: dict[str, Any]) -> None:
    settings = WorkloadSettings.from_json(spec["settings"])
    sink = _CountingSink(spec["out"])
    env = Environment(user_classes=apply_mix(settings), host=spec["url"])
    runtime = WorkloadRuntime(settings=settings, t0_unix=time.time(), sink=sink)
    env.gameday = runtime  # type: ignore[attr-defined]
    runner = env.create_master_runner("127.0.0.1", 0)
    install_master_collection(env, sink)
    worker_spec = {"mode": "worker", "port": runner.server.port, "count_out": spec["count_out"]}
    worker = subprocess.Popen(child_command(worker_spec))
    deadline = time.monotonic() + 30
    while runner.worker_count < 1:
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError("the worker did not connect")
        gevent.sleep(0.1)
    send_setup(runner, runtime)
    runner.start(spec["users"], spawn_rate=spec["spawn_rate"])
    gevent.sleep(spec["run_s"])
    # On a loaded machine the worker may start late: run on until enough records came in.
    deadline = time.monotonic() + 30
    while sink.received < spec["min_records"] and time.monotonic() < deadline:
        gevent.sleep(0.2)
    if spec["flow"] == "stop":
        runner.stop()
    runner.quit()
    worker.wait(30)
    sink.close()


def _worker(spec: dict[str, Any]) -> None:
    env = Environment(user_classes=list(ALL_USER_CLASSES))
    runner = env.create_worker_runner("127.0.0.1", spec["port"])
    install_worker_setup(env)
    runner.greenlet.join()
    forwarder, runtime = env.gameday_forwarder, env.gameday  # type: ignore[attr-defined]
    counts = {
        "emitted": forwarder.emitted,
        "forwarded": forwarder.forwarded,
        "node_index": runtime.node_index,
    }
    Path(spec["count_out"]).write_bytes(orjson.dumps(counts))


def main() -> None:
    """Run the mode named in the JSON spec given as the only argument."""
    spec = orjson.loads(sys.argv[1])
    {"local": _local, "master": _master, "worker": _worker}[spec["mode"]](spec)
