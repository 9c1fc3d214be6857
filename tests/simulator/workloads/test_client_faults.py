"""Which client faults are in force for a request: windows, ramps, fractions, targets."""

from __future__ import annotations

import random

import pytest

from fake_provider.config import Fault
from simulator.workloads.client_faults import ClientConditions, client_conditions
from tests.simulator.workloads.helpers import make_settings

PROMPTS = {"extract": {"v1": "Answer in JSON with keys: a, b.", "v2": "Answer briefly."}}


def _share(fault: Fault, t_s: float, kind: str = "extract", n: int = 4000, **kw: object) -> float:
    settings = make_settings(client_faults=(fault,), prompts=PROMPTS)
    rng = random.Random(1)
    hits = sum(
        bool(client_conditions(settings, t_s, kind, rng, **kw).fault_ids)  # type: ignore[arg-type]
        for _ in range(n)
    )
    return hits / n


def _drift(**kw: object) -> Fault:
    params: dict[str, object] = {
        "id": "cfg",
        "kind": "config_drift",
        "start_s": 10.0,
        "duration_s": 20.0,
        "temperature": 1.5,
        **kw,
    }
    return Fault(**params)  # type: ignore[arg-type]


def test_no_fault_means_baseline_conditions() -> None:
    conditions = client_conditions(make_settings(), 5.0, "chat", random.Random(0))
    assert conditions == ClientConditions()


def test_a_fault_applies_only_inside_its_window() -> None:
    fault = _drift()
    assert _share(fault, 9.99, n=50) == 0.0
    assert _share(fault, 10.0, n=50) == 1.0
    assert _share(fault, 29.9, n=50) == 1.0
    assert _share(fault, 30.0, n=50) == 0.0


def test_a_ramp_grows_the_share_linearly() -> None:
    fault = _drift(ramp_s=10.0)
    assert _share(fault, 10.0) == 0.0
    assert _share(fault, 12.5) == pytest.approx(0.25, abs=0.03)
    assert _share(fault, 17.5) == pytest.approx(0.75, abs=0.03)
    assert _share(fault, 25.0) == 1.0


def test_fraction_selects_that_share_of_requests() -> None:
    assert _share(_drift(fraction=0.3), 15.0) == pytest.approx(0.3, abs=0.03)
    assert _share(_drift(fraction=0.3, ramp_s=10.0), 15.0) == pytest.approx(0.15, abs=0.03)


def test_model_and_api_key_targets_limit_who_is_hit() -> None:
    assert _share(_drift(model="gpt-4o"), 15.0, n=20) == 0.0
    assert _share(_drift(model="gpt-4o-mini"), 15.0, n=20) == 1.0
    assert _share(_drift(api_key="sk-b"), 15.0, n=20, api_key="sk-a") == 0.0
    assert _share(_drift(api_key="sk-b"), 15.0, n=20, api_key="sk-b") == 1.0
    # without an explicit key, the client uses the first configured one
    assert _share(_drift(api_key="sk-gameday-1"), 15.0, n=20) == 1.0


def test_the_first_registry_version_is_the_baseline_prompt() -> None:
    settings = make_settings(prompts=PROMPTS)
    conditions = client_conditions(settings, 0.0, "extract", random.Random(0))
    assert (conditions.system_prompt, conditions.prompt_version) == (PROMPTS["extract"]["v1"], "v1")
    other = client_conditions(settings, 0.0, "classify", random.Random(0))
    assert (other.system_prompt, other.prompt_version) == (None, None)


def test_prompt_regression_switches_the_matching_kind_to_the_new_version() -> None:
    fault = Fault(
        id="p", kind="prompt_regression", start_s=0.0, duration_s=60.0, prompt="extract", to="v2"
    )
    settings = make_settings(prompts=PROMPTS, client_faults=(fault,))
    hit = client_conditions(settings, 1.0, "extract", random.Random(0))
    assert (hit.system_prompt, hit.prompt_version, hit.fault_ids) == (
        "Answer briefly.",
        "v2",
        ("p",),
    )
    spared = client_conditions(settings, 1.0, "classify", random.Random(0))
    assert (spared.prompt_version, spared.fault_ids) == (None, ())


def test_config_drift_overrides_only_what_it_names() -> None:
    fault = _drift(temperature=None, max_tokens=40, stop=("###",))
    conditions = client_conditions(
        make_settings(client_faults=(fault,)), 15.0, "chat", random.Random(0)
    )
    assert (conditions.temperature, conditions.max_tokens, conditions.stop) == (None, 40, ("###",))


def test_later_faults_override_earlier_ones_and_prompt_multipliers_compound() -> None:
    faults = (
        _drift(id="a", temperature=1.2),
        _drift(id="b", temperature=1.8),
        Fault(id="x", kind="token_burst", start_s=0, duration_s=60, prompt_multiplier=2.0),
        Fault(
            id="y",
            kind="token_burst",
            start_s=0,
            duration_s=60,
            prompt_multiplier=1.5,
            output_multiplier=3.0,
        ),
    )
    conditions = client_conditions(
        make_settings(client_faults=faults), 15.0, "rag", random.Random(0)
    )
    assert conditions.temperature == 1.8
    assert conditions.prompt_multiplier == pytest.approx(3.0)
    assert conditions.fault_ids == ("a", "b", "x", "y")


def test_input_drift_carries_shift_and_strength() -> None:
    fault = Fault(
        id="d", kind="input_drift", start_s=0, duration_s=60, shift="language", strength=0.7
    )
    conditions = client_conditions(
        make_settings(client_faults=(fault,)), 1.0, "classify", random.Random(0)
    )
    assert (conditions.input_shift, conditions.shift_strength) == ("language", 0.7)


def test_retrieval_degradation_drops_the_answer_chunk_with_its_probability_on_rag_only() -> None:
    fault = Fault(
        id="r", kind="retrieval_degradation", start_s=0, duration_s=60, drop_answer_chunk=0.4
    )
    assert _share(fault, 1.0, kind="rag") == pytest.approx(0.4, abs=0.03)
    assert _share(fault, 1.0, kind="extract", n=200) == 0.0
    settings = make_settings(client_faults=(fault,))
    rng = random.Random(3)
    picks = [client_conditions(settings, 1.0, "rag", rng) for _ in range(200)]
    assert all(c.drop_answer_chunk == bool(c.fault_ids) for c in picks)


def test_random_draws_do_not_depend_on_time_so_sessions_stay_reproducible() -> None:
    settings = make_settings(client_faults=(_drift(), _drift(id="b", fraction=0.5)))
    states = []
    for t_s in (0.0, 15.0, 100.0):
        rng = random.Random(42)
        client_conditions(settings, t_s, "extract", rng)
        states.append(rng.random())
    assert states[0] == states[1] == states[2]
