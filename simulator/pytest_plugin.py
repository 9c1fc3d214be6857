"""A pytest plugin (entry point ``pytest11``) with a ``gameday`` fixture for CI gates.

Example::

    def test_swap_is_caught_fast(gameday):
        result = gameday.run("scenarios/silent-model-swap.yaml")
        assert result.fault("swap-1")["detected"]
        assert result.fault("swap-1")["time_to_detect_s"] <= 90
        assert result.false_alarms == []

The run happens in a child process (locust patches the whole process with gevent, which
must not leak into the test session); the fixture reads back the scorecard it wrote.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True, slots=True)
class GameDayResult:
    """What one run left behind: exit code, run directory and its scorecard."""

    exit_code: int
    run_dir: Path | None
    scorecard: dict[str, Any]
    stderr: str

    @property
    def passed(self) -> bool:
        """Whether every expectation of the scenario was met."""
        return bool(self.scorecard.get("passed"))

    @property
    def false_alarms(self) -> list[dict[str, Any]]:
        """Alerts attributed to no fault."""
        return list(self.scorecard.get("false_alarms", []))

    def fault(self, fault_id: str) -> dict[str, Any]:
        """The scorecard entry of one fault (detected, time_to_detect_s, impact, …)."""
        for entry in self.scorecard.get("faults", []):
            if entry.get("id") == fault_id:
                return dict(entry)
        known = ", ".join(f.get("id", "?") for f in self.scorecard.get("faults", []))
        raise KeyError(f"no fault {fault_id!r} in the scorecard (faults: {known or 'none'})")


class GameDay:
    """Runs scenarios with ``gameday run`` (or ``simulate``) into a per-test report directory."""

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = report_dir

    def run(self, scenario: str | Path, *, duration: str | None = None,
            users: int | None = None, seed: int | None = None,
            extra_args: Sequence[str] = (), timeout_s: float | None = None) -> GameDayResult:
        """Run ``scenario`` (flags as ``gameday run``) and return its result."""
        return self._invoke("run", scenario, duration, users, seed, extra_args, timeout_s)

    def simulate(self, scenario: str | Path, *, duration: str | None = None,
                 users: int | None = None, seed: int | None = None,
                 extra_args: Sequence[str] = (), timeout_s: float | None = None) -> GameDayResult:
        """Simulate ``scenario`` in virtual time (flags as ``gameday simulate``): seconds,
        not minutes, and the same result for the same seed."""
        return self._invoke("simulate", scenario, duration, users, seed, extra_args, timeout_s)

    def _invoke(self, command: str, scenario: str | Path, duration: str | None,
                users: int | None, seed: int | None, extra_args: Sequence[str],
                timeout_s: float | None) -> GameDayResult:
        argv = [sys.executable, "-m", "simulator.cli", command, str(scenario),
                "--report-dir", str(self.report_dir)]
        for flag, value in (("--duration", duration), ("--users", users), ("--seed", seed)):
            if value is not None:
                argv += [flag, str(value)]
        proc = subprocess.run([*argv, *extra_args], capture_output=True, text=True,
                              timeout=timeout_s)
        lines = proc.stdout.strip().splitlines()
        run_dir = Path(lines[-1]) if lines and Path(lines[-1]).is_dir() else None
        card_path = run_dir / "scorecard.json" if run_dir else None
        card = json.loads(card_path.read_text()) if card_path and card_path.exists() else {}
        if proc.returncode in (2, 3) and not card:
            pytest.fail(f"gameday {command} exited {proc.returncode}: {proc.stderr.strip()}",
                        pytrace=False)
        return GameDayResult(proc.returncode, run_dir, card, proc.stderr)


@pytest.fixture
def gameday(tmp_path_factory: pytest.TempPathFactory) -> GameDay:
    """Run game days from a test: ``gameday.run("scenarios/quickstart.yaml")``."""
    return GameDay(tmp_path_factory.mktemp("gameday-reports"))
