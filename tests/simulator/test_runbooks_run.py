"""Runbooks in a real-time ``gameday run``: the alert's runbook pins the model through the
provider's admin API, and the scorecard shows the mitigation and its time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

SCENARIO = """
name: pin-on-swap
description: A silent swap that the swap runbook's automation pins away.
seed: 11
duration: 36s
provider:
  models:
    gpt-4o-mini: {{behaviour: fast, price: {{input: 0.15, output: 0.60}}}}
behaviours:
  fast: {{extends: baseline, ttft_ms: 20, itl_ms: 1}}
  fast_prose: {{extends: prose_wrapped_json, ttft_ms: 20, itl_ms: 1}}
traffic:
  users: 6
  spawn_rate: 6
  mix: {{extract: 4, chat: 1}}
  think_time: {{min: 0.05s, max: 0.2s}}
faults:
  - {{id: swap, kind: silent_model_swap, start: 10s, duration: 24s, behaviour: fast_prose}}
monitors:
  - format_failures: {{baseline_s: 8}}
  - model_change: {{baseline_s: 8}}
runbooks: {runbooks}
responder: {{delay: 0s}}
expect:
  - {{fault: swap, detect_within: 15s}}
  - {{fault: swap, mitigated_within: 20s}}
"""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_the_swap_runbook_pins_the_model_and_the_scorecard_shows_it(tmp_path: Path) -> None:
    scenario = tmp_path / "pin.yaml"
    text = SCENARIO.format(runbooks=REPO / "scenarios" / "runbooks")
    scenario.write_text(textwrap.dedent(text))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "run",
            str(scenario),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    card = json.loads((run_dir / "scorecard.json").read_text())
    assert proc.returncode == 0, (proc.stderr[-2000:], card["expectations"])
    fault = card["faults"][0]
    assert fault["detected"] and fault["mitigated"] and fault["runbook"] == "silent-model-swap"
    actions = _jsonl(run_dir / "actions.jsonl")
    pins = [a for a in actions if a["kind"] == "pin_model"]
    assert pins and pins[0]["detail"]["ok"] is True and pins[0]["target"] == "gpt-4o-mini"
    first_alert = fault["first_alert"]["fired_at"]
    assert first_alert <= pins[0]["t"] <= first_alert + 2.0  # delay 0: the next tick
    assert fault["mitigated_at_s"] == pins[0]["t"]
    assert 0 < fault["time_to_mitigate_s"] <= fault["time_to_detect_s"] + 5.0
    # ground truth: no request after the pin (and its in-flight stragglers) got the swap
    swapped = [r["t"] for r in _jsonl(run_dir / "truth.jsonl") if "swap" in r["fault_ids"]]
    assert max(swapped) <= pins[0]["t"] + 1.0
    # the damage stopped: JSON is back for the rest of the fault window
    late = [
        r
        for r in _jsonl(run_dir / "telemetry.jsonl")
        if pins[0]["t"] + 2 <= r["t"] < 34 and r["user_kind"] == "extract"
    ]
    assert late and sum(bool(r["format_ok"]) for r in late) >= 0.9 * len(late)
    alerts = _jsonl(run_dir / "alerts.jsonl")
    assert all(a["annotations"]["runbook_url"].endswith(".md") for a in alerts)
    mapped = {(m["alert"], m["declares_class"]) for m in card["runbooks"]["alerts"]}
    assert ("LLMFormatFailures", True) in mapped
    assert card["runbooks"]["faults_mitigated"] == 1
    assert card["runbooks"]["alerts_without_runbook"] == []


KILL_LOOPS_RUNBOOK = """---
id: stop-agents
alerts: [LLMFormatFailures, LLMModelChanged]
failure_classes: [silent_model_swap]
severity: critical
mitigation:
  - kill_looping_sessions: {max_steps: 1}
---
# Stop agents
## Trigger
Format failures.
## Diagnosis
Look at the sessions.
## Mitigation
End agent sessions after their first step.
## Escalation
Page the agent owner.
"""


@pytest.mark.slow
def test_with_workers_guard_actions_reach_the_master_and_mitigations_reach_the_workers(
    tmp_path: Path,
) -> None:
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "stop-agents.md").write_text(KILL_LOOPS_RUNBOOK)
    text = textwrap.dedent(SCENARIO.format(runbooks="runbooks/"))
    # locust hands users to workers in turn: 2:1 gives each worker agents
    text = text.replace("mix: {extract: 4, chat: 1}", "mix: {extract: 2, agent: 1}")
    text = text.replace("users: 6\n  spawn_rate: 6", "users: 12\n  spawn_rate: 12")
    budgets = "runbooks: runbooks/\nbudgets: {session_tokens: 90}"  # about half the agents
    text = text.replace("runbooks: runbooks/", budgets)
    text = text.replace("  - {fault: swap, mitigated_within: 20s}\n", "")
    scenario = tmp_path / "workers.yaml"
    scenario.write_text(text)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "run",
            str(scenario),
            "--workers",
            "2",
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    actions = _jsonl(run_dir / "actions.jsonl")
    cuts = [a for a in actions if a["kind"] == "budget_cut" and a["cause"] == "session_tokens"]
    kills = [a for a in actions if a["kind"] == "kill_looping_sessions"]
    assert cuts and len(kills) == 1 and kills[0]["detail"]["ok"] is True
    telemetry = _jsonl(run_dir / "telemetry.jsonl")
    agents = [r for r in telemetry if r["user_kind"] == "agent"]
    nodes = {r["session_id"].split("-")[1].split(".")[0] for r in agents}
    assert len(nodes) == 2  # both workers sent agent traffic
    cut_sessions = {r["session_id"] for r in agents if r["budget_action"] == "session_tokens"}
    assert {a["target"] for a in cuts} == cut_sessions
    killed = [r for r in agents if r["budget_action"] == "kill_looping_sessions"]
    assert killed and all(r["step"] == 1 and r["t"] >= kills[0]["t"] - 1 for r in killed)
    assert len({r["session_id"].split("-")[1].split(".")[0] for r in killed}) == 2
    late = [r for r in agents if r["t"] > kills[0]["t"] + 3]
    assert late and max(r["step"] for r in late) == 1
