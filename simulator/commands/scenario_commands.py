"""``gameday lint``, ``gameday scenarios`` and ``gameday schema``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.scenario import load_scenario, read_yaml, scenario_json_schema

#: Where the shipped scenarios live (the repository's scenarios/ folder).
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def _cmd_lint(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.path)
    for warning in scenario.warnings:
        print(f"warning: {args.path}: {warning.path}: {warning.message}", file=sys.stderr)
    print(
        f"{args.path}: ok ({scenario.name}, {len(scenario.faults)} faults, "
        f"{scenario.duration_s:g}s)"
    )
    return 0


def add_lint(sub: argparse._SubParsersAction) -> None:
    """Register ``gameday lint``."""
    p = sub.add_parser("lint", help="validate a scenario without running it")
    p.add_argument("path", type=Path, help="scenario YAML file")
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
