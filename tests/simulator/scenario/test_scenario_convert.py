"""From a loaded scenario to the provider's configuration records."""

from __future__ import annotations

from pathlib import Path

from fake_provider.config import FAULT_KINDS, Fault, ProviderConfig
from simulator.scenario import FAULT_MODELS, load_scenario, to_fault, to_provider_config


def test_design_example_converts_to_a_provider_config(design_example: Path) -> None:
    config = to_provider_config(load_scenario(design_example))
    assert isinstance(config, ProviderConfig)
    assert config.seed == 7
    (model,) = config.models
    assert (model.name, model.behaviour) == ("gpt-4o-mini", "baseline")
    assert (model.price_input_usd_per_mtok, model.price_output_usd_per_mtok) == (0.15, 0.60)
    assert (config.rate_limits.tpm, config.rate_limits.rpm) == (2_000_000, 10_000)
    assert config.behaviours["chatty"].verbosity == 3.0
    assert config.faults == (
        Fault(
            id="swap-1",
            kind="silent_model_swap",
            start_s=120.0,
            duration_s=180.0,
            model="gpt-4o-mini",
            behaviour="prose_wrapped_json",
            fraction=1.0,
            announce=False,
        ),
    )


def test_provider_config_keeps_only_provider_side_faults(every_fault: Path) -> None:
    config = to_provider_config(load_scenario(every_fault))
    assert [f.id for f in config.faults] == [
        "swap",
        "quota",
        "storm",
        "long",
        "loop",
        "slow",
        "hang",
        "fivexx",
    ]  # bloat (prompt_multiplier only), prompt, config, drift and rag are the clients' job


def test_fault_parameters_carry_over_with_modes_made_explicit(every_fault: Path) -> None:
    faults = {f.id: f for f in to_provider_config(load_scenario(every_fault)).faults}
    assert (faults["quota"].mode, faults["quota"].tpm, faults["quota"].api_key) == (
        "quota",
        20000,
        "sk-team-b",
    )
    assert (faults["storm"].mode, faults["storm"].fraction) == ("storm", 0.3)
    assert faults["long"].output_multiplier == 6
    assert faults["loop"].pattern == "cycle"
    assert (faults["slow"].ramp_s, faults["slow"].ttft_multiplier, faults["slow"].extra_ms) == (
        30.0,
        4,
        150,
    )
    assert (faults["hang"].mode, faults["hang"].seconds) == ("hang", 20.0)
    assert (faults["fivexx"].mode, faults["fivexx"].status, faults["fivexx"].model) == (
        "status",
        503,
        "gpt-4o",
    )
    assert faults["swap"].announce is True


def test_client_side_faults_convert_to_fault_records_too(every_fault: Path) -> None:
    scenario = load_scenario(every_fault)
    config = to_fault(scenario.fault("config"))
    assert (config.temperature, config.stop) == (1.4, ("###",))
    prompt = to_fault(scenario.fault("prompt"))
    assert (prompt.prompt, prompt.to) == ("extract", "v2")
    drift = to_fault(scenario.fault("drift"))
    assert (drift.shift, drift.strength) == ("language", 0.7)
    assert to_fault(scenario.fault("rag")).drop_answer_chunk == 0.8
    assert to_fault(scenario.fault("bloat")).prompt_multiplier == 3


def test_every_fault_kind_has_a_spec_model_and_round_trips_json(every_fault: Path) -> None:
    assert set(FAULT_MODELS) == set(FAULT_KINDS)
    for spec in load_scenario(every_fault).faults:
        fault = to_fault(spec)
        assert Fault.from_json(fault.to_json()) == fault


def test_models_and_custom_behaviours_reach_the_provider(every_fault: Path) -> None:
    config = to_provider_config(load_scenario(every_fault))
    models = {m.name: m for m in config.models}
    assert models["gpt-4o"].price_output_usd_per_mtok == 10.0
    assert models["gpt-4o"].behaviour == "chatty"
    assert models["text-embedding-3-small"].kind == "embedding"
    chatty = config.behaviours["chatty"]
    assert (chatty.verbosity, chatty.refusal_rate) == (4.0, 0.01)  # extends verbose
    assert (config.rate_limits.tpm, config.rate_limits.rpm) == (500_000, None)
    assert ProviderConfig.from_json(config.to_json()) == config
