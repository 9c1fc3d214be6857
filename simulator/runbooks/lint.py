"""``gameday lint RUNBOOKS``: structure, valid actions, and coverage of a scenario's alerts.

Coverage: every alert the scenario's monitors can raise (built-in monitors, and the alert
rules of its Prometheus rule files) has a runbook, and every failure class the scenario
injects has a runbook that declares it. Actions must name models, behaviours and prompts
the scenario knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from fake_provider.behaviours import BUILTIN_BEHAVIOURS
from fake_provider.errors import InvalidInputError
from simulator.promstack.tools import rule_files
from simulator.runbooks.model import Runbook, RunbookProblem, RunbookSet
from simulator.runbooks.parse import load_runbooks
from simulator.scenario import BuiltinMonitor, BuiltinPack, PrometheusMonitor, Scenario
from simulator.scoring.attribution import fault_kind


def builtin_alert_names(scenario: Scenario) -> dict[str, str]:
    """Alert name -> where it comes from, for the scenario's built-in monitors."""
    from simulator.monitors.pack import MONITOR_TYPES, PACK

    out: dict[str, str] = {}
    for i, spec in enumerate(scenario.monitors):
        if isinstance(spec, BuiltinPack):
            for cls in PACK:
                out.setdefault(cls.alertname, f"monitors[{i}] (builtin {cls.name})")
        elif isinstance(spec, BuiltinMonitor) and spec.name in MONITOR_TYPES:
            out.setdefault(MONITOR_TYPES[spec.name].alertname, f"monitors[{i}] ({spec.name})")
    return out


def rule_alert_names(rules_file: Path) -> list[str]:
    """The ``alert:`` names of a Prometheus rules file (an unreadable file gives none)."""
    try:
        data = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    names = []
    groups = data.get("groups") if isinstance(data, dict) else None
    for group in groups if isinstance(groups, list) else []:
        rules = group.get("rules") if isinstance(group, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("alert"), str):
                names.append(rule["alert"])
    return names


def monitored_alerts(scenario: Scenario) -> dict[str, str]:
    """Every alert name the scenario's monitors can raise -> which monitor raises it."""
    out = builtin_alert_names(scenario)
    for i, spec in enumerate(scenario.monitors):
        if isinstance(spec, PrometheusMonitor):
            for path in rule_files(spec.rules):  # a file, or a directory of rule files
                for name in rule_alert_names(path):
                    out.setdefault(name, f"monitors[{i}] (rule in {path.name})")
    return out


def _reference_problems(book: Runbook, scenario: Scenario) -> Iterable[RunbookProblem]:
    """Actions naming a model, behaviour or prompt the scenario does not have."""
    models = set(scenario.provider.models)
    behaviours = set(BUILTIN_BEHAVIOURS) | set(scenario.behaviours)
    for action in book.mitigation:
        params = action.params
        for key in ("model", "to"):
            name = params.get(key)
            if name is not None and name not in models:
                yield RunbookProblem(
                    book.path,
                    action.line,
                    f"{action.kind}.{key}: the scenario "
                    f"serves no model {name!r} (it has {', '.join(models)})",
                )
        behaviour = params.get("behaviour")
        if behaviour is not None and behaviour not in behaviours:
            yield RunbookProblem(
                book.path, action.line, f"{action.kind}.behaviour: unknown behaviour {behaviour!r}"
            )
        prompt = params.get("prompt")
        if prompt is not None and prompt not in scenario.prompts:
            yield RunbookProblem(
                book.path,
                action.line,
                f"{action.kind}.prompt: the scenario's prompt registry has no {prompt!r}",
            )


def coverage_problems(runbooks: RunbookSet, scenario: Scenario) -> list[RunbookProblem]:
    """Alerts without a runbook, injected classes without one, actions the scenario can't do."""
    source = scenario.source_path or Path("scenario")
    problems = []
    for name, origin in sorted(monitored_alerts(scenario).items()):
        if not runbooks.for_alert(name):
            problems.append(
                RunbookProblem(
                    source,
                    0,
                    f"alert {name!r} from {origin} has no runbook in {runbooks.directory}",
                )
            )
    for fault in scenario.faults:
        kind = fault_kind(fault)
        if not runbooks.for_class(kind):
            problems.append(
                RunbookProblem(
                    source,
                    0,
                    f"fault {fault.id!r} is a {kind}, and no "
                    f"runbook in {runbooks.directory} declares that class",
                )
            )
    for book in runbooks.runbooks:
        problems.extend(_reference_problems(book, scenario))
    return problems


def lint_runbooks(
    directory: Path, scenario: Scenario | None = None
) -> tuple[RunbookSet, list[RunbookProblem]]:
    """The runbooks of ``directory`` and every problem: structure, actions, coverage.

    Example::

        runbooks, problems = lint_runbooks(Path("scenarios/runbooks"), scenario)
        for p in problems: print(p)        # scenarios/runbooks/x.md:3: severity: ...
    """
    runbooks, problems = load_runbooks(directory)
    if scenario is not None:
        problems.extend(coverage_problems(runbooks, scenario))
    return runbooks, problems


def preflight_runbooks(scenario: Scenario) -> list[RunbookProblem]:
    """Before a run: ``InvalidInputError`` listing every broken runbook; coverage gaps (an
    alert or class with no runbook, an action the scenario can't do) come back as warnings."""
    if scenario.runbooks is None:
        return []
    runbooks, problems = load_runbooks(scenario.runbooks)
    if problems:
        raise InvalidInputError("invalid runbooks:\n" + "\n".join(f"  {p}" for p in problems))
    return coverage_problems(runbooks, scenario)
