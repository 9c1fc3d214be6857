"""``gameday simulate``: a scenario in virtual time, into a run directory like ``gameday run``'s.

Writes scenario.yaml, telemetry.jsonl, truth.jsonl, alerts.jsonl, actions.jsonl, run.json
(``mode: virtual``), scorecard.json and junit.xml. The same scenario and seed give
byte-identical telemetry, truth, alerts and scorecard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from fake_provider.errors import GamedayError
from fake_provider.records import TruthRecord
from fake_provider.truthlog import TruthLog
from simulator.orchestrate.finish import score_and_write, write_alerts, write_meta
from simulator.orchestrate.progress import ProgressDisplay
from simulator.orchestrate.responding import build_responder, respond
from simulator.orchestrate.rundir import make_run_dir, write_atomic
from simulator.records import Alert
from simulator.report import write_report_safely
from simulator.runbooks import StateFixes
from simulator.scenario import AlertmanagerMonitor, PrometheusMonitor, Scenario, WebhookMonitor
from simulator.scoring import Scorecard
from simulator.virtual.engine import VirtualEngine
from simulator.workloads.sinks import JsonlSink

#: Truth records buffered before a write (each flush also fsyncs).
_TRUTH_FLUSH_EVERY = 8192


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """Flags of ``gameday simulate`` that are not scenario overrides."""

    report_dir: Path = Path("reports")
    #: A live status line on stderr (None: only when stderr is a terminal).
    progress: bool | None = None


@dataclass(slots=True)
class SimulateOutcome:
    """Where the simulation wrote its files, what it cost, and whether it failed (and why)."""

    run_dir: Path
    requests: int = 0
    simulated_s: float = 0.0
    wall_s: float = 0.0
    scorecard: Scorecard | None = None
    interrupted: bool = False
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Simulated seconds per wall-clock second."""
        return self.simulated_s / self.wall_s if self.wall_s > 0 else float("inf")


def unsupported_notes(scenario: Scenario) -> list[str]:
    """What of the scenario virtual time leaves out (no sockets: no target, no alert intake)."""
    notes = []
    if scenario.traffic.target:
        notes.append(
            f"traffic.target {scenario.traffic.target} is ignored: virtual time always "
            "drives the fake provider core"
        )
    external = (PrometheusMonitor, AlertmanagerMonitor, WebhookMonitor)
    for i, spec in enumerate(scenario.monitors):
        if isinstance(spec, external):
            notes.append(
                f"monitors[{i}] ({type(spec).__name__}) needs real time and HTTP: left out; "
                "only the built-in monitors judge a virtual run (use `gameday run` for it)"
            )
    return notes


class _Truth:
    """The truth log, flushed every ``_TRUTH_FLUSH_EVERY`` records rather than every second."""

    def __init__(self, log: TruthLog) -> None:
        self.log = log
        self._pending = 0

    def append(self, record: TruthRecord) -> None:
        self.log.append(record)
        self._pending += 1
        if self._pending >= _TRUTH_FLUSH_EVERY:
            self.log.flush()
            self._pending = 0


def simulate_gameday(
    scenario: Scenario,
    options: SimulateOptions,
    prepare: Callable[[VirtualEngine], None] | None = None,
) -> SimulateOutcome:
    """Simulate ``scenario`` and write its run directory; ``prepare`` may plug into the
    engine (budget guards, responders) before traffic starts.

    A failure inside the simulation ends it early, reported on the outcome, with everything
    recorded so far written out and scored.
    """
    run_dir = make_run_dir(options.report_dir, scenario.name)
    outcome = SimulateOutcome(run_dir, notes=unsupported_notes(scenario))
    if scenario.source_path is not None:
        write_atomic(run_dir / "scenario.yaml", scenario.source_path.read_bytes())
    sink = JsonlSink(run_dir / "telemetry.jsonl")
    truth = TruthLog(run_dir / "truth.jsonl")
    started = time.perf_counter()
    try:
        engine = VirtualEngine(scenario, sink, _Truth(truth).append)
    except BaseException:
        sink.close()
        truth.close()
        raise
    display = ProgressDisplay(enabled=options.progress)
    engine.on_tick.append(_progress(engine, display))
    _plug_responder(engine, display)
    alerts: list[Alert] = []
    try:
        if prepare is not None:
            prepare(engine)
        alerts = engine.run()
    except KeyboardInterrupt:
        outcome.interrupted, outcome.reason = True, "interrupted by SIGINT"
        alerts = engine.monitors.close(engine.now_s)
    except Exception as exc:  # a harness bug: keep what was recorded, report it
        outcome.interrupted, outcome.reason = True, f"simulation failed: {exc!r}"
        alerts = engine.monitors.close(engine.now_s)
    finally:
        display.close()
        sink.close()
        truth.close()
    outcome.wall_s = time.perf_counter() - started
    outcome.simulated_s = engine.now_s
    outcome.requests = engine.stats.requests
    outcome.notes.extend(f"monitor error: {e}" for e in engine.monitors.errors)
    _finish(scenario, engine, alerts, outcome)
    outcome.notes.extend(write_report_safely(run_dir))
    return outcome


def _plug_responder(engine: VirtualEngine, display: ProgressDisplay) -> None:
    """Run the scenario's runbooks at exact virtual instants: provider fixes on the engine's
    provider state, client fixes on its users' controls, actions into actions.jsonl."""
    responder = build_responder(
        engine.scenario, StateFixes(engine.state), engine.runtime.controls, engine.actions, None
    )
    if responder is None:
        return
    seen = 0

    def act(now_s: float) -> None:
        nonlocal seen
        alerts, seen = engine.alerts[seen:], len(engine.alerts)
        for line in respond(responder, alerts, now_s):
            display.note(line)

    engine.on_tick.append(act)


def _progress(engine: VirtualEngine, display: ProgressDisplay) -> Callable[[float], None]:
    """A tick hook drawing the status line (in virtual time) and noting alerts as they fire.

    Taking the snapshot also trims the stats' recent-records window, so it stays bounded.
    """
    scenario = engine.scenario
    faults = [(f.id, f.start_s, f.start_s + f.duration_s) for f in scenario.faults]
    seen = 0

    def show(now_s: float) -> None:
        nonlocal seen
        for alert in engine.alerts[seen:]:
            if alert.resolved_at is None:
                display.note(f"alert {alert.name} fired at {alert.fired_at:.0f}s")
        seen = len(engine.alerts)
        active = [fid for fid, start, end in faults if start <= now_s < end]
        display.show(engine.stats.snapshot(now_s, scenario.duration_s, active))

    return show


def _finish(
    scenario: Scenario, engine: VirtualEngine, alerts: list[Alert], outcome: SimulateOutcome
) -> None:
    """Write alerts, actions and run.json, then score."""
    run_dir = outcome.run_dir
    write_alerts(run_dir, alerts)
    write_atomic(
        run_dir / "actions.jsonl",
        b"".join(orjson.dumps(a.to_json()) + b"\n" for a in engine.actions.actions),
    )
    write_meta(
        run_dir,
        {
            "scenario": scenario.name,
            "seed": scenario.seed,
            "mode": "virtual",
            "scenario_path": str(scenario.source_path) if scenario.source_path else None,
            "t0_unix": engine.t0_unix,
            "duration_s": scenario.duration_s,
            "simulated_s": outcome.simulated_s,
            "requests": outcome.requests,
            "interrupted": outcome.interrupted,
            "reason": outcome.reason,
            "wall_s": round(outcome.wall_s, 3),
            "schema_version": 1,
        },
    )
    try:
        outcome.scorecard = score_and_write(
            scenario, run_dir, mode="virtual", t0_unix=engine.t0_unix
        )
    except GamedayError as exc:
        outcome.notes.append(f"scoring failed: {exc}")
