"""What the locust users need from a scenario (shipped to workers as JSON), their runtime, sinks.

Example::

    settings = workload_settings(load_scenario("scenarios/silent-model-swap.yaml"))
    runtime = WorkloadRuntime(settings=settings, t0_unix=time.time(), sink=JsonlSink(path))
    environment.gameday = runtime   # the users read it from their locust Environment
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from fake_provider.config import Fault
from fake_provider.errors import InvalidInputError
from fake_provider.task_types import JsonMode
from simulator.budgets.actions import ActionSink
from simulator.budgets.guards import BudgetLimits, SpendGuard
from simulator.scenario import Scenario, to_fault
from simulator.workloads.controls import ClientControls
from simulator.workloads.sinks import JsonlSink, MemorySink, TelemetrySink, read_jsonl

__all__ = [
    "CLIENT_FAULT_KINDS",
    "DEFAULT_AGENT_MAX_STEPS",
    "DEFAULT_TEMPERATURES",
    "ClientPolicy",
    "JsonlSink",
    "MemorySink",
    "Price",
    "TelemetrySink",
    "WorkloadRuntime",
    "WorkloadSettings",
    "is_client_fault",
    "read_jsonl",
    "user_weights",
    "workload_settings",
]

SETTINGS_SCHEMA_VERSION = 1
#: Fault kinds the clients apply (``token_burst`` too when it carries ``prompt_multiplier``).
CLIENT_FAULT_KINDS: frozenset[str] = frozenset(
    {"prompt_regression", "config_drift", "input_drift", "retrieval_degradation"}
)
#: Sampling temperature each user kind sends when no config drift is in force.
DEFAULT_TEMPERATURES: Mapping[str, float] = {
    "extract": 0.0,
    "classify": 0.0,
    "chat": 0.7,
    "agent": 0.2,
    "rag": 0.2,
}
#: Safety cap on agent tool-loop steps when the scenario sets no ``budgets.agent_max_steps``.
DEFAULT_AGENT_MAX_STEPS = 20


def is_client_fault(fault: Fault) -> bool:
    """Whether the users (not the provider) apply ``fault``."""
    if fault.kind == "token_burst":
        return fault.prompt_multiplier is not None
    return fault.kind in CLIENT_FAULT_KINDS


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """How a simulated client retries and times out; times in seconds."""

    retries: int = 2
    honour_retry_after: bool = True
    timeout_s: float = 30.0
    #: First backoff; doubles per retry up to ``backoff_max_s`` (the OpenAI SDK's numbers).
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    #: A ``retry-after`` longer than this is ignored in favour of backoff, as the SDK does.
    max_retry_after_s: float = 60.0


@dataclass(frozen=True, slots=True)
class Price:
    """Price of one model in USD per 1M tokens."""

    input_usd_per_mtok: float
    output_usd_per_mtok: float


@dataclass(frozen=True, slots=True)
class WorkloadSettings:
    """Everything the users need, derived from a scenario; round-trips through JSON."""

    seed: int
    model: str
    #: Weight of each user kind (extract, classify, chat, agent, rag).
    mix: Mapping[str, float]
    stream_share: float = 0.2
    think_time_min_s: float = 0.5
    think_time_max_s: float = 2.0
    api_keys: tuple[str, ...] = ("sk-gameday-1",)
    client: ClientPolicy = field(default_factory=ClientPolicy)
    #: Price per model name.
    prices: Mapping[str, Price] = field(default_factory=dict)
    #: Prompt registry: name -> version -> text; the first version of each is the baseline.
    prompts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Faults the clients apply (prompt, config, input, retrieval, prompt bloat), in order.
    client_faults: tuple[Fault, ...] = ()
    agent_max_steps: int = DEFAULT_AGENT_MAX_STEPS
    #: Whether ``agent_max_steps`` is the team's step guard (a budget the clients enforce)
    #: or only the harness's safety cap that keeps a loop from running forever.
    step_guard: bool = True
    #: How JSON kinds ask for JSON: by prompt instruction, so prompt regressions can break it.
    json_mode: JsonMode = "instruction"
    temperatures: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TEMPERATURES))
    #: ``max_tokens`` every request sends unless config drift changes it.
    max_tokens: int = 512
    #: The guards the clients enforce (scenario ``budgets:``).
    budgets: BudgetLimits = field(default_factory=BudgetLimits)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict carrying ``schema_version``."""
        return {
            "schema_version": SETTINGS_SCHEMA_VERSION,
            "seed": self.seed,
            "model": self.model,
            "mix": dict(self.mix),
            "stream_share": self.stream_share,
            "think_time_min_s": self.think_time_min_s,
            "think_time_max_s": self.think_time_max_s,
            "api_keys": list(self.api_keys),
            "client": dataclasses.asdict(self.client),
            "prices": {name: dataclasses.asdict(p) for name, p in self.prices.items()},
            "prompts": {name: dict(versions) for name, versions in self.prompts.items()},
            "client_faults": [f.to_json() for f in self.client_faults],
            "agent_max_steps": self.agent_max_steps,
            "step_guard": self.step_guard,
            "json_mode": self.json_mode,
            "temperatures": dict(self.temperatures),
            "max_tokens": self.max_tokens,
            "budgets": self.budgets.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkloadSettings:
        """Inverse of :meth:`to_json`."""
        version = data.get("schema_version", SETTINGS_SCHEMA_VERSION)
        if version != SETTINGS_SCHEMA_VERSION:
            raise InvalidInputError(
                f"workload settings schema_version {version!r}: "
                f"expected {SETTINGS_SCHEMA_VERSION} (master and workers differ in version?)"
            )
        return cls(
            seed=int(data["seed"]),
            model=str(data["model"]),
            mix={str(k): float(v) for k, v in data["mix"].items()},
            stream_share=float(data["stream_share"]),
            think_time_min_s=float(data["think_time_min_s"]),
            think_time_max_s=float(data["think_time_max_s"]),
            api_keys=tuple(data["api_keys"]),
            client=ClientPolicy(**data["client"]),
            prices={name: Price(**p) for name, p in data["prices"].items()},
            prompts={name: dict(v) for name, v in data["prompts"].items()},
            client_faults=tuple(Fault.from_json(f) for f in data["client_faults"]),
            agent_max_steps=int(data["agent_max_steps"]),
            step_guard=bool(data.get("step_guard", True)),
            json_mode=cast(JsonMode, data["json_mode"]),
            temperatures={str(k): float(v) for k, v in data["temperatures"].items()},
            max_tokens=int(data["max_tokens"]),
            budgets=BudgetLimits.from_json(data.get("budgets") or {}),
        )


def workload_settings(scenario: Scenario) -> WorkloadSettings:
    """The users' view of a validated scenario.

    Example::

        settings = workload_settings(load_scenario("scenarios/prompt-regression.yaml"))
        WorkloadSettings.from_json(settings.to_json()) == settings   # True
    """
    traffic = scenario.traffic
    client = traffic.client
    budgets = scenario.budgets
    faults = tuple(fault for fault in map(to_fault, scenario.faults) if is_client_fault(fault))
    return WorkloadSettings(
        seed=scenario.seed,
        model=traffic.model or next(iter(scenario.provider.models)),
        mix={str(kind): float(weight) for kind, weight in traffic.mix.items()},
        stream_share=traffic.stream_share,
        think_time_min_s=traffic.think_time.min_s,
        think_time_max_s=traffic.think_time.max_s,
        api_keys=tuple(traffic.api_keys),
        client=ClientPolicy(
            retries=client.retries,
            honour_retry_after=client.honour_retry_after,
            timeout_s=client.timeout_s,
        ),
        prices={
            name: Price(entry.price.input, entry.price.output)
            for name, entry in scenario.provider.models.items()
        },
        prompts={name: dict(versions) for name, versions in scenario.prompts.items()},
        client_faults=faults,
        agent_max_steps=(budgets.agent_max_steps if budgets.enforce else None)
        or DEFAULT_AGENT_MAX_STEPS,
        step_guard=budgets.enforce and budgets.agent_max_steps is not None,
        budgets=BudgetLimits(**{k: getattr(budgets, k) for k in budgets.budget_names()})
        if budgets.enforce
        else BudgetLimits(),
    )


def user_weights(mix: Mapping[str, float]) -> dict[str, int]:
    """Integer weights (what locust takes) in the mix's proportions; zero weights left out.

    >>> user_weights({"extract": 0.6, "chat": 0.2, "agent": 0.2, "rag": 0})
    {'extract': 3, 'chat': 1, 'agent': 1}
    """
    scaled = {kind: max(1, round(w * 1000)) for kind, w in mix.items() if w > 0}
    divisor = math.gcd(*scaled.values()) if scaled else 1
    return {kind: w // divisor for kind, w in scaled.items()}


@dataclass(slots=True)
class WorkloadRuntime:
    """What a running user needs: settings, the run's start (Unix seconds) and a sink.

    ``node_index`` tells workers apart (0 for a local run), so no two users anywhere draw
    the same sessions. ``actions`` takes budget guard actions; ``controls`` holds the
    client-side mitigations a runbook put in force; ``guard`` is this process's spend
    breaker, shared by its users.
    """

    settings: WorkloadSettings
    t0_unix: float
    sink: TelemetrySink
    node_index: int = 0
    actions: ActionSink | None = None
    controls: ClientControls = field(default_factory=ClientControls)
    guard: SpendGuard = field(init=False, repr=False)
    _counters: dict[str, Iterator[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.guard = SpendGuard(self.settings.budgets, self.actions)

    def next_user_index(self, kind: str) -> int:
        """0, 1, 2, ... per user kind, in spawn order (deterministic for a spawn order)."""
        counter = self._counters.setdefault(kind, itertools.count())
        return next(counter)

    def to_json(self) -> dict[str, Any]:
        """Settings and t0 as JSON (the sinks stay behind)."""
        return {"settings": self.settings.to_json(), "t0_unix": self.t0_unix}

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        sink: TelemetrySink,
        node_index: int = 0,
        actions: ActionSink | None = None,
    ) -> WorkloadRuntime:
        """Inverse of :meth:`to_json`, with the sinks of this process."""
        settings = WorkloadSettings.from_json(data["settings"])
        return cls(settings, float(data["t0_unix"]), sink, node_index, actions)
