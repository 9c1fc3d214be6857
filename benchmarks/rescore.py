"""Re-scoring a big run (monitor replay + scoring) as a ratio to merely reading its JSONL.

Builds a synthetic one-hour run directory of 1,000,000 requests (telemetry and truth, a
silent model swap in the middle) and 10,000 imported alerts, then times
(a) reading telemetry.jsonl, truth.jsonl and alerts.jsonl with the standard ``json`` module,
(b) what ``gameday score`` does: load the run, replay the built-in monitors over the
telemetry, attribute and score, and write scorecard.json and junit.xml.
Target: (b) / (a) <= 3.

    python benchmarks/rescore.py [--records 1000000] [--alerts 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.orchestrate.finish import score_and_write
from simulator.scenario import parse_scenario

DURATION_S = 3600.0
SWAP = (1200.0, 2400.0)
KINDS = ("extract", "extract", "extract", "classify", "chat", "rag")


def scenario_document(name: str, monitors: list[Any], **extra: Any) -> dict[str, Any]:
    """A one-hour scenario with one silent swap in the middle (the other benchmarks' too)."""
    return {
        "name": name,
        "seed": 1,
        "duration": DURATION_S,
        "traffic": {"users": 50},
        "faults": [
            {
                "id": "swap",
                "kind": "silent_model_swap",
                "start": SWAP[0],
                "duration": SWAP[1] - SWAP[0],
                "behaviour": "prose_wrapped_json",
            }
        ],
        "monitors": monitors,
        **extra,
        "expect": [{"fault": "swap", "detect_within": 90}, {"false_alarms": 0}],
    }


def scenario():
    """A one-hour scenario with one silent swap and the built-in pack."""
    return parse_scenario(scenario_document("bench-rescore", ["builtin"]))


def write_run(run_dir: Path, n: int, n_alerts: int) -> None:
    """Synthetic telemetry, truth and alerts (one line per request; alerts every ~0.36 s)."""
    rng = random.Random(7)
    step = DURATION_S / n
    with open(run_dir / "telemetry.jsonl", "wb") as tel, open(run_dir / "truth.jsonl", "wb") as tru:
        for i in range(n):
            t = i * step
            kind = KINDS[i % len(KINDS)]
            faulty = SWAP[0] <= t < SWAP[1]
            out = int(rng.lognormvariate(3.8, 0.3))
            fmt = None if kind in ("chat",) else (rng.random() > (0.9 if faulty else 0.01))
            rid = f"req_{i:08x}"
            tel.write(
                orjson.dumps(
                    {
                        "t": t,
                        "request_id": rid,
                        "user_kind": kind,
                        "session_id": f"s{i}",
                        "step": 1,
                        "model_requested": "gpt-4o-mini",
                        "model_reported": "gpt-4o-mini",
                        "system_fingerprint": "fp_3b9e41a0c2",
                        "prompt_version": None,
                        "status": 200,
                        "outcome": "ok",
                        "error_type": None,
                        "latency_s": 0.3 + rng.random() * 0.4,
                        "ttft_s": None,
                        "input_tokens": 180 + (i % 50),
                        "output_tokens": out,
                        "cost_usd": (180 * 0.15 + out * 0.6) / 1e6,
                        "finish_reason": "stop",
                        "format_ok": fmt,
                        "correct": None if fmt is None else rng.random() > 0.05,
                        "tool_calls": [],
                        "ratelimit_remaining_tokens": 1_900_000,
                        "ratelimit_remaining_requests": 9_900,
                        "retries": 0,
                        "budget_action": None,
                        "stream": False,
                        "max_chunk_gap_s": None,
                        "api_key": "sk-1",
                        "client_faults": [],
                        "content_head": "The answer is ready.",
                        "schema_version": 1,
                    }
                )
                + b"\n"
            )
            tru.write(
                orjson.dumps(
                    {
                        "t": t,
                        "request_id": rid,
                        "api_key": "sk-1",
                        "model": "gpt-4o-mini",
                        "behaviour": "prose_wrapped_json" if faulty else "baseline",
                        "fault_ids": ["swap"] if faulty else [],
                        "status": 200,
                        "input_tokens": 180,
                        "output_tokens": out,
                        "cost_usd": 0.0001,
                        "endpoint": "chat",
                        "format_broken": bool(faulty and not fmt),
                        "schema_version": 1,
                    }
                )
                + b"\n"
            )
    with open(run_dir / "alerts.jsonl", "wb") as fh:
        for j in range(n_alerts):
            fired = j * DURATION_S / n_alerts
            fh.write(
                orjson.dumps(
                    {
                        "name": f"TeamAlert{j % 20}",
                        "source": "prometheus",
                        "labels": {"alertname": f"TeamAlert{j % 20}", "severity": "page"},
                        "annotations": {},
                        "fired_at": fired,
                        "resolved_at": fired + 30.0,
                        "fired_at_utc": None,
                        "resolved_at_utc": None,
                        "fingerprint": f"{j:016x}",
                        "schema_version": 1,
                    }
                )
                + b"\n"
            )


def read_with_json(run_dir: Path) -> int:
    """The baseline: every line of the three files through ``json.loads``."""
    count = 0
    for name in ("telemetry.jsonl", "truth.jsonl", "alerts.jsonl"):
        with open(run_dir / name, encoding="utf-8") as fh:
            for line in fh:
                json.loads(line)
                count += 1
    return count


def rescore(run_dir: Path) -> float:
    """What ``gameday score`` does; returns the score it computed."""
    card = score_and_write(scenario(), run_dir, mode="realtime", builtin="replay")
    return card.score


def main() -> int:
    """Time both sides (baseline, ours, baseline) and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rescore-") as tmp:
        run_dir = Path(tmp)
        write_run(run_dir, args.records, args.alerts)
        started = time.perf_counter()
        read_with_json(run_dir)
        base_1 = time.perf_counter() - started
        started = time.perf_counter()
        score = rescore(run_dir)
        ours = time.perf_counter() - started
        started = time.perf_counter()
        read_with_json(run_dir)
        base_2 = time.perf_counter() - started
    base = (base_1 + base_2) / 2
    print(f"read with json: {base:.1f} s; replay + score: {ours:.1f} s (score {score})")
    print(f"rescore / json read: {ours / base:.2f} (target <= 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
