"""Rendering the report of a big run as a ratio to merely reading its telemetry with ``json``.

Builds the synthetic one-hour run directory of ``rescore.py`` (1,000,000 requests, a silent
model swap in the middle, 10,000 imported alerts), scores it once (not timed), then times
(a) reading telemetry.jsonl and alerts.jsonl with the standard ``json`` module,
(b) what ``gameday report`` does: read the run, bin the telemetry, draw timeline.png and
write report.md, report.html and the postmortems.
Target: renders in a few seconds; report.html < 3 MB.

The scenario runs the whole built-in pack, so the postmortem's "caught earlier" question
reuses the recorded pack alerts; ``--replay`` leaves the pack out of the scenario so the
report has to replay all twelve monitors over the telemetry itself (the slow path).

    python benchmarks/report_render.py [--records 1000000] [--alerts 10000] [--replay]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rescore import DURATION_S, scenario_document, write_run

from simulator.orchestrate.finish import score_and_write
from simulator.report import write_report
from simulator.scenario import load_scenario


def write_scenario(run_dir: Path, replay: bool) -> Path:
    """scenario.yaml and run.json as ``gameday run`` leaves them."""
    monitors: list[Any] = [{"format_failures": {}}] if replay else ["builtin"]
    document = scenario_document("bench-report", monitors, budgets={"spend_per_minute_usd": 0.05})
    path = run_dir / "scenario.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    meta = {
        "scenario": "bench-report",
        "seed": 1,
        "mode": "realtime",
        "t0_unix": 0.0,
        "duration_s": DURATION_S,
        "interrupted": False,
        "schema_version": 1,
    }
    (run_dir / "run.json").write_bytes(orjson.dumps(meta))
    return path


def read_with_json(run_dir: Path) -> int:
    """The baseline: every line of telemetry.jsonl and alerts.jsonl through ``json.loads``."""
    count = 0
    for name in ("telemetry.jsonl", "alerts.jsonl"):
        with open(run_dir / name, encoding="utf-8") as fh:
            for line in fh:
                json.loads(line)
                count += 1
    return count


def main() -> int:
    """Build and score the run, then time the baseline and the report (best of rounds)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--replay", action="store_true", help="make the report replay the pack")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        run_dir = Path(tmp)
        started = time.perf_counter()
        write_run(run_dir, args.records, args.alerts)
        scenario = load_scenario(write_scenario(run_dir, args.replay))
        score_and_write(scenario, run_dir, mode="realtime", builtin="replay")
        print(f"set-up (write + score, not timed): {time.perf_counter() - started:.0f} s")
        base, ours = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            read_with_json(run_dir)
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = write_report(run_dir)
            ours.append(time.perf_counter() - started)
        html_mb = (run_dir / "report.html").stat().st_size / 1e6
        png_kb = (run_dir / "timeline.png").stat().st_size / 1e3
        notes = "; ".join(result.notes) or "none"
    b, o = min(base), min(ours)
    print(
        f"read telemetry + alerts with json: {b:.1f} s; report: {o:.1f} s "
        f"(best of {args.rounds}); notes: {notes}"
    )
    print(f"report.html {html_mb:.2f} MB, timeline.png {png_kb:.0f} kB")
    print(f"report / json read: {o / b:.2f} (target: a few seconds, HTML < 3 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
