"""From a validated ``Scenario`` to the records the fake provider runs on."""

from __future__ import annotations

import dataclasses
from typing import cast

from fake_provider.behaviours import resolve_behaviours
from fake_provider.config import (
    PROVIDER_FAULT_KINDS,
    Fault,
    FaultKind,
    ModelSpec,
    ProviderConfig,
    RateLimits,
    default_models,
)
from simulator.scenario.faults import (
    COMMON_FAULT_KEYS,
    FaultSpecBase,
    RateLimitFault,
    ServerErrorFault,
    TokenBurstFault,
)
from simulator.scenario.model import Scenario

#: Spec fields that are not kind parameters (handled explicitly in ``to_fault``).
_COMMON_FIELDS = frozenset(
    name for name, f in FaultSpecBase.model_fields.items() if (f.alias or name) in COMMON_FAULT_KEYS
) | {"kind"}


def to_fault(spec: FaultSpecBase) -> Fault:
    """The timeline record of one fault spec (times in seconds), for provider or client side."""
    params = {
        name: getattr(spec, name) for name in type(spec).model_fields if name not in _COMMON_FIELDS
    }
    if isinstance(spec, RateLimitFault) and spec.mode is None:
        params["mode"] = "quota"
    if isinstance(spec, ServerErrorFault) and spec.mode is None:
        params["mode"] = "status"
    return Fault(
        id=spec.id,
        kind=cast(FaultKind, getattr(spec, "kind")),  # noqa: B009 - kind lives on subclasses
        start_s=spec.start_s,
        duration_s=spec.duration_s,
        ramp_s=spec.ramp_s,
        fraction=spec.fraction,
        model=spec.model,
        api_key=spec.api_key,
        **params,
    )


def is_provider_fault(spec: FaultSpecBase) -> bool:
    """Whether the provider injects this fault (the rest are applied by the clients)."""
    if isinstance(spec, TokenBurstFault):
        return spec.output_multiplier is not None
    return getattr(spec, "kind", "") in PROVIDER_FAULT_KINDS


def to_model_specs(scenario: Scenario) -> tuple[ModelSpec, ...]:
    """The scenario's models; familiar names keep their kind and dimensions from the defaults."""
    known = {m.name: m for m in default_models()}
    return tuple(
        dataclasses.replace(
            known.get(name, ModelSpec(name)),
            behaviour=entry.behaviour,
            price_input_usd_per_mtok=entry.price.input,
            price_output_usd_per_mtok=entry.price.output,
        )
        for name, entry in scenario.provider.models.items()
    )


def to_provider_config(scenario: Scenario) -> ProviderConfig:
    """Everything the provider core needs: models, custom behaviours, limits, provider faults.

    Example::

        config = to_provider_config(load_scenario("scenarios/silent-model-swap.yaml"))
    """
    limits = scenario.provider.rate_limits
    return ProviderConfig(
        seed=scenario.seed,
        models=to_model_specs(scenario),
        behaviours=resolve_behaviours(scenario.behaviours),
        rate_limits=RateLimits(tpm=limits.tpm, rpm=limits.rpm),
        faults=tuple(to_fault(spec) for spec in scenario.faults if is_provider_fault(spec)),
    )
