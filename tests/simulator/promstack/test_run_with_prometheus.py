"""``gameday run`` with a real Prometheus evaluating the shipped rules and a real Alertmanager
routing them: one short run, loopback only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "scenarios" / "rules" / "llm-alerts.yml"

SCENARIO = """
name: prom-e2e
description: Silent swap, quota cut and a latency fault, judged by Prometheus rules only.
seed: 3
duration: 45s
provider:
  models:
    gpt-4o-mini: {{behaviour: fast, price: {{input: 0.15, output: 0.60}}}}
  rate_limits: {{tpm: 50000000, rpm: 1000000}}
behaviours:
  fast: {{extends: baseline, ttft_ms: 20, itl_ms: 1}}
  fast_prose: {{extends: prose_wrapped_json, ttft_ms: 20, itl_ms: 1}}
traffic:
  users: 6
  spawn_rate: 6
  mix: {{extract: 4, chat: 2}}
  think_time: {{min: 0.05s, max: 0.2s}}
faults:
  - {{id: swap, kind: silent_model_swap, start: 6s, duration: 12s, behaviour: fast_prose}}
  - {{id: quota-cut, kind: rate_limit, start: 22s, duration: 10s, tpm: 20000}}
  - {{id: slow, kind: latency, start: 34s, duration: 8s, extra_ms: 150}}
monitors:
  - prometheus: {{rules: {rules}, scrape_interval: 1s, evaluation_interval: 1s}}
  - prometheus: {{rules: team-latency.yml, scrape_interval: 1s, evaluation_interval: 1s}}
  - alertmanager: {{config: alertmanager.yml}}
expect:
  - {{fault: swap, detect_within: 20s}}
  - {{fault: quota-cut, detect_within: 20s}}
  - {{false_alarms: 0}}
"""

# A team rule whose threshold the latency fault never reaches: the fault goes undetected.
TEAM_LATENCY = """
groups:
  - name: team
    rules:
      - alert: TeamLatencyP99Over30s
        expr: >-
          histogram_quantile(0.99, sum by (le)
          (rate(gen_ai_client_operation_duration_seconds_bucket[20s]))) > 30
        for: 2s
        labels: {severity: page, failure_class: latency}
"""

# Pages wait 1s in a group, warnings 3s: the notified leg must show the difference.
ALERTMANAGER = """
route:
  receiver: pager
  group_by: [alertname, kind]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
  routes:
    - {receiver: tickets, matchers: ['severity="warning"'], group_wait: 3s}
receivers:
  - name: pager
  - name: tickets
"""

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None or shutil.which("prometheus-alertmanager") is None,
    reason="needs prometheus and prometheus-alertmanager (apt-get install ...)",
)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_shipped_rules_in_real_prometheus_and_alertmanager_give_staged_detections(
    tmp_path: Path,
) -> None:
    (tmp_path / "team-latency.yml").write_text(TEAM_LATENCY)
    (tmp_path / "alertmanager.yml").write_text(ALERTMANAGER)
    scenario = tmp_path / "prom-e2e.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO.format(rules=RULES)))
    proc = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "run", str(scenario), "--report-dir",
         str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=150,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    for name in ("prometheus.yml", "prometheus.log", "alertmanager.yml", "alertmanager.log",
                 "rules/llm-alerts.yml", "rules/team-latency.yml"):  # fmt: skip
        assert (run_dir / name).exists(), name
    prom_config = yaml.safe_load((run_dir / "prometheus.yml").read_text())
    assert prom_config["rule_files"] == ["rules/llm-alerts.yml", "rules/team-latency.yml"]
    am_config = yaml.safe_load((run_dir / "alertmanager.yml").read_text())
    assert all(r["webhook_configs"][-1]["url"].endswith("/webhook") for r in am_config["receivers"])

    alerts = _jsonl(run_dir / "alerts.jsonl")
    assert {a["source"] for a in alerts} == {"prometheus", "alertmanager"}  # no built-in pack
    assert not any(a["name"] == "TeamLatencyP99Over30s" for a in alerts)
    for a in alerts:
        assert a["pending_at"] is not None and a["notified_at"] is not None, a
        assert a["pending_at"] <= a["fired_at"] <= a["notified_at"] + 1e-3, a
        lag = a["notified_at"] - a["fired_at"]
        if a["source"] == "prometheus":
            assert lag < 1.0, a  # straight from Prometheus' notifier
        elif a["labels"]["severity"] == "warning":
            assert lag >= 2.9, a  # the tickets route's group_wait
        else:
            assert lag >= 0.9, a  # the pager route's group_wait

    card = json.loads((run_dir / "scorecard.json").read_text())
    faults = {f["id"]: f for f in card["faults"]}
    swap, quota, slow = faults["swap"], faults["quota-cut"], faults["slow"]
    assert swap["detected"] and swap["first_alert"]["name"] == "LlmFormatFailureRatioHigh"
    assert quota["detected"] and quota["first_alert"]["labels"]["failure_class"] == "rate_limit"
    for verdict in (swap, quota):
        assert verdict["first_alert"]["source"] == "alertmanager"  # the notification counts
        stages = verdict["detection_stages"]
        assert set(stages) == {"pending_s", "firing_s", "notified_s"}
        assert stages["firing_s"] == pytest.approx(verdict["time_to_detect_s"], abs=2e-3)
        assert stages["pending_s"] <= stages["firing_s"] <= stages["notified_s"]
        # `for: 3s` at a 1s evaluation interval: firing 3-4 evaluations after pending.
        assert 2.9 <= stages["firing_s"] - stages["pending_s"] <= 4.2, stages
        assert stages["notified_s"] - stages["firing_s"] >= 0.9, stages
        assert verdict["time_to_detect_s"] <= 20
    assert slow["onset_s"] is not None
    assert slow["detected"] is False and slow["detection_stages"] is None
    assert card["false_alarms"] == []
