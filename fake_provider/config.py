"""Configuration records of the fake provider: models, behaviour profiles, limits and faults.

These are the frozen records that cross from scenario loading (``simulator.scenario``) into
the provider core. The scenario loader validates user input and builds them; the provider
never sees raw YAML.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

FaultKind = Literal[
    "silent_model_swap",
    "rate_limit",
    "token_burst",
    "agent_loop",
    "prompt_regression",
    "config_drift",
    "input_drift",
    "retrieval_degradation",
    "latency",
    "server_error",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

#: Fault kinds the provider itself injects; the rest are applied by the clients.
PROVIDER_FAULT_KINDS: frozenset[str] = frozenset(
    {"silent_model_swap", "rate_limit", "token_burst", "agent_loop", "latency", "server_error"}
)

RateLimitMode = Literal["quota", "storm", "insufficient_quota"]
ServerErrorMode = Literal["status", "hang", "stream_cut", "malformed"]
LoopPattern = Literal["repeat", "cycle"]
FormatStyle = Literal["json", "prose_wrapped", "renamed_keys"]
ToolPolicy = Literal["call_then_answer", "loop", "never"]
ModelKind = Literal["chat", "embedding"]


@dataclass(frozen=True, slots=True)
class BehaviourProfile:
    """How a fake model behaves; every probability is per request, every time in milliseconds."""

    name: str
    #: Probability that a response asked to be JSON comes out as the requested format.
    format_adherence: float = 0.995
    #: What a format break looks like, and what a non-broken response looks like when the
    #: whole profile is a drift (``prose_wrapped``: JSON wrapped in chatter and a code fence;
    #: ``renamed_keys``: valid JSON whose keys no longer match the request).
    format_style: FormatStyle = "json"
    #: Probability that the answer's values are right (before temperature).
    accuracy: float = 0.97
    #: Extra error probability per unit of temperature above 0.7.
    temperature_sensitivity: float = 0.25
    #: Multiplier on output length (prose sentences, list lengths).
    verbosity: float = 1.0
    #: Median completion length of free-text answers, in tokens, before verbosity.
    prose_tokens_median: int = 60
    #: Probability of refusing the request outright.
    refusal_rate: float = 0.002
    tool_policy: ToolPolicy = "call_then_answer"
    ttft_ms: float = 250.0
    #: Relative spread (lognormal sigma) of the time to first token.
    ttft_jitter: float = 0.25
    itl_ms: float = 15.0
    #: Relative spread (lognormal sigma) of each inter-token gap.
    itl_jitter: float = 0.15
    fingerprint: str = "fp_3b9e41a0c2"

    def with_overrides(self, name: str, overrides: Mapping[str, Any]) -> BehaviourProfile:
        """A copy named ``name`` with the given fields replaced (used by ``extends``)."""
        return dataclasses.replace(self, name=name, **dict(overrides))


BEHAVIOUR_FIELDS: frozenset[str] = frozenset(
    f.name for f in dataclasses.fields(BehaviourProfile) if f.name != "name"
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model the provider serves, with its behaviour and price in USD per 1M tokens."""

    name: str
    behaviour: str = "baseline"
    price_input_usd_per_mtok: float = 0.15
    price_output_usd_per_mtok: float = 0.60
    kind: ModelKind = "chat"
    owned_by: str = "gameday"
    #: Embedding width; only meaningful for ``kind == "embedding"``.
    dimensions: int = 256


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Per-API-key limits; ``None`` means unlimited."""

    tpm: int | None = 2_000_000
    rpm: int | None = 10_000
    #: Completion tokens charged at admission when a request names no ``max_tokens``.
    default_max_tokens: int = 1024


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault on the timeline; times in seconds since the run start ``t0``.

    Kind-specific parameters are optional fields; the scenario loader guarantees that each
    kind gets the parameters DESIGN.md lists for it and no others.
    """

    id: str
    kind: FaultKind
    start_s: float
    duration_s: float
    ramp_s: float = 0.0
    fraction: float = 1.0
    model: str | None = None
    api_key: str | None = None
    # silent_model_swap
    behaviour: str | None = None
    announce: bool = False
    # rate_limit
    mode: str | None = None
    tpm: int | None = None
    rpm: int | None = None
    # token_burst
    output_multiplier: float | None = None
    prompt_multiplier: float | None = None
    # agent_loop
    pattern: LoopPattern | None = None
    # prompt_regression
    prompt: str | None = None
    to: str | None = None
    # config_drift
    temperature: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    # input_drift
    shift: Literal["length", "language", "topic"] | None = None
    strength: float | None = None
    # retrieval_degradation
    drop_answer_chunk: float | None = None
    # latency
    ttft_multiplier: float | None = None
    itl_multiplier: float | None = None
    extra_ms: float | None = None
    # server_error
    status: int | None = None
    seconds: float | None = None

    @property
    def end_s(self) -> float:
        """When the fault stops, in seconds since ``t0``."""
        return self.start_s + self.duration_s

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with the unset optional parameters left out."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Inverse of :meth:`to_json`."""
        kwargs = dict(data)
        if kwargs.get("stop") is not None:
            kwargs["stop"] = tuple(kwargs["stop"])
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """Everything the provider core needs to decide responses.

    Example::

        config = ProviderConfig(seed=7, models=default_models())
    """

    seed: int = 0
    models: tuple[ModelSpec, ...] = ()
    #: Custom profiles from the scenario, already resolved through ``extends``.
    behaviours: Mapping[str, BehaviourProfile] = field(default_factory=dict)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    faults: tuple[Fault, ...] = ()
    #: Largest request body accepted, in bytes.
    max_body_bytes: int = 8 * 1024 * 1024
    #: Multiplier on every planned delay (0 = answer as fast as possible).
    latency_scale: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the provider process reads it back with :meth:`from_json`)."""
        return {
            "schema_version": 1,
            "seed": self.seed,
            "models": [dataclasses.asdict(m) for m in self.models],
            "behaviours": {k: dataclasses.asdict(v) for k, v in self.behaviours.items()},
            "rate_limits": dataclasses.asdict(self.rate_limits),
            "faults": [f.to_json() for f in self.faults],
            "max_body_bytes": self.max_body_bytes,
            "latency_scale": self.latency_scale,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderConfig:
        """Inverse of :meth:`to_json`."""
        return cls(
            seed=int(data.get("seed", 0)),
            models=tuple(ModelSpec(**m) for m in data.get("models", ())),
            behaviours={k: BehaviourProfile(**v) for k, v in data.get("behaviours", {}).items()},
            rate_limits=RateLimits(**data.get("rate_limits", {})),
            faults=tuple(Fault.from_json(f) for f in data.get("faults", ())),
            max_body_bytes=int(data.get("max_body_bytes", 8 * 1024 * 1024)),
            latency_scale=float(data.get("latency_scale", 1.0)),
        )


def default_models() -> tuple[ModelSpec, ...]:
    """The default world: familiar chat model names and one embedding model."""
    return (
        ModelSpec("gpt-4o-mini", price_input_usd_per_mtok=0.15, price_output_usd_per_mtok=0.60),
        ModelSpec("gpt-4o", price_input_usd_per_mtok=2.50, price_output_usd_per_mtok=10.0),
        ModelSpec("gpt-4.1-mini", price_input_usd_per_mtok=0.40, price_output_usd_per_mtok=1.60),
        ModelSpec("gpt-3.5-turbo", price_input_usd_per_mtok=0.50, price_output_usd_per_mtok=1.50),
        ModelSpec(
            "text-embedding-3-small",
            kind="embedding",
            price_input_usd_per_mtok=0.02,
            price_output_usd_per_mtok=0.0,
            dimensions=256,
        ),
    )
