"""Rules across sections: ids, names and windows that must agree, and the warnings.

Each rule runs only on sections that validated on their own, so a broken section yields its
own problems and no follow-on noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fake_provider.behaviours import BUILTIN_BEHAVIOURS, resolve_behaviours
from fake_provider.errors import InvalidInputError
from simulator.scenario.durations import format_duration
from simulator.scenario.faults import FaultSpecBase, PromptRegressionFault, SilentModelSwapFault
from simulator.scenario.fields import Spec
from simulator.scenario.model import ProviderSpec, TrafficSpec
from simulator.scenario.monitoring import (
    BudgetExpectation,
    BudgetsSpec,
    DetectExpectation,
    Expectation,
    MitigateExpectation,
)
from simulator.scenario.problems import Problem, ScenarioWarning, unknown

#: Monitors need about this much fault-free traffic (seconds) before a fault, at least.
MIN_BASELINE_S = 30.0
#: ... and at least this share of the scenario's duration.
MIN_BASELINE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Parts:
    """The sections that validated on their own; ``None`` where a section had problems."""

    duration_s: float | None
    provider: ProviderSpec | None
    behaviours: Mapping[str, Spec] | None
    prompts: Mapping[str, Mapping[str, str]] | None
    traffic: TrafficSpec | None
    budgets: BudgetsSpec | None
    faults: Sequence[tuple[int, FaultSpecBase]]
    #: ``(index, id)`` of every fault entry that names an id, valid or not.
    fault_ids: Sequence[tuple[int, str]]
    expect: Sequence[tuple[int, Expectation]]


def custom_behaviours(specs: Mapping[str, Spec]) -> dict[str, dict[str, object]]:
    """The custom behaviour specs as plain mappings, as ``resolve_behaviours`` takes them."""
    return {
        name: spec.model_dump(exclude_unset=True, exclude_none=True) for name, spec in specs.items()
    }


def check_scenario(parts: Parts) -> tuple[list[Problem], list[ScenarioWarning]]:
    """Problems and warnings that need more than one section to see."""
    problems: list[Problem] = []
    behaviours = _check_behaviours(parts.behaviours, problems)
    models = list(parts.provider.models) if parts.provider is not None else None
    if parts.provider is not None and behaviours is not None:
        for name, entry in parts.provider.models.items():
            if entry.behaviour not in behaviours:
                problems.append(
                    Problem(
                        f"provider.models.{name}.behaviour",
                        unknown("behaviour", entry.behaviour, behaviours),
                    )
                )
    traffic_model = parts.traffic.model if parts.traffic is not None else None
    if traffic_model is not None and models is not None and traffic_model not in models:
        problems.append(Problem("traffic.model", unknown("model", traffic_model, models)))
    problems.extend(_check_fault_ids(parts.fault_ids))
    for i, spec in parts.faults:
        problems.extend(_check_fault(f"faults[{i}]", spec, parts, behaviours, models))
    problems.extend(_check_expectations(parts))
    return problems, _baseline_warnings(parts) + _api_key_warnings(parts)


def _check_behaviours(specs: Mapping[str, Spec] | None, problems: list[Problem]) -> set[str] | None:
    """Check ``extends`` chains; return every behaviour name a scenario may use."""
    if specs is None:
        return None
    known = set(BUILTIN_BEHAVIOURS) | set(specs)
    parents_ok = True
    for name, spec in specs.items():
        parent = getattr(spec, "extends", None)
        if parent is not None and parent not in known:
            problems.append(
                Problem(f"behaviours.{name}.extends", unknown("behaviour", parent, known))
            )
            parents_ok = False
    if parents_ok:
        try:
            resolve_behaviours(custom_behaviours(specs))
        except InvalidInputError as err:
            path, _, message = str(err).partition(": ")
            problems.append(Problem(path, message) if message else Problem("behaviours", path))
    return known


def _check_fault_ids(fault_ids: Sequence[tuple[int, str]]) -> list[Problem]:
    """Each fault id is used once."""
    first: dict[str, int] = {}
    problems = []
    for i, fault_id in fault_ids:
        if fault_id in first:
            message = f"duplicate fault id {fault_id!r} (first used by faults[{first[fault_id]}])"
            problems.append(Problem(f"faults[{i}].id", message))
        else:
            first[fault_id] = i
    return problems


def _check_fault(
    path: str,
    spec: FaultSpecBase,
    parts: Parts,
    behaviours: set[str] | None,
    models: list[str] | None,
) -> list[Problem]:
    """One fault against the scenario's duration, models, behaviours and prompts."""
    problems = []
    if parts.duration_s is not None and spec.end_s > parts.duration_s:
        start, length = format_duration(spec.start_s), format_duration(spec.duration_s)
        message = (
            f"the fault ends at {format_duration(spec.end_s)} (start {start} + duration "
            f"{length}), after the scenario's duration {format_duration(parts.duration_s)}"
        )
        problems.append(Problem(f"{path}.duration", message))
    if spec.model is not None and models is not None and spec.model not in models:
        problems.append(Problem(f"{path}.model", unknown("model", spec.model, models)))
    if (
        isinstance(spec, SilentModelSwapFault)
        and behaviours is not None
        and spec.behaviour not in behaviours
    ):
        problems.append(
            Problem(f"{path}.behaviour", unknown("behaviour", spec.behaviour, behaviours))
        )
    if isinstance(spec, PromptRegressionFault) and parts.prompts is not None:
        problems.extend(_check_prompt(path, spec, parts.prompts))
    return problems


def _check_prompt(
    path: str, spec: PromptRegressionFault, prompts: Mapping[str, Mapping[str, str]]
) -> list[Problem]:
    """The prompt and version a regression switches to exist in the registry."""
    if not prompts:
        return [
            Problem(
                f"{path}.prompt",
                f"unknown prompt {spec.prompt!r}; the scenario "
                f"defines no prompts (add a prompts: registry)",
            )
        ]
    if spec.prompt not in prompts:
        return [Problem(f"{path}.prompt", unknown("prompt", spec.prompt, prompts))]
    if spec.to not in prompts[spec.prompt]:
        return [Problem(f"{path}.to", unknown("version", spec.to, prompts[spec.prompt]))]
    return []


def _check_expectations(parts: Parts) -> list[Problem]:
    """Expectations name existing faults and configured budgets."""
    ids = {fault_id for _, fault_id in parts.fault_ids}
    budget_names = BudgetsSpec.budget_names()
    problems = []
    for i, expectation in parts.expect:
        path = f"expect[{i}]"
        if isinstance(expectation, DetectExpectation | MitigateExpectation):
            if expectation.fault not in ids:
                problems.append(
                    Problem(f"{path}.fault", unknown("fault id", expectation.fault, ids))
                )
        elif isinstance(expectation, BudgetExpectation):
            name = expectation.budget
            if name not in budget_names:
                problems.append(Problem(f"{path}.budget", unknown("budget", name, budget_names)))
            elif parts.budgets is not None and getattr(parts.budgets, name) is None:
                problems.append(
                    Problem(f"{path}.budget", f"budget {name!r} is not set under budgets")
                )
    return problems


def _baseline_warnings(parts: Parts) -> list[ScenarioWarning]:
    """Faults that start before monitors have seen enough fault-free traffic."""
    if parts.duration_s is None:
        return []
    needed = max(MIN_BASELINE_S, MIN_BASELINE_SHARE * parts.duration_s)
    return [
        ScenarioWarning(
            f"faults[{i}].start",
            f"{format_duration(spec.start_s)} leaves only {format_duration(spec.start_s)} "
            f"of fault-free baseline; monitors need about {format_duration(needed)}",
        )
        for i, spec in parts.faults
        if spec.start_s < needed
    ]


def _api_key_warnings(parts: Parts) -> list[ScenarioWarning]:
    """Faults aimed at an API key the embedded provider's clients never use."""
    traffic = parts.traffic
    if traffic is None or traffic.target is not None:
        return []
    return [
        ScenarioWarning(
            f"faults[{i}].api_key",
            f"{spec.api_key!r} is not one of traffic.api_keys; the fault matches no request",
        )
        for i, spec in parts.faults
        if spec.api_key is not None and spec.api_key not in traffic.api_keys
    ]
