"""``gameday lint``, ``gameday scenarios`` and ``gameday schema``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.runbooks import RunbookProblem, lint_runbooks
from simulator.scenario import load_scenario, read_yaml, scenario_json_schema

#: Where the shipped scenarios live (the repository's scenarios/ folder).
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def _print_problems(problems: list[RunbookProblem]) -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)


def _cmd_lint_runbooks(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario is not None else None
    runbooks, problems = lint_runbooks(args.path, scenario)
    if problems:
        _print_problems(problems)
        print(f"{args.path}: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    covered = f", covering {scenario.name}" if scenario is not None else ""
    print(f"{args.path}: ok ({len(runbooks)} runbooks{covered})")
    return 0


def _cmd_lint(args: argparse.Namespace) -> int:
    if args.path.is_dir():
        return _cmd_lint_runbooks(args)
    scenario = load_scenario(args.path)
    for warning in scenario.warnings:
        print(f"warning: {args.path}: {warning.path}: {warning.message}", file=sys.stderr)
    from simulator.promstack import plan_stack

    plan_stack(scenario, servers=False)  # promtool check rules, amtool check-config
    if scenario.runbooks is not None:
        _, problems = lint_runbooks(scenario.runbooks, scenario)
        if problems:
            _print_problems(problems)
            return 2
    print(
        f"{args.path}: ok ({scenario.name}, {len(scenario.faults)} faults, "
        f"{scenario.duration_s:g}s)"
    )
    return 0


def add_lint(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday lint``."""
    p = sub.add_parser(
        "lint",
        help="validate a scenario, or a directory of runbooks (structure, actions, coverage)",
    )
    p.add_argument("path", type=Path, help="scenario YAML file, or a runbooks directory")
    p.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help="with a runbooks directory: also check it covers this scenario's alerts and faults",
    )
    p.set_defaults(func=_cmd_lint)


def shipped_scenarios(folder: Path = SCENARIOS_DIR) -> list[tuple[Path, str, str]]:
    """(path, name, first sentence of the description) of every scenario in ``folder``."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = read_yaml(path.read_text(encoding="utf-8"), path)
        except Exception:
            out.append((path, path.stem, "(unreadable: run gameday lint on it)"))
            continue
        if isinstance(data, dict):
            text = " ".join(str(data.get("description", "")).split())
            description = text.split(". ")[0].rstrip(".") + "." if text else ""
            out.append((path, str(data.get("name", path.stem)), description))
    return out


def _cmd_scenarios(args: argparse.Namespace) -> int:
    rows = shipped_scenarios()
    width = max((len(name) for _, name, _ in rows), default=0)
    for path, name, description in rows:
        print(f"{name.ljust(width)}  {description}")
        print(f"{' ' * width}  {path}")
    return 0


def add_scenarios(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday scenarios``."""
    p = sub.add_parser("scenarios", help="list the shipped scenarios")
    p.set_defaults(func=_cmd_scenarios)


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(scenario_json_schema(), indent=2))
    return 0


def add_schema(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday schema``."""
    p = sub.add_parser("schema", help="print the scenario JSON Schema (for editors)")
    p.set_defaults(func=_cmd_schema)
