"""``gameday simulate``: the same scenario in virtual time, in seconds instead of hours."""

from __future__ import annotations

import argparse

from simulator.commands.run_commands import add_scenario_flags, finish, load_checked


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.virtual import SimulateOptions, simulate_gameday

    scenario = load_checked(args)
    outcome = simulate_gameday(scenario, SimulateOptions(report_dir=args.report_dir))
    summary = (
        f"{outcome.requests} requests simulated: {outcome.simulated_s:.0f} s of virtual time "
        f"in {outcome.wall_s:.1f} s ({outcome.speedup:.0f}x real time)"
    )
    ended_early = f"simulation ended early: {outcome.reason}" if outcome.interrupted else None
    return finish(outcome.notes, summary, outcome.scorecard, ended_early, outcome.run_dir)


def add_simulate(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday simulate``."""
    p = sub.add_parser(
        "simulate",
        help="run a game day in virtual time (no HTTP, no sleeping; seconds, not hours)",
        description="Run the scenario's traffic, faults, monitors and scorer against the "
        "fake provider core in virtual time, and write a run directory. The same scenario "
        "and seed give the same scorecard.",
    )
    add_scenario_flags(p)
    p.set_defaults(func=_cmd_simulate)
