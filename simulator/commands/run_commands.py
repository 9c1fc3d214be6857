"""``gameday run`` and ``gameday worker``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fake_provider.errors import GamedayError, InvalidInputError
from simulator.runbooks import preflight_runbooks
from simulator.scenario import load_scenario, parse_duration
from simulator.scoring import verdict_table

EXIT_HARNESS = 3


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.orchestrate.run import RunOptions, run_gameday

    overrides = {
        "seed": args.seed,
        "duration": args.duration,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
    }
    scenario = load_scenario(args.scenario, overrides=overrides)
    for warning in scenario.warnings:
        print(f"warning: {warning.path}: {warning.message}", file=sys.stderr)
    from simulator.promstack import plan_stack

    plan_stack(scenario)  # prometheus/alertmanager monitors: binaries, promtool, amtool
    for problem in preflight_runbooks(scenario):
        print(f"warning: {problem}", file=sys.stderr)
    if args.workers < 0:
        raise InvalidInputError("--workers: expected 0 or more")
    options = RunOptions(
        report_dir=args.report_dir,
        target=args.target,
        allow_remote=args.allow_remote,
        workers=args.workers,
    )
    outcome = run_gameday(scenario, options)
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{outcome.requests} requests recorded", file=sys.stderr)
    card = outcome.scorecard
    if card is not None:
        print(verdict_table(card))
    if outcome.interrupted:
        print(f"error: run ended early: {outcome.reason}", file=sys.stderr)
    print(outcome.run_dir)
    if outcome.interrupted or card is None:
        return EXIT_HARNESS
    return 0 if card.passed else 1


def _duration(text: str) -> str:
    parse_duration(text, "--duration")  # fail early with the flag named
    return text


def add_run(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday run``."""
    p = sub.add_parser(
        "run",
        help="run a game day in real time against the fake provider",
        description="Start the embedded fake provider, drive locust traffic "
        "while the scenario's faults unfold, and write a run directory.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        help="where run directories go (default reports/)",
    )
    p.add_argument("--duration", type=_duration, help="override the scenario duration (90s, 6m)")
    p.add_argument("--users", type=int, help="override traffic.users")
    p.add_argument("--spawn-rate", type=float, help="override traffic.spawn_rate")
    p.add_argument("--seed", type=int, help="override the scenario seed")
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
