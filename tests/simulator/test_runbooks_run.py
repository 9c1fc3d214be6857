"""Runbooks in a real-time ``gameday run`` with locust workers: the alert's runbook pins the
model through the provider's admin API, and the scorecard shows the mitigation and its
time; client-side mitigations and guard actions cross the master/worker boundary."""

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


KILL_LOOPS_RUNBOOK = """---
id: stop-agents
alerts: [LLMFormatFailures, LLMModelChanged]
failure_classes: [agent_loop]
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
def test_runbooks_and_guards_act_across_locust_workers(tmp_path: Path) -> None:
    """One run with two locust workers: the swap runbook pins the model through the admin
    API and the scorecard shows the mitigation and its time; a client-side runbook reaches
    both workers; the workers' guard actions and every record reach the master."""
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "silent-model-swap.md").write_text(
        (REPO / "scenarios" / "runbooks" / "silent-model-swap.md").read_text()
    )
    (books / "stop-agents.md").write_text(KILL_LOOPS_RUNBOOK)
    text = textwrap.dedent(SCENARIO.format(runbooks="runbooks/"))
    # locust hands users to workers in turn: 2:1 gives each worker agents
    text = text.replace("mix: {extract: 4, chat: 1}", "mix: {extract: 2, agent: 1}")
    text = text.replace("users: 6\n  spawn_rate: 6", "users: 12\n  spawn_rate: 12")
    budgets = "runbooks: runbooks/\nbudgets: {session_tokens: 90}"  # about half the agents
    text = text.replace("runbooks: runbooks/", budgets)
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
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    card = json.loads((run_dir / "scorecard.json").read_text())
    assert proc.returncode == 0, (proc.stderr[-2000:], card["expectations"])
    actions = _jsonl(run_dir / "actions.jsonl")
    telemetry = _jsonl(run_dir / "telemetry.jsonl")
    truth = _jsonl(run_dir / "truth.jsonl")
    _the_pin_stopped_the_swap(card, actions, telemetry, truth)
    _controls_and_guards_crossed_workers(actions, telemetry)
    completed = [r for r in truth if r["status"] != 499]
    # every answered request has its client record (retries fold into one record)
    assert len(telemetry) >= 0.95 * len({r.get("client_request_id") for r in completed})
    alerts = _jsonl(run_dir / "alerts.jsonl")
    assert all(a["annotations"]["runbook_url"].endswith(".md") for a in alerts)


def _the_pin_stopped_the_swap(
    card: dict[str, Any],
    actions: list[dict[str, Any]],
    telemetry: list[dict[str, Any]],
    truth: list[dict[str, Any]],
) -> None:
    fault = card["faults"][0]
    assert fault["detected"] and fault["mitigated"] and fault["runbook"] == "silent-model-swap"
    pins = [a for a in actions if a["kind"] == "pin_model"]
    assert len(pins) == 1 and pins[0]["detail"]["ok"] is True
    assert pins[0]["target"] == "gpt-4o-mini"
    first_alert = fault["first_alert"]["fired_at"]
    assert first_alert <= pins[0]["t"] <= first_alert + 2.0  # delay 0: the next tick
    assert fault["mitigated_at_s"] == pins[0]["t"]
    assert 0 < fault["time_to_mitigate_s"] <= fault["time_to_detect_s"] + 5.0
    # ground truth: no request after the pin (and its in-flight stragglers) got the swap
    swapped = [r["t"] for r in truth if "swap" in r["fault_ids"]]
    assert max(swapped) <= pins[0]["t"] + 1.0
    # the damage stopped: JSON is back for the rest of the fault window
    late = [r for r in telemetry if pins[0]["t"] + 2 <= r["t"] < 34 and r["user_kind"] == "extract"]
    assert late and sum(bool(r["format_ok"]) for r in late) >= 0.9 * len(late)
    mapped = {(m["alert"], m["declares_class"]) for m in card["runbooks"]["alerts"]}
    assert ("LLMFormatFailures", True) in mapped
    assert card["runbooks"]["faults_mitigated"] == 1
    assert card["runbooks"]["alerts_without_runbook"] == []


def _node(record: dict[str, Any]) -> str:
    return str(record["session_id"].split("-")[1].split(".")[0])


def _controls_and_guards_crossed_workers(
    actions: list[dict[str, Any]], telemetry: list[dict[str, Any]]
) -> None:
    cuts = [a for a in actions if a["kind"] == "budget_cut" and a["cause"] == "session_tokens"]
    kills = [a for a in actions if a["kind"] == "kill_looping_sessions"]
    assert cuts and len(kills) == 1 and kills[0]["detail"]["ok"] is True
    agents = [r for r in telemetry if r["user_kind"] == "agent"]
    assert {_node(r) for r in agents} == {"0", "1"}  # both workers sent agent traffic
    cut_sessions = {r["session_id"] for r in agents if r["budget_action"] == "session_tokens"}
    assert {a["target"] for a in cuts} == cut_sessions
    killed = [r for r in agents if r["budget_action"] == "kill_looping_sessions"]
    assert killed and all(r["step"] == 1 and r["t"] >= kills[0]["t"] - 1 for r in killed)
    assert {_node(r) for r in killed} == {"0", "1"}  # the controls reached both workers
    late = [r for r in agents if r["t"] > kills[0]["t"] + 3]
    assert late and max(r["step"] for r in late) == 1
