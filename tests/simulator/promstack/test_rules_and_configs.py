"""The shipped rules under promtool, pre-flight checks with exit 2, and the config files a run
writes, each checked by the real promtool and amtool."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from simulator.promstack import alertmanager_config, prometheus_config, run_rule_tests
from simulator.promstack.activations import activations_from_matrix
from simulator.promstack.configs import ScrapeTargets, copy_rules, prom_duration, write_yaml
from simulator.records import alert_fingerprint

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "scenarios" / "rules" / "llm-alerts.yml"
RULE_TESTS = REPO / "scenarios" / "rules" / "llm-alerts.test.yml"
CLASSES = {
    "silent_model_swap", "rate_limit", "token_burst", "agent_loop", "prompt_regression",
    "config_drift", "input_drift", "retrieval_degradation", "latency", "server_error",
}  # fmt: skip

pytestmark = pytest.mark.skipif(
    shutil.which("promtool") is None or shutil.which("amtool") is None,
    reason="needs promtool and amtool (apt-get install prometheus prometheus-alertmanager)",
)


def _gameday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_shipped_rules_pass_their_promtool_unit_tests() -> None:
    proc = run_rule_tests("promtool", RULE_TESTS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_promtool_unit_tests_fail_when_a_rule_is_weakened(tmp_path: Path) -> None:
    """The unit tests can fail: raise the 429 threshold past reach and they must."""
    text = RULES.read_text().replace(
        "sum(llm:requests:rate20s) > 0.05", "sum(llm:requests:rate20s) > 5"
    )
    assert text != RULES.read_text()
    (tmp_path / "llm-alerts.yml").write_text(text)
    shutil.copyfile(RULE_TESTS, tmp_path / "llm-alerts.test.yml")
    proc = run_rule_tests("promtool", tmp_path / "llm-alerts.test.yml")
    assert proc.returncode != 0
    assert "LlmRateLimited" in proc.stdout + proc.stderr


def test_every_shipped_alert_names_a_class_a_severity_and_an_existing_runbook() -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    assert {a["labels"]["failure_class"] for a in alerts} >= {"rate_limit", "token_burst"}
    for rule in alerts:
        assert set(rule["labels"]["failure_class"].split(",")) <= CLASSES, rule["alert"]
        assert rule["labels"]["severity"] in ("page", "warning"), rule["alert"]
        runbook = rule["annotations"]["runbook_url"]
        assert runbook.startswith("scenarios/runbooks/") and (REPO / runbook).is_file(), runbook
        assert rule["for"] in ("2s", "3s", "5s"), rule["alert"]


def _scenario(tmp_path: Path, rules: str, extra_monitor: str = "") -> Path:
    (tmp_path / "rules.yml").write_text(textwrap.dedent(rules))
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            name: bad-rules
            duration: 30s
            traffic: {{users: 1}}
            monitors:
              - prometheus: {{rules: rules.yml, scrape_interval: 1s, evaluation_interval: 1s}}
            {extra_monitor}
            """
        )
    )
    return path


BAD_RULES = """
groups:
  - name: broken
    rules:
      - alert: Broken
        expr: sum(rate(llm_requests_total[20s]) >
"""


@pytest.mark.parametrize("command", ["run", "lint"])
def test_invalid_rules_exit_2_with_promtools_message(tmp_path: Path, command: str) -> None:
    scenario = _scenario(tmp_path, BAD_RULES)
    args = [command, str(scenario)]
    if command == "run":
        args += ["--report-dir", str(tmp_path / "reports")]
    proc = _gameday(*args)
    assert proc.returncode == 2, proc.stderr
    assert "monitors[0].prometheus.rules is invalid" in proc.stderr
    assert "parse error" in proc.stderr  # promtool's own words
    assert not (tmp_path / "reports").exists()  # nothing ran


def test_invalid_alertmanager_config_exits_2_with_amtools_message(tmp_path: Path) -> None:
    (tmp_path / "am.yml").write_text("route: {receiver: nobody}\nreceivers: [{name: team}]\n")
    good = "groups: [{name: g, rules: [{alert: A, expr: vector(1) > 2}]}]\n"
    scenario = _scenario(tmp_path, good, "  - alertmanager: {config: am.yml}")
    proc = _gameday("lint", str(scenario))
    assert proc.returncode == 2, proc.stderr
    assert 'undefined receiver "nobody"' in proc.stderr


def test_written_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    rules = copy_rules([RULES], tmp_path)
    targets = ScrapeTargets("127.0.0.1:9101", "127.0.0.1:9102", "127.0.0.1:9101", "127.0.0.1:9103")
    config = prometheus_config(targets, rules, 1.0, 0.5)
    write_yaml(tmp_path / "prometheus.yml", config)
    proc = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "15 rules found" in proc.stdout
    managers = config["alerting"]["alertmanagers"]
    assert [m["static_configs"][0]["targets"] for m in managers] == [
        ["127.0.0.1:9101"],
        ["127.0.0.1:9103"],
    ]
    assert {m["api_version"] for m in managers} == {"v2"}
    assert config["global"]["evaluation_interval"] == "500ms" == prom_duration(0.5)


def test_alertmanager_rewrite_keeps_routes_and_adds_the_harness_to_every_receiver(
    tmp_path: Path,
) -> None:
    team_path = REPO / "scenarios" / "alertmanager" / "team-routing.yml"
    team = yaml.safe_load(team_path.read_text())
    config = alertmanager_config(team, "http://127.0.0.1:9999/webhook", team_path.parent)
    write_yaml(tmp_path / "alertmanager.yml", config)
    proc = subprocess.run(
        ["amtool", "check-config", str(tmp_path / "alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert config["route"] == team["route"] and config["inhibit_rules"] == team["inhibit_rules"]
    hooks = {r["name"]: [h["url"] for h in r["webhook_configs"]] for r in config["receivers"]}
    assert hooks == {
        "oncall-pager": ["http://127.0.0.1:9/oncall", "http://127.0.0.1:9999/webhook"],
        "ticket-queue": ["http://127.0.0.1:9999/webhook"],
    }
    assert "webhook_configs" not in team["receivers"][1]  # the team's data is not mutated


def test_activations_split_a_series_where_active_at_changes() -> None:
    labels = {"__name__": "ALERTS_FOR_STATE", "alertname": "A", "severity": "page"}
    series = {
        "metric": labels,
        "values": [[100.25, "100"], [101.25, "100"], [140.5, "140"], [141.5, "140"]],
    }
    restored_late = {"metric": {"alertname": "B"}, "values": [[205.0, "200"], [206.0, "200"]]}
    found = activations_from_matrix([series, restored_late])
    assert [a.active_at_unix for a in found] == [100.25, 140.5, 200.0]
    assert found[0].labels == {"alertname": "A", "severity": "page"}
    assert found[0].fingerprint == alert_fingerprint({"alertname": "A", "severity": "page"})
