"""Invalid scenarios, one small file per failure, each reported with its path and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_provider.errors import InvalidInputError
from simulator.scenario import ScenarioError, load_scenario, parse_scenario

INVALID = Path(__file__).parent / "invalid"

CASES: dict[str, list[str]] = {
    "yaml_syntax.yaml": ["line 5, column 1: invalid YAML"],
    "duplicate_yaml_key.yaml": ["line 4, column 1: invalid YAML: duplicate key 'duration'"],
    "top_level_list.yaml": ["(top level): expected a mapping of scenario keys"],
    "top_level_typo.yaml": [
        "durration: unknown key 'durration'; did you mean 'duration'?",
        "(top level): missing required key 'duration'",
    ],
    "missing_required.yaml": [
        "(top level): missing required key 'name'",
        "(top level): missing required key 'traffic'",
    ],
    "bad_duration.yaml": [
        "duration: expected a duration like 90s, 6m, 1h30m, 500ms or a number of seconds, got '5x'"
    ],
    "negative_fault_start.yaml": ["faults[0].start: expected a non-negative duration, got '-10s'"],
    "unknown_fault_kind.yaml": [
        "faults[0].kind: unknown fault kind 'latncy'; did you mean 'latency'?"
    ],
    "duplicate_fault_id.yaml": [
        "faults[1].id: duplicate fault id 'burst' (first used by faults[0])"
    ],
    "fault_past_end.yaml": [
        "faults[0].duration: the fault ends at 7m (start 2m + duration 5m), "
        "after the scenario's duration 6m"
    ],
    "ramp_longer_than_duration.yaml": [
        "faults[0].ramp: ramp 3m is longer than the fault's duration 2m"
    ],
    "fraction_out_of_range.yaml": ["faults[0].fraction: expected a number <= 1, got 1.5"],
    "foreign_parameter.yaml": [
        "faults[0].tpm: not a parameter of latency faults (it belongs to rate_limit); "
        "expected one of: ttft_multiplier, itl_multiplier, extra_ms"
    ],
    "rate_limit_without_quota.yaml": ["faults[0]: rate_limit faults need tpm and/or rpm, or mode"],
    "rate_limit_unknown_mode.yaml": ["faults[0].mode: unknown mode 'strom'; did you mean 'storm'?"],
    "server_error_bad_status.yaml": ["faults[0].status: expected a number >= 500, got 418"],
    "server_error_hang_without_seconds.yaml": ["faults[0]: mode hang needs seconds"],
    "swap_unknown_behaviour.yaml": [
        "faults[0].behaviour: unknown behaviour 'prose_wraped_json'; "
        "did you mean 'prose_wrapped_json'?"
    ],
    "fault_unknown_model.yaml": [
        "faults[0].model: unknown model 'gpt-5'; expected one of: gpt-4o-mini"
    ],
    "prompt_regression_unknown_version.yaml": [
        "faults[0].to: unknown version 'v3'; expected one of: v1, v2"
    ],
    "config_drift_without_settings.yaml": [
        "faults[0]: config_drift faults need at least one of: temperature, max_tokens, stop"
    ],
    "config_drift_too_many_stops.yaml": ["faults[0].stop: expected at most 4 item(s)"],
    "input_drift_unknown_shift.yaml": [
        "faults[0].shift: unknown shift 'langauge'; did you mean 'language'?",
        "faults[0].strength: expected a number <= 1, got 2",
    ],
    "retrieval_probability_out_of_range.yaml": [
        "faults[0].drop_answer_chunk: expected a number <= 1, got 1.5"
    ],
    "agent_loop_unknown_pattern.yaml": [
        "faults[0].pattern: unknown pattern 'spiral'; expected one of: cycle, repeat"
    ],
    "latency_without_parameters.yaml": [
        "faults[0]: latency faults need at least one of: ttft_multiplier, itl_multiplier, extra_ms"
    ],
    "behaviour_cycle.yaml": ["behaviours.a.extends: cycle a -> b -> a"],
    "behaviour_field_typo.yaml": [
        "behaviours.chatty.verbosty: unknown key 'verbosty'; did you mean 'verbosity'?",
        "behaviours.chatty.accuracy: expected a number <= 1, got 1.2",
    ],
    "behaviour_unknown_parent.yaml": [
        "behaviours.chatty.extends: unknown behaviour 'basline'; did you mean 'baseline'?"
    ],
    "mix_unknown_kind.yaml": ["traffic.mix.agnet: unknown key 'agnet'; did you mean 'agent'?"],
    "mix_zero_sum.yaml": ["traffic.mix: expected weights with a positive sum"],
    "mix_negative_weight.yaml": ["traffic.mix.agent: expected a number >= 0, got -1"],
    "traffic_unknown_model.yaml": [
        "traffic.model: unknown model 'gpt-4o-mni'; did you mean 'gpt-4o-mini'?"
    ],
    "negative_price.yaml": [
        "provider.models.gpt-4o-mini.price.input: expected a number >= 0, got -0.15"
    ],
    "unknown_model_without_price.yaml": [
        "provider.models.in-house-7b: missing required key 'price'"
    ],
    "missing_rules_file.yaml": [
        "monitors[1].prometheus.rules: file not found: "
        f"{INVALID.resolve() / 'rules' / 'does-not-exist.yml'}"
    ],
    "missing_prompt_file.yaml": [
        f"prompts.extract.v2: file not found: {INVALID.resolve() / 'prompts' / 'extract-v2.txt'}"
    ],
    "webhook_bad_listen.yaml": ["monitors[0].webhook.listen: expected host:port"],
    "expect_unknown_fault.yaml": [
        "expect[0].fault: unknown fault id 'swap-2'; did you mean 'swap-1'?"
    ],
    "expect_key_typo.yaml": [
        "expect[0].detect_whithin: unknown key 'detect_whithin'; did you mean 'detect_within'?"
    ],
    "expect_unset_budget.yaml": [
        "expect[0].budget: budget 'spend_per_minute_usd' is not set under budgets"
    ],
    "think_time_inverted.yaml": ["traffic.think_time: min 3s is greater than max 2s"],
    "negative_budget.yaml": ["budgets.session_tokens: expected a number > 0, got -5"],
    "many_problems.yaml": [
        "name: expected a name of letters, digits",
        "traffic.users: expected a number > 0, got 0",
        "traffic.stream_share: expected a number <= 1, got 1.5",
        "faults[0].ttft_multiplyer: unknown key 'ttft_multiplyer'; did you mean 'ttft_multiplier'?",
        "faults[1].duration: the fault ends at 11m",
        "expect[0].fault: unknown fault id 'nope'",
    ],
}


@pytest.mark.parametrize(("fixture", "fragments"), sorted(CASES.items()))
def test_invalid_scenario_names_the_path_and_what_was_expected(
    fixture: str, fragments: list[str]
) -> None:
    path = INVALID / fixture
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert isinstance(error, InvalidInputError)  # the CLI maps this to exit code 2
    assert error.source == path
    text = str(error)
    for fragment in fragments:
        assert f"{path}: {fragment}" in text, text
    assert len(text.splitlines()) == len(error.problems) == len(fragments), text


def test_every_invalid_fixture_has_an_expected_message() -> None:
    on_disk = {p.name for p in INVALID.glob("*.yaml")}
    assert on_disk == set(CASES)


def test_error_lines_read_file_path_message() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(INVALID / "many_problems.yaml")
    for line, problem in zip(str(caught.value).splitlines(), caught.value.problems, strict=True):
        assert line == f"{INVALID / 'many_problems.yaml'}: {problem.path}: {problem.message}"


def test_missing_scenario_file_is_an_invalid_input_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "nope.yaml")


def test_empty_scenario_file_says_the_document_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(ScenarioError, match=r"\(top level\): .*got an empty document"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        (
            {"kind": "server_error", "status": 500, "mode": "stream_cut"},
            "faults[0].mode: give either status or mode, not both",
        ),
        (
            {"kind": "server_error", "status": 502, "seconds": 5},
            "faults[0].seconds: seconds only applies to mode: hang",
        ),
        (
            {"kind": "rate_limit", "mode": "storm", "tpm": 1000},
            "faults[0].mode: mode storm takes no tpm/rpm",
        ),
        ({"kind": "token_burst"}, "faults[0]: token_burst faults need at least one of"),
        (
            {"kind": "latency", "extra_ms": 5, "mode": "hang"},
            "faults[0].mode: not a parameter of latency faults (it belongs to rate_limit and "
            "server_error)",
        ),
        (
            {"kind": "prompt_regression", "prompt": "extract", "to": "v2"},
            "faults[0].prompt: unknown prompt 'extract'; the scenario defines no prompts",
        ),
        (
            {"kind": "latency", "extra_ms": 5, "duration": 0},
            "faults[0].duration: expected a duration greater than 0, got 0",
        ),
        ({"extra_ms": 5}, "faults[0]: missing required key 'kind'"),
        ({"kind": "latency"}, "faults[0]: latency faults need"),
    ],
)
def test_fault_parameter_rules_are_reported_per_fault(
    fault: dict[str, object], fragment: str
) -> None:
    data = {
        "name": "t",
        "duration": "10m",
        "traffic": {"users": 1},
        "faults": [{"id": "f", "start": "1m", "duration": "1m", **fault}],
    }
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("monitor", "fragment"),
    [
        ("biultin", "monitors[0].biultin: unknown monitor 'biultin'; did you mean 'builtin'?"),
        (
            {"promethues": {"rules": "x"}},
            "monitors[0].promethues: unknown monitor 'promethues'; did you mean 'prometheus'?",
        ),
        (
            {"prometheus": {"rulez": "x"}},
            "monitors[0].prometheus.rulez: unknown key 'rulez'; did you mean 'rules'?",
        ),
        ({"a": {}, "b": {}}, "monitors[0]: expected a one-key mapping"),
        (42, "monitors[0]: expected 'builtin', a monitor name or a one-key mapping"),
    ],
)
def test_bad_monitor_entries_are_reported(monitor: object, fragment: str) -> None:
    data = {"name": "t", "duration": "10m", "traffic": {"users": 1}, "monitors": [monitor]}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert fragment in str(caught.value)


def test_invalid_override_value_is_reported_at_its_scenario_path(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nduration: 5m\ntraffic: {users: 2}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides={"users": -3, "duration": "soon"})
    text = str(caught.value)
    assert "traffic.users: expected a number > 0, got -3" in text
    assert "duration: expected a duration like" in text


def test_override_into_a_non_mapping_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nduration: 5m\ntraffic: 3\n")
    with pytest.raises(ScenarioError, match="traffic: cannot apply override users=2"):
        load_scenario(path, overrides={"users": 2})
