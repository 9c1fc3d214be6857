"""``gameday run`` and ``gameday worker``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fake_provider.errors import GamedayError, InvalidInputError
from simulator.runbooks import preflight_runbooks
from simulator.scenario import Scenario, load_scenario, parse_duration
from simulator.scoring import Scorecard, verdict_table

EXIT_HARNESS = 3


def load_checked(args: argparse.Namespace) -> Scenario:
    """The scenario with the flags' overrides, its warnings and runbook coverage printed."""
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
    return scenario


def finish(
    notes: Sequence[str],
    summary: str,
    card: Scorecard | None,
    ended_early: str | None,
    run_dir: Path,
) -> int:
    """Print notes, the verdict table and the run directory (last); the exit code."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(summary, file=sys.stderr)
    if card is not None:
        print(verdict_table(card))
    if ended_early is not None:
        print(f"error: {ended_early}", file=sys.stderr)
    print(run_dir)
    if ended_early is not None or card is None:
        return EXIT_HARNESS
    return 0 if card.passed else 1


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.orchestrate.run import RunOptions, run_gameday
    from simulator.promstack import plan_stack

    scenario = load_checked(args)
    plan_stack(scenario)  # prometheus/alertmanager monitors: binaries, promtool, amtool
    if args.workers < 0:
        raise InvalidInputError("--workers: expected 0 or more")
    options = RunOptions(
        report_dir=args.report_dir,
        target=args.target,
        allow_remote=args.allow_remote,
        workers=args.workers,
    )
    outcome = run_gameday(scenario, options)
    ended_early = f"run ended early: {outcome.reason}" if outcome.interrupted else None
    summary = f"{outcome.requests} requests recorded"
    return finish(outcome.notes, summary, outcome.scorecard, ended_early, outcome.run_dir)


def add_scenario_flags(p: argparse.ArgumentParser) -> None:
    """The scenario argument and the flags ``run`` and ``simulate`` share."""
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        help="where run directories go (default reports/)",
    )
    p.add_argument(
        "--duration", type=check_duration, help="override the scenario duration (90s, 6m, 2h)"
    )
    p.add_argument("--users", type=int, help="override traffic.users")
    p.add_argument("--spawn-rate", type=float, help="override traffic.spawn_rate")
    p.add_argument("--seed", type=int, help="override the scenario seed")


def check_duration(text: str) -> str:
    """A ``--duration`` value, checked early so the error names the flag."""
    parse_duration(text, "--duration")
    return text


def add_run(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday run``."""
    p = sub.add_parser(
        "run",
        help="run a game day in real time against the fake provider",
        description="Start the embedded fake provider, drive locust traffic "
        "while the scenario's faults unfold, and write a run directory.",
    )
    add_scenario_flags(p)
    p.add_argument(
        "--target",
        help="send traffic to this URL (a gateway in front of the fake "
        "provider) instead of the provider itself",
    )
    p.add_argument(
        "--allow-remote", action="store_true", help="allow a --target that is not on this machine"
    )
    p.add_argument(
        "--workers", type=int, default=0, help="run a locust master with N local worker processes"
    )
    p.set_defaults(func=_cmd_run)


def _cmd_worker(args: argparse.Namespace) -> int:
    host, _, port = args.master.rpartition(":")
    if not host or not port.isdigit():
        raise InvalidInputError(f"--master {args.master!r}: expected HOST:PORT")
    from simulator.orchestrate.worker import run_worker

    try:
        run_worker(host, int(port))
    except GamedayError:
        raise
    return 0


def add_worker(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday worker``."""
    p = sub.add_parser("worker", help="join a `gameday run --workers` master as a locust worker")
    p.add_argument("--master", required=True, help="master address HOST:PORT")
    p.set_defaults(func=_cmd_worker)
