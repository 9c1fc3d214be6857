"""``gameday simulate``: the same scenario in virtual time, in seconds instead of hours."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.commands.run_commands import EXIT_HARNESS
from simulator.runbooks import preflight_runbooks
from simulator.scenario import load_scenario, parse_duration
from simulator.scoring import verdict_table


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.virtual import SimulateOptions, simulate_gameday

    overrides = {
        "seed": args.seed,
        "duration": args.duration,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
    }
    scenario = load_scenario(args.scenario, overrides=overrides)
    for warning in scenario.warnings:
        print(f"warning: {warning.path}: {warning.message}", file=sys.stderr)
    for problem in preflight_runbooks(scenario):
        print(f"warning: {problem}", file=sys.stderr)
    outcome = simulate_gameday(scenario, SimulateOptions(report_dir=args.report_dir))
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"{outcome.requests} requests simulated: {outcome.simulated_s:.0f} s of virtual time "
        f"in {outcome.wall_s:.1f} s ({outcome.speedup:.0f}x real time)",
        file=sys.stderr,
    )
    card = outcome.scorecard
    if card is not None:
        print(verdict_table(card))
    if outcome.interrupted:
        print(f"error: simulation ended early: {outcome.reason}", file=sys.stderr)
    print(outcome.run_dir)
    if outcome.interrupted or card is None:
        return EXIT_HARNESS
    return 0 if card.passed else 1


def _duration(text: str) -> str:
    parse_duration(text, "--duration")  # fail early with the flag named
    return text


def add_simulate(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday simulate``."""
    p = sub.add_parser(
        "simulate",
        help="run a game day in virtual time (no HTTP, no sleeping; seconds, not hours)",
        description="Run the scenario's traffic, faults, monitors and scorer against the "
        "fake provider core in virtual time, and write a run directory. The same scenario "
        "and seed give the same scorecard.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        help="where run directories go (default reports/)",
    )
    p.add_argument("--duration", type=_duration, help="override the scenario duration (90s, 6h)")
    p.add_argument("--users", type=int, help="override traffic.users")
    p.add_argument("--spawn-rate", type=float, help="override traffic.spawn_rate")
    p.add_argument("--seed", type=int, help="override the scenario seed")
    p.set_defaults(func=_cmd_simulate)
