"""The end of every run (and of ``gameday score``): merge alerts, score, write the verdict."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import orjson

from simulator.monitors import build_monitors, declared_classes, replay
from simulator.orchestrate.rundir import write_atomic
from simulator.records import Alert, TelemetryRecord
from simulator.report.load import save_telemetry_columns
from simulator.runbooks import RunbookSet, load_runbooks
from simulator.scenario import BuiltinMonitor, BuiltinPack, Scenario
from simulator.scoring import Scorecard, load_run, read_alert_file, score_run, write_scorecard
from simulator.scoring.rundata import gc_paused

RUN_META = "run.json"


def has_builtin_monitors(scenario: Scenario) -> bool:
    """Whether the scenario asks for any built-in monitor."""
    return any(isinstance(m, BuiltinPack | BuiltinMonitor) for m in scenario.monitors)


def replay_builtin(
    scenario: Scenario, telemetry: Iterable[TelemetryRecord], t0_unix: float
) -> list[Alert]:
    """The built-in monitors' alerts over recorded telemetry (in arrival order)."""
    if not has_builtin_monitors(scenario):
        return []
    monitors = build_monitors(scenario.monitors, scenario.budgets)
    return replay(telemetry, monitors, duration_s=scenario.duration_s, t0_unix=t0_unix)


def write_alerts(run_dir: Path, alerts: Sequence[Alert]) -> None:
    """alerts.jsonl, every source, in firing order."""
    ordered = sorted(alerts, key=lambda a: (a.fired_at, a.name))
    write_atomic(
        run_dir / "alerts.jsonl", b"".join(orjson.dumps(a.to_json()) + b"\n" for a in ordered)
    )


def write_meta(run_dir: Path, meta: dict[str, object]) -> None:
    """run.json: what a later ``gameday score`` or ``gameday report`` needs to know."""
    write_atomic(run_dir / RUN_META, orjson.dumps(meta, option=orjson.OPT_INDENT_2))


def read_meta(run_dir: Path) -> dict[str, object]:
    """The run's metadata (run.json), or an empty dict for an older run directory."""
    try:
        return dict(orjson.loads((run_dir / RUN_META).read_bytes()))
    except (OSError, orjson.JSONDecodeError):
        return {}


BuiltinChoice = Literal["recorded", "replay", "none"]


def scenario_runbooks(scenario: Scenario) -> RunbookSet | None:
    """The scenario's runbooks (the valid ones), or None when it names no directory."""
    if scenario.runbooks is None:
        return None
    runbooks, _problems = load_runbooks(scenario.runbooks)
    return runbooks


def with_runbook_url(alert: Alert, runbooks: RunbookSet) -> Alert:
    """The alert with a ``runbook_url`` annotation when it has none and a runbook handles it."""
    if "runbook_url" in alert.annotations:
        return alert
    url = runbooks.url_of(alert.name)
    if url is None:
        return alert
    return dataclasses.replace(alert, annotations={**alert.annotations, "runbook_url": url})


def score_and_write(
    scenario: Scenario,
    run_dir: Path,
    *,
    mode: Literal["realtime", "virtual"],
    builtin: BuiltinChoice = "recorded",
    extra_alert_files: Sequence[Path] = (),
    t0_unix: float = 0.0,
) -> Scorecard:
    """Score the run directory (read once) and rewrite alerts.jsonl, scorecard.json and
    junit.xml. Built-in alerts are the ``recorded`` ones, a fresh ``replay`` of the
    monitors over the telemetry, or ``none``; alerts from ``extra_alert_files`` are added."""
    with gc_paused():  # millions of acyclic records: the cyclic GC only slows this down
        return _score_and_write(scenario, run_dir, mode, builtin, extra_alert_files, t0_unix)


def _score_and_write(
    scenario: Scenario,
    run_dir: Path,
    mode: Literal["realtime", "virtual"],
    builtin: BuiltinChoice,
    extra_alert_files: Sequence[Path],
    t0_unix: float,
) -> Scorecard:
    data = load_run(run_dir)
    with contextlib.suppress(OSError):  # only a cache: the report can parse the JSON lines
        save_telemetry_columns(run_dir, data.telemetry)
    alerts = [a for a in data.alerts if builtin == "recorded" or a.source != "builtin"]
    if builtin == "replay":
        alerts.extend(replay_builtin(scenario, data.telemetry, t0_unix))
    for path in extra_alert_files:
        alerts.extend(read_alert_file(path, t0_unix))
    runbooks = scenario_runbooks(scenario)
    if runbooks is not None:
        alerts = [with_runbook_url(a, runbooks) for a in alerts]
    write_alerts(run_dir, alerts)
    card = score_run(
        scenario,
        data.truth,
        data.telemetry,
        alerts,
        data.actions,
        mode=mode,
        declared_classes=declared_classes,
        runbooks=runbooks,
    )
    write_scorecard(card, run_dir)
    return card
