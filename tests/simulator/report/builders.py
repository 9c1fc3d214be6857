"""A synthetic run directory, scored by the real scorer: a swap and a quota cut in one minute.

Every number the report tests check comes from the scorecard.json written here (or is
computed from the telemetry written here), never from the report code itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml

from fake_provider.records import TruthRecord
from simulator.orchestrate.finish import score_and_write
from simulator.records import Alert, TelemetryRecord
from simulator.scenario import load_scenario

DURATION_S = 60.0
SWAP = (20.0, 35.0)
QUOTA = (42.0, 50.0)
RATE_PER_S = 15


def scenario_document(monitors: Sequence[Any]) -> dict[str, Any]:
    """The scenario the synthetic run pretends to have run."""
    return {
        "name": "synthetic",
        "description": "A swap, then a quota cut.",
        "seed": 11,
        "duration": "60s",
        "traffic": {"users": 4, "spawn_rate": 4, "mix": {"extract": 3, "chat": 1, "agent": 1}},
        "faults": [
            {
                "id": "swap",
                "kind": "silent_model_swap",
                "start": "20s",
                "duration": "15s",
                "behaviour": "prose_wrapped_json",
            },
            {"id": "quota", "kind": "rate_limit", "start": "42s", "duration": "8s", "tpm": 1000},
        ],
        "monitors": list(monitors),
        "budgets": {"spend_per_minute_usd": 0.002, "agent_max_steps": 6},
        "expect": [
            {"fault": "swap", "detect_within": "20s"},
            {"fault": "quota", "detect_within": "20s"},
            {"false_alarms": 0},
        ],
    }


def _records(seed: int) -> tuple[list[TelemetryRecord], list[TruthRecord]]:
    """Telemetry and truth for one minute at ``RATE_PER_S`` requests a second."""
    rng = random.Random(seed)
    tel, truth = [], []
    kinds = ("extract", "extract", "extract", "chat", "agent")
    for i in range(int(DURATION_S * RATE_PER_S)):
        t = i / RATE_PER_S + rng.random() * 0.01
        kind = kinds[i % len(kinds)]
        swapped = SWAP[0] <= t < SWAP[1]
        limited = QUOTA[0] <= t < QUOTA[1] and rng.random() < 0.5
        fmt = None if kind == "chat" else not (swapped and rng.random() < 0.8)
        out = 0 if limited else int(rng.uniform(40, 80) * (3 if swapped else 1))
        cost = 0.0 if limited else (150 * 0.15 + out * 0.6) / 1e6
        rid = f"req-{i:06d}"
        faults = ("swap",) if swapped else ("quota",) if limited else ()
        tel.append(
            TelemetryRecord(
                t=t,
                request_id=rid,
                user_kind=kind,
                session_id=f"{kind}-{i // 25}",
                step=1 + (i // 5) % 4 if kind == "agent" else 1,
                model_requested="gpt-4o-mini",
                model_reported=None if limited else "gpt-4o-mini",
                system_fingerprint="fp_1",
                prompt_version=None,
                status=429 if limited else 200,
                outcome="rate_limited" if limited else "ok",
                error_type="RateLimitError" if limited else None,
                latency_s=0.05 if limited else 0.2 + 0.1 * rng.random(),
                ttft_s=0.05 + 0.02 * rng.random() if i % 4 == 0 and not limited else None,
                input_tokens=0 if limited else 150,
                output_tokens=out,
                cost_usd=cost,
                finish_reason=None if limited else "stop",
                format_ok=None if limited else fmt,
                correct=None if limited or kind == "chat" else rng.random() > 0.05,
                stream=i % 4 == 0,
                api_key="sk-1",
                ratelimit_remaining_tokens=500 if QUOTA[0] <= t < QUOTA[1] else 1_900_000,
            )
        )
        truth.append(
            TruthRecord(
                t=t,
                request_id=rid,
                api_key="sk-1",
                model="gpt-4o-mini",
                behaviour="prose_wrapped_json" if swapped else "baseline",
                fault_ids=faults,
                status=429 if limited else 200,
                input_tokens=0 if limited else 150,
                output_tokens=out,
                cost_usd=cost,
                format_broken=fmt is False,
            )
        )
    return tel, truth


def _jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))


def make_run(
    run_dir: Path,
    *,
    monitors: Sequence[Any] = (
        {"format_failures": {"baseline_s": 10}},
        {"rate_limited": {"baseline_s": 10}},
    ),
    alerts: Sequence[Alert] = (),
    builtin: str = "replay",
    seed: int = 3,
) -> dict[str, Any]:
    """Write and score a synthetic run directory; returns its scorecard.json as a dict."""
    run_dir.mkdir(parents=True, exist_ok=True)
    tel, truth = _records(seed)
    _jsonl(run_dir / "telemetry.jsonl", [r.to_json() for r in tel])
    _jsonl(run_dir / "truth.jsonl", [r.to_json() for r in truth])
    _jsonl(run_dir / "alerts.jsonl", [a.to_json() for a in alerts])
    (run_dir / "actions.jsonl").write_bytes(b"")
    (run_dir / "scenario.yaml").write_text(yaml.safe_dump(scenario_document(monitors)))
    meta = {
        "scenario": "synthetic",
        "seed": 11,
        "mode": "realtime",
        "t0_unix": 1.7e9,
        "duration_s": DURATION_S,
        "users": 4,
        "spawn_rate": 4,
        "requests": len(tel),
        "interrupted": False,
        "reason": None,
        "schema_version": 1,
    }
    (run_dir / "run.json").write_bytes(orjson.dumps(meta))
    scenario = load_scenario(run_dir / "scenario.yaml")
    score_and_write(scenario, run_dir, mode="realtime", builtin=builtin, t0_unix=1.7e9)  # type: ignore[arg-type]
    return dict(orjson.loads((run_dir / "scorecard.json").read_bytes()))


def team_alert(name: str, fired_at: float, failure_class: str, **annotations: str) -> Alert:
    """An alert as a team's own Alertmanager would have sent it."""
    return Alert(
        name=name,
        source="alertmanager",
        labels={"alertname": name, "failure_class": failure_class},
        annotations=dict(annotations),
        fired_at=fired_at,
    )
