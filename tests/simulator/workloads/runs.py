"""Start locust runs in child processes (this module never imports locust itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from simulator.records import TelemetryRecord
from simulator.workloads.settings import WorkloadSettings, read_jsonl

ROOT = Path(__file__).resolve().parents[3]
#: locust is imported first: it must monkey-patch before anything imports ssl.
CHILD_CODE = "import locust; from tests.simulator.workloads.locust_child import main; main()"


def child_command(spec: dict[str, Any]) -> list[str]:
    """The argv that runs ``locust_child.main`` on ``spec`` in a fresh interpreter."""
    return [sys.executable, "-c", CHILD_CODE, orjson.dumps(spec).decode()]


def run_child(spec: dict[str, Any], timeout_s: float = 60.0) -> None:
    """Run a child to completion; its stderr is in the failure message if it fails."""
    proc = subprocess.run(
        child_command(spec), cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
    )
    if proc.returncode != 0:
        raise AssertionError(f"locust child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")


def run_local(
    url: str,
    settings: WorkloadSettings,
    out: Path,
    *,
    users: int = 5,
    run_s: float = 5.0,
) -> tuple[list[TelemetryRecord], dict[str, Any]]:
    """A LocalRunner run in a child: (telemetry records, locust's own stats)."""
    spec = {
        "mode": "local",
        "url": url,
        "settings": settings.to_json(),
        "users": users,
        "spawn_rate": 100,
        "run_s": run_s,
        "out": str(out),
    }
    run_child(spec)
    stats = orjson.loads(Path(str(out) + ".stats.json").read_bytes())
    return list(read_jsonl(out)), stats


def run_distributed(
    url: str,
    settings: WorkloadSettings,
    out: Path,
    *,
    flow: str,
    users: int = 5,
    run_s: float = 4.0,
    min_records: int = 0,
) -> tuple[list[TelemetryRecord], dict[str, Any]]:
    """A master child with one worker grandchild: (master's records, worker's counts).

    The run lasts ``run_s``, then on (up to 30 s more) until the master has ``min_records``.
    """
    count_out = Path(str(out) + ".worker.json")
    spec = {
        "mode": "master",
        "url": url,
        "settings": settings.to_json(),
        "users": users,
        "spawn_rate": 100,
        "run_s": run_s,
        "out": str(out),
        "count_out": str(count_out),
        "flow": flow,
        "min_records": min_records,
    }
    run_child(spec)
    return list(read_jsonl(out)), orjson.loads(count_out.read_bytes())
