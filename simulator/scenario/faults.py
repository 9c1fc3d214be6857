"""Typed fault specs, one model per kind, with exactly the parameters DESIGN.md lists."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from simulator.scenario.durations import Duration, PositiveDuration, format_duration
from simulator.scenario.fields import PositiveFloat, PositiveInt, Probability, Spec


class FaultSpecBase(Spec):
    """What every fault has: identity, window in seconds, share of traffic and targeting."""

    id: str = Field(min_length=1)
    start_s: Duration = Field(alias="start")
    duration_s: PositiveDuration = Field(alias="duration")
    ramp_s: Duration = Field(default=0.0, alias="ramp")
    fraction: Probability = 1.0
    model: str | None = None
    api_key: str | None = None

    #: Required-together rules are phrased from this ("latency faults need ...").
    KIND: ClassVar[str] = ""

    @property
    def end_s(self) -> float:
        """When the fault stops, in seconds since the run start."""
        return self.start_s + self.duration_s

    def problems(self) -> list[tuple[str, str]]:
        """``(key, message)`` for rules across parameters; key ``""`` means the fault itself."""
        out: list[tuple[str, str]] = []
        if self.ramp_s > self.duration_s:
            out.append(
                (
                    "ramp",
                    f"ramp {format_duration(self.ramp_s)} is longer than the "
                    f"fault's duration {format_duration(self.duration_s)}",
                )
            )
        return out + self.parameter_problems()

    def parameter_problems(self) -> list[tuple[str, str]]:
        """Kind-specific rules across parameters; none by default."""
        return []

    def _need_one_of(self, *names: str) -> list[tuple[str, str]]:
        """A problem unless at least one of ``names`` is set."""
        if any(getattr(self, name) is not None for name in names):
            return []
        return [("", f"{self.KIND} faults need at least one of: {', '.join(names)}")]


class SilentModelSwapFault(FaultSpecBase):
    """Same model name, different behaviour profile (fingerprint kept unless ``announce``)."""

    KIND: ClassVar[str] = "silent_model_swap"
    kind: Literal["silent_model_swap"]
    behaviour: str
    announce: bool = False


class RateLimitFault(FaultSpecBase):
    """Quota cut to ``tpm``/``rpm``, a 429 ``storm``, or ``insufficient_quota``."""

    KIND: ClassVar[str] = "rate_limit"
    kind: Literal["rate_limit"]
    tpm: PositiveInt | None = None
    rpm: PositiveInt | None = None
    mode: Literal["storm", "insufficient_quota"] | None = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """Either a quota (tpm and/or rpm) or a mode, not both, not neither."""
        quota = self.tpm is not None or self.rpm is not None
        if self.mode is not None and quota:
            return [("mode", f"mode {self.mode} takes no tpm/rpm; give a quota or a mode")]
        if self.mode is None and not quota:
            return [
                (
                    "",
                    "rate_limit faults need tpm and/or rpm, "
                    "or mode: storm or mode: insufficient_quota",
                )
            ]
        return []


class TokenBurstFault(FaultSpecBase):
    """Outputs run long (provider side) and/or prompts bloat (client side)."""

    KIND: ClassVar[str] = "token_burst"
    kind: Literal["token_burst"]
    output_multiplier: PositiveFloat | None = None
    prompt_multiplier: PositiveFloat | None = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """At least one multiplier."""
        return self._need_one_of("output_multiplier", "prompt_multiplier")


class AgentLoopFault(FaultSpecBase):
    """The model keeps calling tools: the same call (``repeat``) or a few in turn (``cycle``)."""

    KIND: ClassVar[str] = "agent_loop"
    kind: Literal["agent_loop"]
    pattern: Literal["repeat", "cycle"] = "repeat"


class PromptRegressionFault(FaultSpecBase):
    """The client switches prompt ``prompt`` to registry version ``to``."""

    KIND: ClassVar[str] = "prompt_regression"
    kind: Literal["prompt_regression"]
    prompt: str
    to: str


def _stop_list(value: Any) -> Any:
    """A single stop string is a one-element list."""
    return [value] if isinstance(value, str) else value


_STOP_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 4},
    ]
}


class ConfigDriftFault(FaultSpecBase):
    """Sampling config changed outside code review."""

    KIND: ClassVar[str] = "config_drift"
    kind: Literal["config_drift"]
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: PositiveInt | None = None
    stop: (
        Annotated[
            tuple[str, ...],
            BeforeValidator(_stop_list),
            Field(min_length=1, max_length=4),
            WithJsonSchema(_STOP_SCHEMA),
        ]
        | None
    ) = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """At least one changed setting."""
        return self._need_one_of("temperature", "max_tokens", "stop")


class InputDriftFault(FaultSpecBase):
    """The input distribution shifts in ``length``, ``language`` or ``topic``."""

    KIND: ClassVar[str] = "input_drift"
    kind: Literal["input_drift"]
    shift: Literal["length", "language", "topic"]
    strength: Probability = 1.0


class RetrievalDegradationFault(FaultSpecBase):
    """RAG context loses the answer-bearing chunk with probability ``drop_answer_chunk``."""

    KIND: ClassVar[str] = "retrieval_degradation"
    kind: Literal["retrieval_degradation"]
    drop_answer_chunk: Probability = 1.0


class LatencyFault(FaultSpecBase):
    """Time to first token and/or inter-token latency slow down."""

    KIND: ClassVar[str] = "latency"
    kind: Literal["latency"]
    ttft_multiplier: PositiveFloat | None = None
    itl_multiplier: PositiveFloat | None = None
    extra_ms: Annotated[float, Field(ge=0)] | None = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """At least one slowdown."""
        return self._need_one_of("ttft_multiplier", "itl_multiplier", "extra_ms")


class ServerErrorFault(FaultSpecBase):
    """A 5xx ``status``, or ``mode`` ``hang`` (for ``seconds``), ``stream_cut``, ``malformed``."""

    KIND: ClassVar[str] = "server_error"
    kind: Literal["server_error"]
    status: Annotated[int, Field(ge=500, le=504)] | None = None
    mode: Literal["hang", "stream_cut", "malformed"] | None = None
    seconds: PositiveDuration | None = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """Exactly one of status and mode; ``seconds`` with ``hang`` and only there."""
        if self.status is None and self.mode is None:
            return [
                (
                    "",
                    "server_error faults need status (500-504) or mode: hang, "
                    "stream_cut or malformed",
                )
            ]
        if self.status is not None and self.mode is not None:
            return [("mode", "give either status or mode, not both")]
        if self.mode == "hang" and self.seconds is None:
            return [("", "mode hang needs seconds (how long each request hangs)")]
        if self.mode != "hang" and self.seconds is not None:
            return [("seconds", "seconds only applies to mode: hang")]
        return []


FaultSpec = Annotated[
    SilentModelSwapFault
    | RateLimitFault
    | TokenBurstFault
    | AgentLoopFault
    | PromptRegressionFault
    | ConfigDriftFault
    | InputDriftFault
    | RetrievalDegradationFault
    | LatencyFault
    | ServerErrorFault,
    Field(discriminator="kind"),
]

#: The spec model of each fault kind.
FAULT_MODELS: Mapping[str, type[FaultSpecBase]] = MappingProxyType(
    {
        model.KIND: model
        for model in (
            SilentModelSwapFault,
            RateLimitFault,
            TokenBurstFault,
            AgentLoopFault,
            PromptRegressionFault,
            ConfigDriftFault,
            InputDriftFault,
            RetrievalDegradationFault,
            LatencyFault,
            ServerErrorFault,
        )
    }
)

#: Keys every fault accepts, whatever its kind.
COMMON_FAULT_KEYS: tuple[str, ...] = (
    *(f.alias or name for name, f in FaultSpecBase.model_fields.items()),
    "kind",
)


def fault_parameters(kind: str) -> tuple[str, ...]:
    """The kind-specific parameter keys of fault ``kind`` (DESIGN.md's table)."""
    fields = FAULT_MODELS[kind].model_fields
    return tuple(
        f.alias or name for name, f in fields.items() if (f.alias or name) not in COMMON_FAULT_KEYS
    )
