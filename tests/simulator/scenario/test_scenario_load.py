"""Loading valid scenarios: values, defaults, relative paths, overrides and warnings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydantic
import pytest

from fake_provider.config import FAULT_KINDS
from simulator.scenario import (
    USER_KINDS,
    AlertmanagerMonitor,
    BudgetExpectation,
    BuiltinMonitor,
    BuiltinPack,
    ConfigDriftFault,
    DetectExpectation,
    FalseAlarmsExpectation,
    MitigateExpectation,
    PrometheusMonitor,
    ScenarioError,
    ScenarioWarning,
    SilentModelSwapFault,
    WebhookMonitor,
    load_scenario,
    parse_scenario,
)

MINIMAL = "name: minimal\nduration: 5m\ntraffic: {users: 4}\n"


def _write(directory: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_design_example_loads_with_seconds_and_absolute_paths(design_example: Path) -> None:
    scenario = load_scenario(design_example)
    base = design_example.parent.resolve()
    assert (scenario.name, scenario.seed, scenario.duration_s) == ("silent-model-swap", 7, 360.0)
    assert scenario.source_path == design_example
    assert scenario.base_dir == base
    assert scenario.provider.models["gpt-4o-mini"].price.output == 0.60
    assert scenario.provider.rate_limits.tpm == 2_000_000
    assert dict(scenario.behaviours["chatty"]) == {"extends": "baseline", "verbosity": 3.0}
    assert scenario.prompts["extract"]["v2"] == "..."
    assert scenario.traffic.mix == {"extract": 6, "chat": 2, "agent": 2}
    assert (scenario.traffic.users, scenario.traffic.spawn_rate) == (20, 10)
    assert scenario.traffic.target is None
    (swap,) = scenario.faults
    assert isinstance(swap, SilentModelSwapFault)
    assert (swap.start_s, swap.duration_s, swap.end_s) == (120.0, 180.0, 300.0)
    assert (swap.behaviour, swap.fraction, swap.announce) == ("prose_wrapped_json", 1.0, False)
    builtin, prometheus, webhook = scenario.monitors
    assert isinstance(builtin, BuiltinPack)
    assert isinstance(prometheus, PrometheusMonitor)
    assert prometheus.rules == base / "rules" / "llm-alerts.yml"
    assert isinstance(webhook, WebhookMonitor)
    assert (webhook.host, webhook.port) == ("127.0.0.1", 9095)
    assert scenario.budgets.session_tokens == 40000
    assert scenario.budgets.spend_per_minute_usd == 0.5
    assert scenario.runbooks == base / "runbooks"
    assert scenario.responder.delay_s == 120.0
    assert scenario.expect == (
        DetectExpectation(fault="swap-1", detect_within=90),
        FalseAlarmsExpectation(false_alarms=0),
    )
    assert scenario.warnings == ()


def test_minimal_scenario_gets_the_documented_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, MINIMAL))
    assert scenario.seed == 0
    assert scenario.description == ""
    model = scenario.provider.models["gpt-4o-mini"]
    assert (model.behaviour, model.price.input, model.price.output) == ("baseline", 0.15, 0.60)
    traffic = scenario.traffic
    assert traffic.model == "gpt-4o-mini"
    assert traffic.spawn_rate == 4
    assert set(traffic.mix) == set(USER_KINDS)
    assert traffic.stream_share == 0.2
    assert (traffic.think_time.min_s, traffic.think_time.max_s) == (0.5, 2.0)
    assert traffic.api_keys == ("sk-gameday-1",)
    assert (traffic.client.retries, traffic.client.honour_retry_after) == (2, True)
    assert traffic.client.timeout_s == 30.0
    assert scenario.faults == scenario.monitors == scenario.expect == ()
    assert scenario.responder.delay_s == 0.0
    assert scenario.runbooks is None


def test_null_optional_sections_count_as_absent(tmp_path: Path) -> None:
    text = MINIMAL + "faults:\nmonitors:\nexpect:\nbudgets:\nbehaviours:\n"
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.faults == () and scenario.budgets.session_tokens is None


def test_traffic_model_defaults_to_the_first_provider_model(tmp_path: Path) -> None:
    text = MINIMAL + "provider:\n  models:\n    gpt-4o:\n    gpt-4o-mini: {}\n"
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.traffic.model == "gpt-4o"
    assert scenario.provider.models["gpt-4o"].price.input == 2.50  # list price of a known name


def test_every_fault_kind_loads_as_its_typed_spec(every_fault: Path) -> None:
    scenario = load_scenario(every_fault)
    kinds = [getattr(f, "kind") for f in scenario.faults]  # noqa: B009
    assert set(kinds) >= set(FAULT_KINDS)
    config = scenario.fault("config")
    assert isinstance(config, ConfigDriftFault)
    assert config.stop == ("###",)
    assert scenario.fault("slow").ramp_s == 30.0
    assert scenario.fault("hang").seconds == 20.0  # type: ignore[attr-defined]
    assert isinstance(scenario.expect[1], MitigateExpectation)
    assert isinstance(scenario.expect[3], BudgetExpectation)
    with pytest.raises(KeyError):
        scenario.fault("missing")


def test_prompt_files_are_read_relative_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "extract-v2.txt").write_text("Answer in prose.\n")
    text = MINIMAL + "prompts:\n  extract: {v1: Return JSON., v2: {file: prompts/extract-v2.txt}}\n"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.prompts["extract"] == {"v1": "Return JSON.", "v2": "Answer in prose.\n"}
    data = {
        "name": "x",
        "duration": 60,
        "traffic": {"users": 1},
        "prompts": {"p": {"v1": {"file": "prompts/extract-v2.txt"}}},
    }
    with pytest.raises(ScenarioError, match=r"prompts\.p\.v1: file not found: .*elsewhere"):
        parse_scenario(data, base_dir=elsewhere)


def test_monitor_entries_accept_pack_named_monitors_and_integrations(tmp_path: Path) -> None:
    (tmp_path / "alertmanager.yml").write_text("route: {}\n")
    (tmp_path / "rules.yml").write_text("groups: []\n")
    text = MINIMAL + (
        "monitors:\n"
        "  - builtin\n"
        "  - format_failures\n"
        "  - {error_rate: {threshold: 0.05}}\n"
        "  - {name: spend_rate, window: 1m}\n"
        "  - prometheus: {rules: rules.yml, scrape_interval: 5s, evaluation_interval: 10s}\n"
        "  - alertmanager: {config: alertmanager.yml}\n"
        "  - webhook: {}\n"
    )
    monitors = load_scenario(_write(tmp_path, text)).monitors
    assert monitors[:4] == (
        BuiltinPack(),
        BuiltinMonitor(name="format_failures"),
        BuiltinMonitor(name="error_rate", params={"threshold": 0.05}),
        BuiltinMonitor(name="spend_rate", params={"window": "1m"}),
    )
    prometheus, alertmanager, webhook = monitors[4:]
    assert isinstance(prometheus, PrometheusMonitor)
    assert (prometheus.scrape_interval_s, prometheus.evaluation_interval_s) == (5.0, 10.0)
    assert isinstance(alertmanager, AlertmanagerMonitor)
    assert alertmanager.config == (tmp_path / "alertmanager.yml").resolve()
    assert webhook == WebhookMonitor(listen="127.0.0.1:9095")


def test_overrides_replace_cli_settable_values(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "seed: 1\n")
    scenario = load_scenario(
        path,
        overrides={
            "seed": 42,
            "duration": "10m",
            "users": 50,
            "spawn_rate": 5,
            "target": "http://127.0.0.1:8080/v1",
            "traffic.stream_share": 0.5,
            "traffic.client.retries": 0,
        },
    )
    assert (scenario.seed, scenario.duration_s) == (42, 600.0)
    traffic = scenario.traffic
    assert (traffic.users, traffic.spawn_rate, traffic.stream_share) == (50, 5, 0.5)
    assert traffic.target == "http://127.0.0.1:8080/v1"
    assert traffic.client.retries == 0


def test_overrides_set_to_none_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL)
    scenario = load_scenario(path, overrides={"seed": None, "users": None, "target": None})
    assert (scenario.seed, scenario.traffic.users) == (0, 4)


def test_fault_starting_before_a_baseline_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = MINIMAL + (
        "faults:\n  - {id: early, kind: latency, start: 10s, duration: 1m, extra_ms: 50}\n"
    )
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.warnings == (
        ScenarioWarning(
            "faults[0].start",
            "10s leaves only 10s of fault-free baseline; monitors need about 30s",
        ),
    )
    assert str(scenario.warnings[0]).startswith("faults[0].start: 10s leaves only 10s")


def test_baseline_needed_grows_with_long_scenarios(tmp_path: Path) -> None:
    text = (
        "name: long\nduration: 2h\ntraffic: {users: 4}\nfaults:\n"
        "  - {id: f, kind: prompt_regression, start: 5m, duration: 1m, prompt: p, to: v2}\n"
        "prompts: {p: {v1: a, v2: b}}\n"
    )
    (warning,) = load_scenario(_write(tmp_path, text)).warnings
    assert warning.message.endswith("monitors need about 12m")


def test_fault_aimed_at_an_unused_api_key_warns(tmp_path: Path) -> None:
    text = MINIMAL + (
        "faults:\n  - {id: q, kind: rate_limit, start: 1m, duration: 1m, "
        "mode: insufficient_quota, api_key: sk-other}\n"
    )
    (warning,) = load_scenario(_write(tmp_path, text)).warnings
    assert warning.path == "faults[0].api_key"
    assert "not one of traffic.api_keys" in warning.message


def test_loaded_scenario_is_immutable(design_example: Path) -> None:
    scenario = load_scenario(design_example)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.seed = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        scenario.traffic.users = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        scenario.prompts["extract"]["v3"] = "x"  # type: ignore[index]


def test_parse_scenario_resolves_paths_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    data = {"name": "p", "duration": 60, "traffic": {"users": 1}, "runbooks": "books"}
    assert parse_scenario(data, base_dir=tmp_path).runbooks == (tmp_path / "books").resolve()
