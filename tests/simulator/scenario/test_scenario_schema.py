"""The JSON Schema editors use to complete scenario files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fake_provider.config import FAULT_KINDS
from simulator.scenario import scenario_json_schema

TOP_LEVEL_KEYS = {
    "name",
    "description",
    "seed",
    "duration",
    "provider",
    "behaviours",
    "prompts",
    "traffic",
    "faults",
    "monitors",
    "budgets",
    "runbooks",
    "responder",
    "expect",
}


def test_schema_describes_every_top_level_key() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert set(schema["properties"]) == TOP_LEVEL_KEYS
    assert set(schema["required"]) == {"name", "duration", "traffic"}
    assert schema["additionalProperties"] is False


def test_schema_round_trips_through_json() -> None:
    schema = scenario_json_schema()
    assert json.loads(json.dumps(schema)) == schema


def test_schema_uses_yaml_keys_and_lists_every_fault_kind() -> None:
    schema = scenario_json_schema()
    mapping = schema["properties"]["faults"]["items"]["discriminator"]["mapping"]
    assert set(mapping) == set(FAULT_KINDS)
    latency = schema["$defs"]["LatencyFault"]["properties"]
    assert {"start", "duration", "ramp", "ttft_multiplier"} <= set(latency)
    assert "start_s" not in latency


def test_example_scenarios_validate_against_the_schema(
    design_example: Path, every_fault: Path
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(scenario_json_schema())
    validator = validator_class(scenario_json_schema())
    for path in (design_example, every_fault):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], [e.message for e in errors]


def test_schema_flags_an_unknown_key_and_a_bad_duration() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    bad = {"name": "x", "durration": "5m", "duration": "5x", "traffic": {"users": 1}}
    paths = {tuple(e.absolute_path) for e in validator.iter_errors(bad)}
    assert {(), ("duration",)} <= paths
