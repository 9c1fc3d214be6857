"""``gameday report``: regenerate a run directory's report from its recorded files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fake_provider.errors import InvalidInputError

#: Files whose presence makes a directory a run directory.
RUN_MARKERS = ("scorecard.json", "run.json", "telemetry.jsonl")


def _cmd_report(args: argparse.Namespace) -> int:
    from simulator.report import write_report

    run_dir: Path = args.run_dir
    if not run_dir.is_dir() or not any((run_dir / name).is_file() for name in RUN_MARKERS):
        raise InvalidInputError(
            f"{run_dir}: not a run directory (no scorecard.json, run.json or telemetry.jsonl); "
            "expected reports/<scenario>-<UTC timestamp>/ as `gameday run` writes it"
        )
    if not (run_dir / "scorecard.json").is_file():
        raise InvalidInputError(
            f"{run_dir}: no scorecard.json, so there is nothing to report yet; "
            f"score the run first: gameday score {run_dir}"
        )
    result = write_report(run_dir)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for path in result.written:
        print(path)
    if result.html is None:
        print("error: report.html could not be written (see the notes above)", file=sys.stderr)
        return 3
    return 0


def add_report(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday report``."""
    p = sub.add_parser(
        "report",
        help="regenerate a run's report (report.html, report.md, timeline.png, postmortems)",
        description="Write timeline.png, report.md, a self-contained report.html and a "
        "postmortem draft per fault from a run directory's recorded files.",
    )
    p.add_argument("run_dir", type=Path, help="reports/<scenario>-<timestamp>/")
    p.set_defaults(func=_cmd_report)
