"""Load a scenario: read the YAML, apply CLI overrides, validate everything, report together.

Nothing partial comes out: either a complete :class:`Scenario` or a :class:`ScenarioError`
listing every problem found, each with its path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import yaml
from pydantic import TypeAdapter, ValidationError

from simulator.scenario.checks import Parts, check_scenario, custom_behaviours
from simulator.scenario.items import (
    raw_fault_ids,
    validate_expectations,
    validate_faults,
    validate_monitors,
)
from simulator.scenario.model import Scenario, ScenarioDocument
from simulator.scenario.problems import (
    Problem,
    ScenarioError,
    problems_from_validation,
    show,
    unknown,
)

#: Short override names the CLI flags use, and where they land in the scenario.
OVERRIDE_PATHS: Mapping[str, str] = MappingProxyType(
    {"users": "traffic.users", "spawn_rate": "traffic.spawn_rate", "target": "traffic.target"}
)
_ITEM_SECTIONS = frozenset({"faults", "monitors", "expect"})


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build the mapping after checking its keys are unique."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys get SafeLoader's own error
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(text: str, source: Path | None = None) -> Any:
    """Parse scenario YAML; a syntax error becomes a problem with its line and column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        message = f"invalid YAML: {detail}" + (f" ({context})" if context else "")
        raise ScenarioError([Problem(where, message)], source) from None


def load_scenario(path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override and validate the scenario file at ``path``.

    ``overrides`` come from CLI flags: ``seed``, ``duration``, ``users``, ``spawn_rate``,
    ``target`` or any dotted key such as ``traffic.stream_share``; ``None`` values are ignored.

    Example::

        scenario = load_scenario("scenarios/silent-model-swap.yaml", overrides={"users": 5})
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(
            [Problem("", f"cannot read the scenario file: {reason}")], source
        ) from None
    data = read_yaml(text, source)
    if overrides:
        data = apply_overrides(data, overrides, source)
    return parse_scenario(data, source=source, base_dir=source.parent)


def apply_overrides(data: Any, overrides: Mapping[str, Any], source: Path | None = None) -> Any:
    """A copy of raw scenario ``data`` with ``overrides`` (dotted keys) set; validated later."""
    if not isinstance(data, Mapping):
        return data
    result = copy.deepcopy(dict(data))
    problems = []
    for key, value in overrides.items():
        if value is None:
            continue
        parts = OVERRIDE_PATHS.get(key, key).split(".")
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                problems.append(
                    Problem(
                        ".".join(parts[: depth + 1]),
                        f"cannot apply override {key}={value!r}: "
                        f"expected a mapping here, got {show(child)}",
                    )
                )
                break
            node = child
        else:
            node[parts[-1]] = value
    if problems:
        raise ScenarioError(problems, source)
    return result


def parse_scenario(
    data: Any, *, source: Path | None = None, base_dir: Path | None = None
) -> Scenario:
    """Validate raw scenario ``data`` (as parsed from YAML) into a :class:`Scenario`.

    Relative paths resolve against ``base_dir`` (default: the directory of ``source``, else
    the working directory). Raises :class:`ScenarioError` with every problem found.
    """
    if base_dir is None:
        base_dir = source.parent if source is not None else Path.cwd()
    base = Path(base_dir).resolve()
    if not isinstance(data, Mapping):
        got = "an empty document" if data is None else show(data)
        raise ScenarioError(
            [
                Problem(
                    "",
                    f"expected a mapping of scenario keys (name, duration, "
                    f"traffic, ...), got {got}",
                )
            ],
            source,
        )
    problems: list[Problem] = []
    sections = _validate_sections(data, base, problems)
    faults = validate_faults(data.get("faults"), base, problems)
    monitors = validate_monitors(data.get("monitors"), base, problems)
    expect = validate_expectations(data.get("expect"), base, problems)
    parts = Parts(
        duration_s=sections.get("duration"),
        provider=sections.get("provider"),
        behaviours=sections.get("behaviours"),
        prompts=sections.get("prompts"),
        traffic=sections.get("traffic"),
        budgets=sections.get("budgets"),
        faults=faults,
        fault_ids=raw_fault_ids(data.get("faults")),
        expect=expect,
    )
    cross_problems, warnings = check_scenario(parts)
    problems.extend(cross_problems)
    if problems:
        raise ScenarioError(problems, source)
    traffic = sections["traffic"]
    if traffic.model is None:
        traffic = traffic.model_copy(update={"model": next(iter(sections["provider"].models))})
    return Scenario(
        name=sections["name"],
        description=sections["description"],
        seed=sections["seed"],
        duration_s=sections["duration"],
        provider=sections["provider"],
        behaviours=MappingProxyType(
            {k: MappingProxyType(v) for k, v in custom_behaviours(sections["behaviours"]).items()}
        ),
        prompts=MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in sections["prompts"].items()}
        ),
        traffic=traffic,
        faults=tuple(spec for _, spec in faults),
        monitors=tuple(monitors),
        budgets=sections["budgets"],
        runbooks=sections["runbooks"],
        responder=sections["responder"],
        expect=tuple(e for _, e in expect),
        source_path=source,
        base_dir=base,
        warnings=tuple(warnings),
    )


def _validate_sections(
    data: Mapping[Any, Any], base_dir: Path, problems: list[Problem]
) -> dict[str, Any]:
    """Validate each top-level section on its own; return the ones that passed."""
    fields = ScenarioDocument.model_fields
    for key in data:
        if key not in fields:
            problems.append(Problem(str(key), unknown("key", key, fields)))
    values: dict[str, Any] = {}
    for key, field in fields.items():
        if key in _ITEM_SECTIONS:
            continue
        raw = data.get(key)
        if key not in data and field.is_required():
            problems.append(Problem("", f"missing required key {key!r}"))
            continue
        if raw is None and not field.is_required():
            values[key] = field.get_default(call_default_factory=True)
            continue
        annotation = (
            Annotated[(field.annotation, *field.metadata)] if field.metadata else (field.annotation)
        )
        try:
            values[key] = TypeAdapter(annotation).validate_python(
                raw, context={"base_dir": base_dir}
            )
        except ValidationError as err:
            problems.extend(problems_from_validation(err, key, annotation))
    return values
