"""``gameday simulate``: shipped scenarios in virtual time, same verdicts as real time, the
same bytes for the same seed, and the engine's plug-in points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_provider.state import Mitigation
from simulator.cli import main
from simulator.monitors.engine import read_telemetry
from simulator.orchestrate.finish import replay_builtin
from simulator.scenario import load_scenario
from simulator.virtual import SimulateOptions, VirtualEngine, simulate_gameday
from simulator.workloads.sinks import MemorySink
from tests.simulator.test_gameday_fixture_runs import _telemetry_shows_each_fault

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"
QUICKSTART = SCENARIOS / "quickstart.yaml"
#: What two runs of one scenario and seed must reproduce byte for byte.
RECORDS = ("scorecard.json", "telemetry.jsonl", "truth.jsonl", "alerts.jsonl", "junit.xml")


def _simulate_cli(scenario: Path, report_dir: Path, *flags: str) -> tuple[int, Path]:
    """Run ``gameday simulate`` in this process; the exit code and the run directory."""
    code = main(["simulate", str(scenario), "--report-dir", str(report_dir), *flags])
    (run_dir,) = report_dir.iterdir()
    return code, run_dir


def test_quickstart_in_virtual_time_catches_the_four_headline_faults(tmp_path: Path) -> None:
    code, run_dir = _simulate_cli(QUICKSTART, tmp_path)
    card = json.loads((run_dir / "scorecard.json").read_text())
    assert code == 0 and card["passed"] and card["mode"] == "virtual"
    for fault_id in ("swap", "quota-cut", "verbose-burst", "tool-loop"):
        fault = next(f for f in card["faults"] if f["id"] == fault_id)
        assert fault["detected"] and fault["time_to_detect_s"] <= 30, fault
    assert card["false_alarms"] == []
    _telemetry_shows_each_fault(run_dir / "telemetry.jsonl")  # what the real run asserts
    # The live monitors saw exactly what `gameday score` replays offline.
    lines = (run_dir / "alerts.jsonl").read_text().splitlines()
    live = [a for a in map(json.loads, lines) if a["source"] == "builtin"]
    telemetry = read_telemetry(run_dir / "telemetry.jsonl")
    replayed = replay_builtin(load_scenario(QUICKSTART), telemetry, 0.0)
    assert live and live == [a.to_json() for a in replayed]
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["mode"] == "virtual" and meta["simulated_s"] == 180.0
    assert meta["wall_s"] < 60  # three minutes of traffic in seconds
    for name in ("scenario.yaml", "actions.jsonl", *RECORDS):
        assert (run_dir / name).is_file(), name


#: Run ``gameday simulate`` in a child, then fail (exit 9) if gevent or locust got imported.
_CHILD = """
import sys
from simulator.cli import main
from simulator.monitors.engine import read_telemetry
from simulator.orchestrate.finish import replay_builtin
code = main(sys.argv[1:])
patched = {m.split(".")[0] for m in sys.modules} & {"gevent", "locust"}
sys.exit(code or (9 if patched else 0))
"""


def _simulate_in_child(report_dir: Path, hash_seed: str, *flags: str) -> Path:
    """``gameday simulate`` in a fresh interpreter with its own string-hash seed; it must not
    import gevent or locust (nothing gets monkey-patched in virtual time)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    argv = [sys.executable, "-c", _CHILD, "simulate", str(QUICKSTART)]
    proc = subprocess.run(
        [*argv, "--report-dir", str(report_dir), *flags],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def test_same_scenario_and_seed_give_byte_identical_records(gameday, tmp_path: Path) -> None:
    result = gameday.simulate(QUICKSTART, timeout_s=120)  # the pytest plugin's entry point
    assert result.exit_code == 0 and result.scorecard["mode"] == "virtual"
    assert result.run_dir is not None
    first = result.run_dir
    second = _simulate_in_child(tmp_path / "b", "2")  # another process, other string hashes
    for name in RECORDS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other_code, other = _simulate_cli(QUICKSTART, tmp_path / "c", "--seed", "8")
    assert other_code in (0, 1)
    for name in ("telemetry.jsonl", "truth.jsonl", "scorecard.json"):
        assert (other / name).read_bytes() != (first / name).read_bytes(), name
    assert json.loads((other / "scorecard.json").read_text())["seed"] == 8


HOUR_LONG = """\
name: hour-long
seed: 21
duration: 1h
provider:
  models:
    gpt-4o-mini: {behaviour: baseline, price: {input: 0.15, output: 0.60}}
traffic:
  users: 3
  mix: {extract: 1}
  think_time: {min: 5s, max: 10s}
faults:
  - {id: late-swap, kind: silent_model_swap, start: 50m, duration: 5m,
     behaviour: prose_wrapped_json}
monitors: [builtin]
budgets: {spend_per_minute_usd: 0.0005}
expect:
  - {false_alarms: 0}
"""


def test_an_hour_long_scenario_runs_to_its_end_with_guards_acting(tmp_path: Path) -> None:
    path = tmp_path / "hour.yaml"
    path.write_text(HOUR_LONG)
    outcome = simulate_gameday(load_scenario(path), SimulateOptions(report_dir=tmp_path / "r"))
    assert not outcome.interrupted and outcome.simulated_s == 3600.0
    card = json.loads((outcome.run_dir / "scorecard.json").read_text())
    assert card["duration_s"] == 3600.0
    (fault,) = card["faults"]  # applied 50 minutes in: the run got there
    assert fault["onset_s"] >= 3000 and fault["impact"]["requests_affected"] > 0, fault
    lines = (outcome.run_dir / "telemetry.jsonl").read_text().splitlines()
    last_t = max(json.loads(line)["t"] for line in lines)
    assert last_t > 3580
    # The clients' spend guard acted in virtual time, and its actions reached actions.jsonl.
    actions = [json.loads(a) for a in (outcome.run_dir / "actions.jsonl").read_text().splitlines()]
    assert actions and all(0 < a["t"] < 3600 for a in actions)
    assert {a["cause"] for a in actions} == {"spend_per_minute_usd"}


@pytest.mark.parametrize(
    "scenario",
    sorted(p.name for p in SCENARIOS.glob("*.yaml") if p.name != "quickstart.yaml"),
)
def test_each_shipped_scenario_meets_its_expectations_in_virtual_time(
    scenario: str, tmp_path: Path
) -> None:
    outcome = simulate_gameday(
        load_scenario(SCENARIOS / scenario), SimulateOptions(report_dir=tmp_path)
    )
    card = outcome.scorecard
    assert card is not None and not outcome.interrupted, outcome.reason
    assert card.passed, [e for e in card.to_json()["expectations"] if not e["passed"]]


def test_an_invalid_scenario_exits_2_naming_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(QUICKSTART.read_text().replace("start: 70s", "start: soon"))
    code = main(["simulate", str(path), "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}: faults[1].start" in err
    assert not (tmp_path / "r").exists()  # nothing runs on an invalid scenario


def test_tick_hooks_see_every_virtual_second_and_can_mitigate_on_the_provider() -> None:
    scenario = load_scenario(SCENARIOS / "silent-model-swap.yaml", overrides={"users": 8})
    truth: list = []
    engine = VirtualEngine(scenario, MemorySink(), truth.append)
    ticks: list[float] = []

    def responder(now_s: float) -> None:
        ticks.append(now_s)
        if now_s == 200.0:  # a runbook pins the model back to its baseline behaviour
            engine.state.mitigations["gpt-4o-mini"] = Mitigation(
                "pin_model", "gpt-4o-mini", behaviour="baseline", at_s=now_s
            )

    engine.on_tick.append(responder)
    engine.run()
    assert ticks == [float(s) for s in range(1, 360)]
    swapped = [t for t in truth if "swap-1" in t.fault_ids]
    assert swapped and max(t.t for t in swapped) < 200.0
    assert all(t.behaviour == "baseline" for t in truth if t.t >= 200.0 and t.status == 200)
    assert any(a.resolved_at is None or a.fired_at > 0 for a in engine.alerts)
