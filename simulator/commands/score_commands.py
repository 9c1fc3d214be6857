"""``gameday score``: re-score a run directory, e.g. with alerts exported from your stack."""

from __future__ import annotations

import argparse
from pathlib import Path

from fake_provider.errors import InvalidInputError
from simulator.orchestrate.finish import read_meta, score_and_write
from simulator.scenario import Scenario, load_scenario
from simulator.scoring import verdict_table


def scenario_of_run(run_dir: Path, explicit: Path | None = None) -> Scenario:
    """The scenario a run used: ``--scenario``, else where run.json says it came from,
    else the copy kept in the run directory."""
    if explicit is not None:
        return load_scenario(explicit)
    recorded = read_meta(run_dir).get("scenario_path")
    if isinstance(recorded, str) and Path(recorded).is_file():
        return load_scenario(recorded)
    copy = run_dir / "scenario.yaml"
    if copy.is_file():
        return load_scenario(copy)
    raise InvalidInputError(f"{run_dir}: no scenario found; pass --scenario FILE")


def _cmd_score(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    if not run_dir.is_dir():
        raise InvalidInputError(f"{run_dir}: expected a run directory")
    scenario = scenario_of_run(run_dir, args.scenario)
    meta = read_meta(run_dir)
    t0 = meta.get("t0_unix")
    t0_unix = float(t0) if isinstance(t0, int | float) else 0.0
    if args.alerts and not isinstance(t0, int | float):
        raise InvalidInputError(
            f"{run_dir}/run.json: no run start time, so UTC alert times cannot be converted"
        )
    mode = "virtual" if meta.get("mode") == "virtual" else "realtime"
    card = score_and_write(
        scenario,
        run_dir,
        mode=mode,
        builtin="none" if args.no_builtin else "replay",
        extra_alert_files=args.alerts,
        t0_unix=t0_unix,
    )
    print(verdict_table(card))
    print(run_dir)
    return 0 if card.passed else 1


def add_score(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday score``."""
    p = sub.add_parser(
        "score",
        help="re-score a run directory",
        description="Replay the built-in monitors over the recorded telemetry, "
        "add alerts from files, and write scorecard.json and junit.xml again.",
    )
    p.add_argument("run_dir", type=Path, help="reports/<scenario>-<timestamp>/")
    p.add_argument(
        "--alerts",
        type=Path,
        action="append",
        default=[],
        help="alerts to add: our alerts.jsonl, an Alertmanager webhook payload or "
        "a /api/v2/alerts array (repeatable)",
    )
    p.add_argument(
        "--no-builtin",
        action="store_true",
        help="leave the built-in monitors out (score only your own alerts)",
    )
    p.add_argument("--scenario", type=Path, help="the scenario file, if it moved")
    p.set_defaults(func=_cmd_score)
