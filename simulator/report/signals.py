"""Which built-in monitor would have caught each fault first: the whole pack replayed over
the run's telemetry, attributed to faults exactly as the scorer attributes alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fake_provider.errors import GamedayError
from simulator.monitors import build_monitors, declared_classes, read_telemetry, replay
from simulator.records import Alert
from simulator.scenario import BuiltinMonitor, BuiltinPack, Scenario
from simulator.scoring import DEFAULT_GRACE_S
from simulator.scoring.attribution import attribute_alerts


@dataclass(frozen=True, slots=True)
class PackVerdict:
    """The earliest built-in alert attributable to each fault id (None: the pack missed it)."""

    earliest: Mapping[str, Alert | None]
    #: How the alerts were obtained (recorded during the run, or replayed now).
    how: str


def pack_specs(scenario: Scenario) -> list[BuiltinPack | BuiltinMonitor]:
    """Every built-in monitor: the pack's defaults, with the scenario's own tuning kept."""
    tuned = [m for m in scenario.monitors if isinstance(m, BuiltinMonitor)]
    return [BuiltinPack(), *tuned]


def runs_whole_pack(scenario: Scenario) -> bool:
    """Whether the run already ran every built-in monitor (``- builtin``)."""
    return any(isinstance(m, BuiltinPack) for m in scenario.monitors)


def pack_alerts(
    scenario: Scenario,
    run_dir: Path,
    recorded: tuple[Alert, ...],
    t0_unix: float,
) -> tuple[list[Alert], str]:
    """The whole pack's alerts over the run: the recorded ones when the run ran the pack
    (live and replay agree by design), else a replay over telemetry.jsonl."""
    if runs_whole_pack(scenario):
        return [a for a in recorded if a.source == "builtin"], "recorded during the run"
    monitors = build_monitors(pack_specs(scenario), scenario.budgets)
    path = run_dir / "telemetry.jsonl"
    if not path.is_file():
        return [], "no telemetry to replay"
    alerts = replay(read_telemetry(path), monitors, duration_s=scenario.duration_s, t0_unix=t0_unix)
    return alerts, "replayed over telemetry.jsonl"


def earliest_pack_alerts(
    scenario: Scenario | None,
    run_dir: Path,
    recorded: tuple[Alert, ...],
    meta: Mapping[str, object],
    grace_s: float = DEFAULT_GRACE_S,
) -> PackVerdict:
    """For every fault, the first built-in alert the scorer would attribute to it."""
    if scenario is None:
        return PackVerdict({}, "not computed: the scenario is not available")
    t0 = meta.get("t0_unix")
    try:
        alerts, how = pack_alerts(
            scenario, run_dir, recorded, float(t0) if isinstance(t0, int | float) else 0.0
        )
    except GamedayError as exc:
        return PackVerdict({}, f"not computed: {exc}")
    attribution = attribute_alerts(scenario.faults, alerts, declared_classes, grace_s)
    earliest = {}
    for fault in scenario.faults:
        mine = attribution.alerts_of(fault.id)
        earliest[fault.id] = mine[0] if mine else None
    return PackVerdict(earliest, how)
