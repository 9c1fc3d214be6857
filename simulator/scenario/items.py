"""Validation of the list sections (``faults``, ``monitors``, ``expect``), one item at a time.

Each item is dispatched to one model by its keys (a fault by ``kind``), so a message names
the one shape the author meant instead of every member of a union.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from fake_provider.config import FAULT_KINDS
from simulator.scenario.faults import FAULT_MODELS, FaultSpecBase, fault_parameters
from simulator.scenario.fields import Spec
from simulator.scenario.monitoring import (
    AlertmanagerEntry,
    BudgetExpectation,
    BuiltinMonitor,
    BuiltinPack,
    DetectExpectation,
    Expectation,
    FalseAlarmsExpectation,
    MitigateExpectation,
    MonitorSpec,
    PrometheusEntry,
    WebhookEntry,
)
from simulator.scenario.problems import (
    Problem,
    UnknownKeyHook,
    join_path,
    problems_from_validation,
    show,
    unknown,
)

_MONITOR_ENTRIES: Mapping[str, type[Spec]] = MappingProxyType(
    {"prometheus": PrometheusEntry, "alertmanager": AlertmanagerEntry, "webhook": WebhookEntry}
)
_EXPECTATIONS: tuple[tuple[str, type[Spec]], ...] = (
    ("detect_within", DetectExpectation),
    ("mitigated_within", MitigateExpectation),
    ("false_alarms", FalseAlarmsExpectation),
    ("budget", BudgetExpectation),
    ("max_overspend_usd", BudgetExpectation),
)
_EXPECTATION_SHAPES = (
    "{fault, detect_within}, {fault, mitigated_within}, {false_alarms} "
    "or {budget, max_overspend_usd}"
)


def as_items(section: str, raw: Any, problems: list[Problem]) -> list[Any]:
    """The items of a list section; absent or null is empty, anything else a problem."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem(section, f"expected a list, got {show(raw)}"))
        return []
    return raw


def _validate(
    model: type[Spec],
    data: Any,
    path: str,
    base_dir: Path,
    problems: list[Problem],
    hook: UnknownKeyHook | None = None,
) -> Any:
    """``model`` validated from ``data``, or ``None`` with its problems recorded under ``path``."""
    try:
        return model.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as err:
        problems.extend(problems_from_validation(err, path, model, hook))
        return None


def _foreign_parameter(kind: str) -> UnknownKeyHook:
    """Phrase a parameter that belongs to another fault kind as such."""

    def message(loc: tuple[int | str, ...], key: str) -> str | None:
        owners = [k for k in FAULT_KINDS if key in fault_parameters(k)]
        if len(loc) != 1 or not owners:
            return None
        expected = ", ".join(fault_parameters(kind)) or "(none beyond the common keys)"
        return (
            f"not a parameter of {kind} faults (it belongs to {' and '.join(owners)}); "
            f"expected one of: {expected}"
        )

    return message


def validate_faults(
    raw: Any, base_dir: Path, problems: list[Problem]
) -> list[tuple[int, FaultSpecBase]]:
    """The valid faults with their index in the list; problems for the rest."""
    out: list[tuple[int, FaultSpecBase]] = []
    for i, item in enumerate(as_items("faults", raw, problems)):
        path = f"faults[{i}]"
        if not isinstance(item, Mapping):
            problems.append(
                Problem(
                    path, f"expected a mapping with id, kind, start and duration, got {show(item)}"
                )
            )
            continue
        kind = item.get("kind")
        if "kind" not in item:
            problems.append(Problem(path, "missing required key 'kind'"))
            continue
        if not isinstance(kind, str) or kind not in FAULT_MODELS:
            problems.append(Problem(f"{path}.kind", unknown("fault kind", kind, FAULT_KINDS)))
            continue
        hook = _foreign_parameter(kind)
        spec = _validate(FAULT_MODELS[kind], item, path, base_dir, problems, hook)
        if spec is None:
            continue
        for key, message in spec.problems():
            problems.append(Problem(join_path(path, [key] if key else []), message))
        out.append((i, spec))
    return out


def validate_monitors(raw: Any, base_dir: Path, problems: list[Problem]) -> list[MonitorSpec]:
    """``builtin``, built-in monitors by name, and the prometheus/alertmanager/webhook entries."""
    out: list[MonitorSpec] = []
    for i, item in enumerate(as_items("monitors", raw, problems)):
        path = f"monitors[{i}]"
        if isinstance(item, str) and item.strip():
            item = {item: None}
        if not isinstance(item, Mapping) or not item:
            problems.append(
                Problem(
                    path,
                    f"expected 'builtin', a monitor name or a one-key "
                    f"mapping such as {{prometheus: {{rules: path}}}}, "
                    f"got {show(item)}",
                )
            )
            continue
        monitor = _monitor(item, path, base_dir, problems)
        if monitor is not None:
            out.append(monitor)
    return out


def _monitor(
    item: Mapping[Any, Any], path: str, base_dir: Path, problems: list[Problem]
) -> MonitorSpec | None:
    """One ``monitors`` entry, dispatched on its key."""
    if "name" in item:
        params = {str(k): v for k, v in item.items() if k != "name"}
        return _validate(
            BuiltinMonitor, {"name": item["name"], "params": params}, path, base_dir, problems
        )
    if len(item) != 1:
        keys = ", ".join(map(str, item))
        problems.append(
            Problem(
                path,
                f"expected a one-key mapping such as {{prometheus: "
                f"{{rules: path}}}} or {{name: <monitor>, ...}}, "
                f"got keys {keys}",
            )
        )
        return None
    ((key, value),) = item.items()
    if key == "builtin":
        if value:
            problems.append(
                Problem(
                    f"{path}.builtin", f"the builtin pack takes no parameters, got {show(value)}"
                )
            )
            return None
        return BuiltinPack()
    known = ("builtin", *_MONITOR_ENTRIES)
    if key in _MONITOR_ENTRIES:
        entry = _validate(
            _MONITOR_ENTRIES[key], {key: {} if value is None else value}, path, base_dir, problems
        )
        return None if entry is None else getattr(entry, key)
    if isinstance(key, str) and difflib.get_close_matches(key, known, n=1, cutoff=0.8):
        problems.append(Problem(join_path(path, [key]), unknown("monitor", key, known)))
        return None
    if not isinstance(value, Mapping | None):
        problems.append(
            Problem(
                join_path(path, [str(key)]),
                f"expected a mapping of monitor parameters, got {show(value)}",
            )
        )
        return None
    params = {str(k): v for k, v in (value or {}).items()}
    return _validate(BuiltinMonitor, {"name": key, "params": params}, path, base_dir, problems)


def validate_expectations(
    raw: Any, base_dir: Path, problems: list[Problem]
) -> list[tuple[int, Expectation]]:
    """The valid expectations with their index; problems for the rest."""
    known_keys = sorted({k for _, model in _EXPECTATIONS for k in _aliases(model)})
    out: list[tuple[int, Expectation]] = []
    for i, item in enumerate(as_items("expect", raw, problems)):
        path = f"expect[{i}]"
        if not isinstance(item, Mapping):
            problems.append(
                Problem(path, f"expected one of {_EXPECTATION_SHAPES}, got {show(item)}")
            )
            continue
        if "detect_within" in item and "mitigated_within" in item:
            problems.append(
                Problem(path, "give detect_within and mitigated_within as two expectations")
            )
            continue
        model = next((m for key, m in _EXPECTATIONS if key in item), None)
        if model is None:
            strays = [k for k in item if k not in known_keys]
            for key in strays:
                problems.append(
                    Problem(join_path(path, [str(key)]), unknown("key", key, known_keys))
                )
            if not strays:
                keys = ", ".join(map(str, item))
                problems.append(
                    Problem(path, f"expected one of {_EXPECTATION_SHAPES}, got keys {keys}")
                )
            continue
        expectation = _validate(model, item, path, base_dir, problems)
        if expectation is not None:
            out.append((i, expectation))
    return out


def _aliases(model: type[Spec]) -> list[str]:
    """The keys ``model`` accepts in a scenario file."""
    return [f.alias or name for name, f in model.model_fields.items()]


def raw_fault_ids(raw: Any) -> list[tuple[int, str]]:
    """``(index, id)`` of every fault that names a string id, valid or not."""
    if not isinstance(raw, list):
        return []
    return [
        (i, item["id"])
        for i, item in enumerate(raw)
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    ]
