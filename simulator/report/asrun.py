"""The report's last section: the scenario as run and the exact command that reproduces it."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.report.document import Block, Bullets, Code, Heading, Para, Table
from simulator.report.fmt import number
from simulator.report.load import RunFiles
from simulator.scenario import (
    BuiltinMonitor,
    BuiltinPack,
    Scenario,
    fault_parameters,
    format_duration,
)

#: Scenario copies longer than this are not inlined in the report (the file is beside it).
MAX_INLINE_SCENARIO_CHARS = 20_000
_COMMON_DEFAULTS: Mapping[str, object] = {
    "ramp": 0.0,
    "fraction": 1.0,
    "model": None,
    "api_key": None,
}


def reproduce_command(files: RunFiles) -> str:
    """``gameday run`` (or ``simulate``) with the scenario and the run's seed, duration and
    traffic: the recorded scenario path when it still exists, else the copy in the run."""
    meta = files.meta
    recorded = meta.get("scenario_path")
    if isinstance(recorded, str) and Path(recorded).is_file():
        path = recorded
    else:
        path = str(files.run_dir / "scenario.yaml")
    command = "simulate" if meta.get("mode") == "virtual" else "run"
    argv = ["gameday", command, path]
    seed = meta.get("seed", (files.card or {}).get("seed"))
    duration = meta.get("duration_s", (files.card or {}).get("duration_s"))
    if seed is not None:
        argv += ["--seed", str(seed)]
    if isinstance(duration, int | float):
        argv += ["--duration", format_duration(float(duration))]
    for key, flag in (("users", "--users"), ("spawn_rate", "--spawn-rate")):
        value = meta.get(key)
        if value is None and files.scenario is not None:
            value = getattr(files.scenario.traffic, key)
        if value is not None:
            argv += [flag, number(float(value))]
    return shlex.join(argv)


def _fault_rows(scenario: Scenario) -> tuple[tuple[str, ...], ...]:
    rows = []
    for fault in scenario.faults:
        data: Mapping[str, Any] = fault.model_dump(by_alias=True)
        kind = str(data.get("kind", ""))
        params = [f"{k}={data[k]}" for k in fault_parameters(kind) if data.get(k) is not None]
        params += [
            f"{k}={data.get(k)}"
            for k, default in _COMMON_DEFAULTS.items()
            if data.get(k) != default
        ]
        rows.append(
            (
                fault.id,
                kind,
                format_duration(fault.start_s),
                format_duration(fault.duration_s),
                ", ".join(params) or "-",
            )
        )
    return tuple(rows)


def _monitors(scenario: Scenario) -> str:
    names = []
    for monitor in scenario.monitors:
        if isinstance(monitor, BuiltinPack):
            names.append("builtin (all twelve)")
        elif isinstance(monitor, BuiltinMonitor):
            names.append(monitor.name)
        else:
            names.append(type(monitor).__name__.removesuffix("Monitor").lower())
    return ", ".join(names) or "none"


def scenario_blocks(files: RunFiles) -> list[Block]:
    """Seed, duration, traffic, faults, monitors, budgets, the command, the scenario file."""
    blocks: list[Block] = [Heading(2, "Scenario as run", "scenario")]
    scenario, meta = files.scenario, files.meta
    card = files.card or {}
    rows = [
        ("scenario", str(meta.get("scenario", card.get("scenario", "?")))),
        ("seed", str(meta.get("seed", card.get("seed", "?")))),
        ("mode", str(meta.get("mode", card.get("mode", "?")))),
        ("duration", format_duration(float(meta.get("duration_s", card.get("duration_s", 0.0))))),
    ]
    if isinstance(meta.get("requests"), int):
        rows.append(("requests recorded", f"{meta['requests']:,}"))
    if meta.get("interrupted"):
        rows.append(("ended early", str(meta.get("reason") or "yes")))
    if scenario is not None:
        traffic = scenario.traffic
        mix = ", ".join(f"{k} {number(v)}" for k, v in traffic.mix.items())
        rows += [
            ("description", scenario.description or "-"),
            (
                "traffic",
                f"{traffic.users} users, spawn rate {number(traffic.spawn_rate)}/s, "
                f"model {traffic.model or 'default'}, "
                f"{number(100 * traffic.stream_share)} % streamed",
            ),
            ("user mix", mix),
            ("target", traffic.target or "the embedded fake provider"),
            ("monitors", _monitors(scenario)),
            (
                "budgets",
                ", ".join(f"{k} {number(v)}" for k, v in scenario.budgets.limits().items())
                + ("" if scenario.budgets.enforce else " (not enforced by the clients)")
                if scenario.budgets.limits()
                else "none",
            ),
            ("responder delay", format_duration(scenario.responder.delay_s)),
        ]
    blocks.append(Table(("setting", "value"), tuple(rows)))
    if scenario is not None and scenario.faults:
        blocks.append(
            Table(("fault", "kind", "start", "duration", "parameters"), _fault_rows(scenario))
        )
    blocks += [
        Para("Reproduce this run (same seed, duration and traffic):"),
        Code(reproduce_command(files)),
    ]
    if files.scenario_text is not None:
        blocks.append(
            Para("The scenario file as run (a copy is scenario.yaml in the run directory):")
        )
        text = files.scenario_text
        if len(text) > MAX_INLINE_SCENARIO_CHARS:
            text = text[:MAX_INLINE_SCENARIO_CHARS] + "\n# … (truncated; see scenario.yaml)"
        blocks.append(Code(text))
    elif scenario is None:
        blocks.append(Bullets(("The scenario file is not in the run directory.",)))
    return blocks
