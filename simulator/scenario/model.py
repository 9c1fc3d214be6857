"""Pydantic models of a scenario file at the input boundary, and the validated ``Scenario``."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from fake_provider.config import BEHAVIOUR_FIELDS, BehaviourProfile, default_models
from simulator.scenario.durations import Duration, PositiveDuration, format_duration
from simulator.scenario.faults import FaultSpec, FaultSpecBase
from simulator.scenario.fields import (
    NonNegFloat,
    PositiveFloat,
    PositiveInt,
    Probability,
    PromptText,
    ScenarioPath,
    Spec,
    loader_fills,
    scenario_error,
)
from simulator.scenario.monitoring import (
    BudgetExpectation,
    BudgetsSpec,
    DetectExpectation,
    Expectation,
    FalseAlarmsExpectation,
    MitigateExpectation,
    MonitorEntry,
    MonitorSpec,
    ResponderSpec,
)
from simulator.scenario.problems import ScenarioWarning, show

UserKind = Literal["extract", "classify", "chat", "agent", "rag"]
USER_KINDS: tuple[UserKind, ...] = typing.get_args(UserKind)


class PriceSpec(Spec):
    """Price in USD per 1M tokens."""

    input: NonNegFloat
    output: NonNegFloat


class ModelEntry(Spec):
    """One served model: its behaviour profile and price (known names have a default price)."""

    model_config = ConfigDict(json_schema_extra=loader_fills("price"))

    behaviour: str = "baseline"
    price: PriceSpec


class RateLimitsSpec(Spec):
    """Per-API-key limits; null means unlimited."""

    tpm: PositiveInt | None = 2_000_000
    rpm: PositiveInt | None = 10_000


def _default_models() -> dict[str, ModelEntry]:
    """``{gpt-4o-mini: {behaviour: baseline, price: {input: 0.15, output: 0.60}}}``."""
    return {"gpt-4o-mini": ModelEntry(price=PriceSpec(input=0.15, output=0.60))}


class ProviderSpec(Spec):
    """The fake provider: models served and rate limits."""

    models: dict[str, ModelEntry] = Field(default_factory=_default_models, min_length=1)
    rate_limits: RateLimitsSpec = Field(default_factory=RateLimitsSpec)

    @model_validator(mode="before")
    @classmethod
    def _known_prices(cls, data: Any) -> Any:
        """Familiar model names get their list price when ``price`` is left out."""
        if not isinstance(data, Mapping) or not isinstance(data.get("models"), Mapping):
            return data
        known = {m.name: m for m in default_models()}
        models = {}
        for name, entry in data["models"].items():
            spec = known.get(name)
            entry = {} if entry is None else entry  # `gpt-4o:` alone means all defaults
            if isinstance(entry, Mapping) and "price" not in entry and spec is not None:
                price = {
                    "input": spec.price_input_usd_per_mtok,
                    "output": spec.price_output_usd_per_mtok,
                }
                entry = {**entry, "price": price}
            models[name] = entry
        return {**data, "models": models}


def _behaviour_field(name: str, annotation: Any) -> tuple[Any, Any]:
    """An optional override of one ``BehaviourProfile`` field, with its sensible range."""
    if name in {"format_adherence", "accuracy", "refusal_rate"}:
        return (Probability | None, None)
    if annotation in (float, int):
        return (Annotated[annotation, Field(ge=0)] | None, None)
    return (annotation | None, None)


def _behaviour_spec_model() -> type[Spec]:
    """The model of a custom behaviour, built from ``BehaviourProfile`` so they cannot drift."""
    hints = typing.get_type_hints(BehaviourProfile)
    fields: dict[str, Any] = {
        "extends": (str | None, None),
        **{name: _behaviour_field(name, hints[name]) for name in sorted(BEHAVIOUR_FIELDS)},
    }
    return create_model(
        "BehaviourSpec",
        __base__=Spec,
        __doc__="A custom behaviour profile: a parent to extend and the fields it overrides.",
        **fields,
    )


#: A custom behaviour: ``extends`` a profile (default ``baseline``) and overrides its fields.
BehaviourSpec = _behaviour_spec_model()


class ThinkTime(Spec):
    """Pause between a user's requests, drawn uniformly from ``min``..``max`` seconds."""

    min_s: Duration = Field(default=0.5, alias="min")
    max_s: Duration = Field(default=2.0, alias="max")

    @model_validator(mode="after")
    def _ordered(self) -> ThinkTime:
        """``min`` may not exceed ``max``."""
        if self.min_s > self.max_s:
            raise scenario_error(
                f"min {format_duration(self.min_s)} is greater than "
                f"max {format_duration(self.max_s)}"
            )
        return self


class ClientSpec(Spec):
    """How the simulated clients retry and time out."""

    retries: Annotated[int, Field(ge=0)] = 2
    honour_retry_after: bool = True
    timeout_s: PositiveDuration = Field(default=30.0, alias="timeout")


class TrafficSpec(Spec):
    """The load: who sends what, to which target, and how the clients behave."""

    model_config = ConfigDict(json_schema_extra=loader_fills("spawn_rate"))

    target: str | None = None
    users: PositiveInt
    #: Users started per second; defaults to ``users`` (everyone within the first second).
    spawn_rate: PositiveFloat
    mix: dict[UserKind, NonNegFloat] = Field(default_factory=lambda: dict.fromkeys(USER_KINDS, 1.0))
    #: Model the users request; the loader fills in the provider's first model when absent.
    model: str | None = None
    stream_share: Probability = 0.2
    think_time: ThinkTime = Field(default_factory=ThinkTime)
    api_keys: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        ("sk-gameday-1",), min_length=1
    )
    client: ClientSpec = Field(default_factory=ClientSpec)

    @model_validator(mode="before")
    @classmethod
    def _default_spawn_rate(cls, data: Any) -> Any:
        """Without ``spawn_rate`` every user starts within the first second."""
        if isinstance(data, Mapping) and "spawn_rate" not in data:
            users = data.get("users")
            valid = isinstance(users, int) and not isinstance(users, bool) and users > 0
            return {**data, "spawn_rate": users if valid else 1.0}
        return data

    @field_validator("target")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        """Null (the embedded fake provider) or an http(s) URL."""
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise scenario_error(
                    f"expected null (the embedded fake provider) or an http:// or "
                    f"https:// URL, got {value!r}"
                )
        return value

    @field_validator("mix")
    @classmethod
    def _some_weight(cls, value: dict[str, float]) -> dict[str, float]:
        """The weights must not all be zero."""
        if sum(value.values()) <= 0:
            raise scenario_error(f"expected weights with a positive sum, got {show(value)}")
        return value


_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _check_name(value: str) -> str:
    """A name that is safe as a directory name (it names the run's report directory)."""
    if not re.fullmatch(_NAME_PATTERN, value):
        raise scenario_error(
            f"expected a name of letters, digits, '.', '_' and '-' (it names the "
            f"report directory), got {value!r}"
        )
    return value


ScenarioName = Annotated[
    str, AfterValidator(_check_name), WithJsonSchema({"type": "string", "pattern": _NAME_PATTERN})
]


class ScenarioDocument(Spec):
    """The shape of a scenario file; the JSON Schema and section validation come from here."""

    name: ScenarioName
    description: str = ""
    seed: int = 0
    duration: PositiveDuration
    provider: ProviderSpec = Field(default_factory=ProviderSpec)
    behaviours: dict[str, BehaviourSpec] = Field(default_factory=dict)  # type: ignore[valid-type]
    prompts: dict[str, dict[str, PromptText]] = Field(default_factory=dict)
    traffic: TrafficSpec
    faults: list[FaultSpec] = Field(default_factory=list)
    monitors: list[MonitorEntry] = Field(default_factory=list)
    budgets: BudgetsSpec = Field(default_factory=BudgetsSpec)
    runbooks: ScenarioPath | None = None
    responder: ResponderSpec = Field(default_factory=ResponderSpec)
    expect: list[
        DetectExpectation | MitigateExpectation | FalseAlarmsExpectation | BudgetExpectation
    ] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: every duration in seconds, every path absolute.

    Example::

        scenario = load_scenario("scenarios/silent-model-swap.yaml")
        scenario.faults[0].start_s  # 120.0
    """

    name: str
    description: str
    seed: int
    duration_s: float
    provider: ProviderSpec
    #: Custom behaviour specs as written (validated), ready for ``resolve_behaviours``.
    behaviours: Mapping[str, Mapping[str, Any]]
    #: Prompt registry: prompt name -> version -> text (files already read).
    prompts: Mapping[str, Mapping[str, str]]
    #: ``traffic.model`` is always set on a loaded scenario.
    traffic: TrafficSpec
    faults: tuple[FaultSpecBase, ...]
    monitors: tuple[MonitorSpec, ...]
    budgets: BudgetsSpec
    runbooks: Path | None
    responder: ResponderSpec
    expect: tuple[Expectation, ...]
    source_path: Path | None
    base_dir: Path
    warnings: tuple[ScenarioWarning, ...] = ()

    def fault(self, fault_id: str) -> FaultSpecBase:
        """The fault with id ``fault_id``; ``KeyError`` when there is none."""
        for spec in self.faults:
            if spec.id == fault_id:
                return spec
        raise KeyError(fault_id)
