"""The scenario commands and the run's early failures, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))


def gameday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def test_every_shipped_scenario_lints_clean() -> None:
    assert {p.stem for p in SHIPPED} >= {
        "quickstart",
        "silent-model-swap",
        "rate-limit-cascade",
        "token-burst",
        "agent-loop",
        "prompt-regression",
    }
    for path in SHIPPED:
        proc = gameday("lint", str(path))
        assert proc.returncode == 0, proc.stderr
        assert "warning" not in proc.stderr, proc.stderr


def test_lint_reports_every_problem_with_its_path_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndurration: 5m\ntraffic: {users: 3, mix: {chatt: 1}}\n")
    proc = gameday("lint", str(bad))
    assert proc.returncode == 2
    assert "did you mean 'duration'" in proc.stderr
    assert "traffic.mix.chatt" in proc.stderr


def test_scenarios_lists_each_shipped_one_with_a_description() -> None:
    proc = gameday("scenarios")
    assert proc.returncode == 0
    for path in SHIPPED:
        line = next(x for x in proc.stdout.splitlines() if x.startswith(path.stem))
        assert len(line.split(None, 1)[1]) > 20


def test_schema_is_json_schema_for_the_scenario_format() -> None:
    schema = json.loads(gameday("schema").stdout)
    assert {"name", "duration", "traffic", "faults", "monitors", "expect"} <= set(
        schema["properties"]
    )


def test_unreachable_target_exits_3_with_a_partial_run_directory(tmp_path: Path) -> None:
    proc = gameday(
        "run",
        str(REPO / "scenarios" / "quickstart.yaml"),
        "--target",
        "http://127.0.0.1:9",
        "--report-dir",
        str(tmp_path),
    )
    assert proc.returncode == 3
    assert "unreachable" in proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert (run_dir / "run.json").exists() and (run_dir / "truth.jsonl").exists()


def test_bad_flag_exits_2_with_a_hint() -> None:
    proc = gameday("run", "--users", "many")
    assert proc.returncode == 2
    assert "hint: gameday run --help" in proc.stderr
