"""The pytest plugin's ``gameday`` fixture: a fault-free control at the quickstart's
traffic level raises no built-in alert (ten minutes, in virtual time), and the
quickstart's four headline failures are all detected in time in a real run."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "scenarios" / "quickstart.yaml"


def _control_scenario(tmp_path: Path) -> Path:
    """The quickstart with its faults and fault expectations removed, 10 minutes long."""
    text = QUICKSTART.read_text()
    text = re.sub(r"(?ms)^faults:\n.*?^monitors:", "monitors:", text)
    text = re.sub(r"(?ms)^expect:\n.*\Z", "expect:\n  - {false_alarms: 0}\n", text)
    text = text.replace("name: quickstart", "name: control").replace(
        "duration: 3m", "duration: 10m"
    )
    path = tmp_path / "control.yaml"
    path.write_text(text)
    return path


def test_fault_free_control_run_raises_no_false_alarms(gameday, tmp_path: Path) -> None:
    result = gameday.simulate(_control_scenario(tmp_path), timeout_s=300)
    assert result.scorecard["faults"] == []
    assert result.false_alarms == [], result.false_alarms
    assert result.exit_code == 0 and result.passed


@pytest.mark.slow
def test_quickstart_detects_every_headline_class(gameday) -> None:
    result = gameday.run(QUICKSTART, timeout_s=420)
    for fault_id in ("swap", "quota-cut", "verbose-burst", "tool-loop"):
        fault = result.fault(fault_id)
        assert fault["detected"], (fault_id, result.scorecard["expectations"])
        assert fault["time_to_detect_s"] <= 30
    assert result.false_alarms == []
    assert result.exit_code == 0 and result.passed
    assert result.run_dir is not None
    _telemetry_shows_each_fault(result.run_dir / "telemetry.jsonl")


def _telemetry_shows_each_fault(path: Path) -> None:
    """What the clients saw: 429s and vanishing headroom in the quota cut, long outputs in
    the burst, agent sessions running into the step guard in the loop; clean before."""
    records = [json.loads(line) for line in path.read_text().splitlines()]

    def window(start: float, end: float) -> list[dict]:
        return [r for r in records if start <= r["t"] < end]

    clean, quota, burst, loop = window(0, 28), window(72, 95), window(112, 135), window(152, 175)
    assert not any(r["outcome"] == "rate_limited" for r in clean)
    assert sum(r["outcome"] == "rate_limited" for r in quota) / len(quota) > 0.1
    headroom = [
        r["ratelimit_remaining_tokens"]
        for r in quota
        if r["ratelimit_remaining_tokens"] is not None
    ]
    assert statistics.median(headroom) < 0.1 * min(
        r["ratelimit_remaining_tokens"] for r in clean if r["ratelimit_remaining_tokens"]
    )

    def median_output(rs: list[dict]) -> float:
        return statistics.median(r["output_tokens"] for r in rs if r["outcome"] == "ok")

    assert median_output(burst) > 5 * median_output(clean)
    assert max(r["step"] for r in loop if r["user_kind"] == "agent") >= 12
    assert max(r["step"] for r in clean if r["user_kind"] == "agent") <= 4
    assert any(r["budget_action"] == "agent_max_steps" for r in loop)


def test_fixture_reports_unknown_faults_clearly(gameday, tmp_path: Path) -> None:
    from simulator.pytest_plugin import GameDayResult

    result = GameDayResult(1, None, {"faults": [{"id": "a"}]}, "")
    with pytest.raises(KeyError, match="faults: a"):
        result.fault("b")
