"""Client-side faults: which prompt, sampling settings and inputs a session's requests use.

The provider injects its own faults; these are the ones a team's own code or data causes
(a prompt version switched, sampling config drifted, inputs shifted, retrieval degraded,
prompts bloated), so the users apply them when they build requests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, cast

from fake_provider.config import Fault
from fake_provider.task_types import InputShift
from fake_provider.timeline import fault_fraction_at
from simulator.workloads.controls import ClientControls
from simulator.workloads.settings import WorkloadSettings


@dataclass(frozen=True, slots=True)
class ClientConditions:
    """How a request is built at one instant: prompt, sampling overrides, input changes."""

    #: System prompt text from the registry; None means the task's built-in prompt.
    system_prompt: str | None = None
    #: Registry version of the system prompt; None when the kind has no registry entry.
    prompt_version: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    input_shift: InputShift | None = None
    shift_strength: float = 0.0
    drop_answer_chunk: bool = False
    prompt_multiplier: float = 1.0
    #: Ids of the client faults that changed this request (``TelemetryRecord.client_faults``).
    fault_ids: tuple[str, ...] = ()


def baseline_prompt(settings: WorkloadSettings, user_kind: str) -> tuple[str | None, str | None]:
    """(text, version) of the registry entry named like the kind (first version), or Nones."""
    versions = settings.prompts.get(user_kind)
    if not versions:
        return None, None
    version = next(iter(versions))
    return versions[version], version


def _targets(fault: Fault, settings: WorkloadSettings, api_key: str) -> bool:
    """Whether the fault's ``model``/``api_key`` targeting includes this client."""
    if fault.model is not None and fault.model != settings.model:
        return False
    return fault.api_key is None or fault.api_key == api_key


def _mitigated(fault: Fault, controls: ClientControls | None) -> bool:
    """Whether a runbook action already undid what ``fault`` changes."""
    if controls is None:
        return False
    if fault.kind == "prompt_regression":
        return controls.prompt_rolled_back(fault.prompt or "")
    return fault.kind == "config_drift" and controls.config_restored


def _apply(
    fault: Fault,
    user_kind: str,
    settings: WorkloadSettings,
    chunk_draw: float,
    state: dict[str, Any],
) -> bool:
    """Fold one selected fault into ``state``; False when it does not touch this kind."""
    if fault.kind == "prompt_regression":
        versions, to = settings.prompts.get(fault.prompt or "", {}), fault.to
        if fault.prompt != user_kind or to is None or to not in versions:
            return False
        state["system_prompt"], state["prompt_version"] = versions[to], to
        return True
    if fault.kind == "config_drift":
        for name in ("temperature", "max_tokens", "stop"):
            if getattr(fault, name) is not None:
                state[name] = getattr(fault, name)
        return True
    if fault.kind == "input_drift":
        state["input_shift"] = fault.shift
        state["shift_strength"] = 1.0 if fault.strength is None else fault.strength
        return True
    if fault.kind == "retrieval_degradation":
        probability = 1.0 if fault.drop_answer_chunk is None else fault.drop_answer_chunk
        if user_kind != "rag" or chunk_draw >= probability:
            return False
        state["drop_answer_chunk"] = True
        return True
    if fault.kind == "token_burst" and fault.prompt_multiplier is not None:
        state["prompt_multiplier"] *= fault.prompt_multiplier
        return True
    return False


def client_conditions(
    settings: WorkloadSettings,
    t_s: float,
    user_kind: str,
    rng: random.Random,
    *,
    api_key: str | None = None,
    controls: ClientControls | None = None,
) -> ClientConditions:
    """The client faults in force for a request of ``user_kind`` sent at ``t_s`` (run seconds).

    Each fault's share (``fraction``, grown over ``ramp``) is drawn from ``rng``; exactly two
    draws per client fault are taken whatever the time, so the rest of a session's random
    stream does not depend on when it ran. Later faults override earlier ones; prompt
    multipliers compound. ``api_key`` defaults to the first configured key. A prompt rolled
    back or a config restored by a runbook (``controls``) no longer takes its fault's change.

    Example::

        conditions = client_conditions(settings, 130.0, "extract", random.Random(1))
        conditions.prompt_version, conditions.fault_ids   # ('v2', ('prompt-1',))
    """
    key = settings.api_keys[0] if api_key is None else api_key
    system, version = baseline_prompt(settings, user_kind)
    state: dict[str, Any] = {
        "system_prompt": system,
        "prompt_version": version,
        "temperature": None,
        "max_tokens": None,
        "stop": None,
        "input_shift": None,
        "shift_strength": 0.0,
        "drop_answer_chunk": False,
        "prompt_multiplier": 1.0,
    }
    applied: list[str] = []
    for fault in settings.client_faults:
        pick, chunk_draw = rng.random(), rng.random()
        if not _targets(fault, settings, key) or pick >= fault_fraction_at(fault, t_s):
            continue
        if _mitigated(fault, controls):
            continue
        if _apply(fault, user_kind, settings, chunk_draw, state):
            applied.append(fault.id)
    stop = state["stop"]
    return ClientConditions(
        system_prompt=state["system_prompt"],
        prompt_version=state["prompt_version"],
        temperature=state["temperature"],
        max_tokens=state["max_tokens"],
        stop=tuple(stop) if stop is not None else None,
        input_shift=cast(InputShift | None, state["input_shift"]),
        shift_strength=state["shift_strength"],
        drop_answer_chunk=state["drop_answer_chunk"],
        prompt_multiplier=state["prompt_multiplier"],
        fault_ids=tuple(applied),
    )
