"""``gameday run`` end to end: real provider process, real locust, loopback only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

SCENARIO = """
name: e2e
description: A short run with a silent swap in the middle.
seed: 5
duration: {duration}
provider:
  models:
    gpt-4o-mini: {{behaviour: fast, price: {{input: 0.15, output: 0.60}}}}
  rate_limits: {{tpm: 2000000, rpm: 10000}}
behaviours:
  fast: {{extends: baseline, ttft_ms: 20, itl_ms: 1}}
  fast_prose: {{extends: prose_wrapped_json, ttft_ms: 20, itl_ms: 1}}
traffic:
  users: 6
  spawn_rate: 6
  mix: {{extract: 4, agent: 1, chat: 1}}
  think_time: {{min: 0.05s, max: 0.2s}}
faults:
  - {{id: swap, kind: silent_model_swap, start: {start}, duration: {length}, behaviour: fast_prose}}
monitors:
  - format_failures: {{baseline_s: 6}}
  - model_change: {{baseline_s: 6}}
expect:
  - {{fault: swap, detect_within: 15s}}
"""


def _write(tmp_path: Path, duration: str = "24s", start: str = "8s", length: str = "8s") -> Path:
    path = tmp_path / "e2e.yaml"
    path.write_text(textwrap.dedent(SCENARIO.format(duration=duration, start=start, length=length)))
    return path


def _gameday(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_run_records_the_swap_in_telemetry_and_truth(tmp_path: Path) -> None:
    proc = _gameday("run", str(_write(tmp_path)), "--report-dir", str(tmp_path / "reports"))
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode in (0, 1), proc.stderr
    assert run_dir.name.startswith("e2e-") and run_dir.is_dir()
    for name in (
        "telemetry.jsonl",
        "truth.jsonl",
        "alerts.jsonl",
        "actions.jsonl",
        "scorecard.json",
        "junit.xml",
        "locust_stats.csv",
        "locust_report.html",
        "run.json",
    ):
        assert (run_dir / name).exists(), name
    telemetry = _jsonl(run_dir / "telemetry.jsonl")
    extract = [r for r in telemetry if r["user_kind"] == "extract" and r["outcome"] == "ok"]
    inside = [r for r in extract if 9 <= r["t"] < 16]
    outside = [r for r in extract if r["t"] < 7 or r["t"] >= 18]
    assert len(inside) >= 10 and len(outside) >= 10
    assert sum(r["format_ok"] for r in inside) / len(inside) < 0.3
    assert sum(r["format_ok"] for r in outside) / len(outside) > 0.85
    truth = _jsonl(run_dir / "truth.jsonl")
    assert any("swap" in r["fault_ids"] for r in truth)
    assert {r["status"] for r in truth} <= {200, 499}
    scorecard = json.loads((run_dir / "scorecard.json").read_text())
    assert scorecard["faults"][0]["id"] == "swap"
    assert scorecard["faults"][0]["onset_s"] is not None
    _rescore_with_team_alerts(run_dir, tmp_path)


def _rescore_with_team_alerts(run_dir: Path, tmp_path: Path) -> None:
    """gameday score: without the built-in pack nothing detects the swap; the team's own
    Alertmanager export (UTC times) does."""
    proc = _gameday("score", str(run_dir), "--no-builtin")
    assert proc.returncode == 1, proc.stderr
    assert json.loads((run_dir / "scorecard.json").read_text())["faults"][0]["detected"] is False
    t0 = json.loads((run_dir / "run.json").read_text())["t0_unix"]
    stamp = datetime.fromtimestamp(t0 + 11.0, UTC).isoformat().replace("+00:00", "Z")
    export = tmp_path / "am.json"
    export.write_text(
        json.dumps(
            [
                {
                    "labels": {
                        "alertname": "LlmJsonParseFailures",
                        "failure_class": "silent_model_swap",
                    },
                    "annotations": {},
                    "startsAt": stamp,
                    "endsAt": "0001-01-01T00:00:00Z",
                }
            ]
        )
    )
    proc = _gameday("score", str(run_dir), "--no-builtin", "--alerts", str(export))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fault = json.loads((run_dir / "scorecard.json").read_text())["faults"][0]
    assert fault["detected"] and fault["first_alert"]["name"] == "LlmJsonParseFailures"
    assert 2.0 <= fault["time_to_detect_s"] <= 3.5


def test_invalid_scenario_exits_2_naming_the_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nduration: 5x\ntraffic: {users: -1}\nfaults:\n"
        "  - {id: a, kind: swap, start: 1s, duration: 1s}\n"
    )
    proc = _gameday("run", str(bad), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "duration" in proc.stderr and "traffic.users" in proc.stderr
    assert "faults[0].kind" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_remote_target_is_refused_without_allow_remote(tmp_path: Path) -> None:
    proc = _gameday(
        "run",
        str(_write(tmp_path)),
        "--target",
        "http://203.0.113.9:8080",
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert proc.returncode == 2
    assert "--allow-remote" in proc.stderr


@pytest.mark.slow
def test_sigint_mid_run_leaves_a_readable_partial_run_directory(tmp_path: Path) -> None:
    scenario = _write(tmp_path, duration="60s", start="30s", length="10s")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "run",
            str(scenario),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(8)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3
    assert "interrupted" in err
    run_dir = Path(out.strip().splitlines()[-1])
    telemetry = _jsonl(run_dir / "telemetry.jsonl")
    assert telemetry and max(r["t"] for r in telemetry) < 20
    assert _jsonl(run_dir / "truth.jsonl")
    assert json.loads((run_dir / "run.json").read_text())["interrupted"] is True
    assert (run_dir / "scorecard.json").exists()
