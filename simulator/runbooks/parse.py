"""Reading runbooks: Markdown with YAML front matter, every problem with its file and line.

A runbook file::

    ---
    id: silent-model-swap
    alerts: [LLMModelChanged, LLMFormatFailures]
    failure_classes: [silent_model_swap]
    severity: critical
    mitigation:
      - pin_model: {behaviour: baseline}
      - rollback_prompt
    ---
    # Silent model swap
    ## Trigger
    ...
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import yaml

from fake_provider.config import FAULT_KINDS
from simulator.runbooks.model import (
    ACTION_KINDS,
    ACTION_PARAMS,
    SEVERITIES,
    ActionKind,
    MitigationAction,
    ParamSpec,
    Runbook,
    RunbookProblem,
    RunbookSet,
    sections_missing,
)
from simulator.scenario.durations import duration_seconds

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_KEYS = ("id", "alerts", "failure_classes", "severity", "mitigation", "title", "owner")


class _Reader:
    """Collects problems for one file while walking its front matter nodes."""

    def __init__(self, path: Path, first_line: int) -> None:
        self.path = path
        self.first_line = first_line  # file line of the front matter's first line
        self.problems: list[RunbookProblem] = []

    def line_of(self, node: yaml.Node | None) -> int:
        return self.first_line + node.start_mark.line if node is not None else 1

    def problem(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(RunbookProblem(self.path, self.line_of(node), message))


def _suggest(value: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(options)}"


def split_front_matter(text: str) -> tuple[str, int, str, int] | None:
    """(front matter, its first line, body, body's first line), or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), 2, "".join(lines[i + 1 :]), i + 2
    return None


def _strings(reader: _Reader, node: yaml.Node, key: str) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is accepted as a list of one)."""
    if isinstance(node, yaml.ScalarNode) and node.value:
        return (str(node.value),)
    if not isinstance(node, yaml.SequenceNode):
        reader.problem(node, f"{key}: expected a list of names")
        return ()
    out = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode) and item.value:
            out.append(str(item.value))
        else:
            reader.problem(item, f"{key}: expected a name, got {_show(item)}")
    return tuple(out)


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _value(node: yaml.Node) -> Any:
    """The Python value of a composed node (safe types only)."""
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _param(reader: _Reader, node: yaml.Node, where: str, spec: ParamSpec) -> Any:
    """One parameter value of the spec's kind; None (and a problem) when it is not."""
    value = _value(node)
    try:
        if spec.kind == "str":
            if not isinstance(value, str) or not value:
                raise ValueError("expected a non-empty name")
            return value
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError("expected a whole number >= 1")
            return value
        if spec.kind == "fraction":
            number = float(value)
            if isinstance(value, bool) or not (0 < number <= 1) or not math.isfinite(number):
                raise ValueError("expected a share above 0 and at most 1")
            return number
        seconds = duration_seconds(value) if isinstance(value, str) else float(value)
        if seconds <= 0:
            raise ValueError("expected a positive duration such as 90s or 2m")
        return seconds
    except (TypeError, ValueError) as exc:
        detail = str(exc) if str(exc).startswith("expected") else "expected a duration"
        reader.problem(node, f"{where}: {detail}, got {value!r}")
        return None


def _action(reader: _Reader, node: yaml.Node, index: int) -> MitigationAction | None:
    """``- kind`` or ``- kind: {param: value}``."""
    where = f"mitigation[{index}]"
    if isinstance(node, yaml.ScalarNode):
        name, params_node = str(node.value), None
    elif isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key_node, params_node = node.value[0]
        name = str(key_node.value)
    else:
        reader.problem(
            node,
            f"{where}: expected an action name, or one action name mapped to "
            "its parameters (pin_model: {behaviour: baseline})",
        )
        return None
    if name not in ACTION_KINDS:
        reader.problem(node, f"{where}: unknown action {name!r}{_suggest(name, ACTION_KINDS)}")
        return None
    specs = ACTION_PARAMS[name]
    params: dict[str, Any] = {}
    if params_node is not None and not (
        isinstance(params_node, yaml.ScalarNode) and params_node.value in ("", "~", "null")
    ):
        if not isinstance(params_node, yaml.MappingNode):
            reader.problem(params_node, f"{where}.{name}: expected a mapping of parameters")
            return None
        for key_node, value_node in params_node.value:
            key = str(key_node.value)
            if key not in specs:
                options = sorted(specs) or ["(none)"]
                reader.problem(
                    key_node, f"{where}.{name}: unknown parameter {key!r}{_suggest(key, options)}"
                )
                continue
            params[key] = _param(reader, value_node, f"{where}.{name}.{key}", specs[key])
    for key, spec in specs.items():
        if key not in params:
            if spec.required:
                reader.problem(node, f"{where}.{name}: missing required parameter {key!r}")
            elif spec.default is not None:
                params[key] = spec.default
    return MitigationAction(cast(ActionKind, name), params, reader.line_of(node))


def _headings(body: str) -> list[str]:
    """Markdown ATX headings of the body, outside fenced code blocks."""
    out, fenced = [], False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            out.append(match.group(2))
    return out


def _front_matter(reader: _Reader, text: str) -> yaml.MappingNode | None:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = reader.first_line + mark.line if mark is not None else reader.first_line
        detail = getattr(err, "problem", None) or str(err)
        reader.problems.append(RunbookProblem(reader.path, line, f"invalid YAML: {detail}"))
        return None
    if not isinstance(node, yaml.MappingNode):
        reader.problem(
            node,
            "front matter: expected a mapping with id, alerts, "
            "failure_classes, severity and mitigation",
        )
        return None
    return node


def _fields(reader: _Reader, root: yaml.MappingNode) -> dict[str, yaml.Node]:
    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in _KEYS:
            reader.problem(key_node, f"unknown front matter key {key!r}{_suggest(key, _KEYS)}")
        elif key in fields:
            reader.problem(key_node, f"{key}: given twice")
        else:
            fields[key] = value_node
    for key in ("id", "alerts", "failure_classes", "severity", "mitigation"):
        if key not in fields:
            reader.problem(root, f"front matter: missing required key {key!r}")
    return fields


def _checked_classes(reader: _Reader, node: yaml.Node) -> tuple[str, ...]:
    classes = _strings(reader, node, "failure_classes")
    for name in classes:
        if name not in FAULT_KINDS:
            reader.problem(
                node, f"failure_classes: unknown class {name!r}{_suggest(name, FAULT_KINDS)}"
            )
    return classes


def parse_runbook(
    path: Path, text: str | None = None
) -> tuple[Runbook | None, list[RunbookProblem]]:
    """The runbook in ``path`` and every problem found (the runbook is None when any)."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return None, [RunbookProblem(path, 0, f"cannot read: {exc}")]
    split = split_front_matter(text)
    if split is None:
        return None, [
            RunbookProblem(
                path, 1, "expected YAML front matter between '---' lines at the top of the file"
            )
        ]
    front, first_line, body, body_line = split
    reader = _Reader(path, first_line)
    root = _front_matter(reader, front)
    if root is None:
        return None, reader.problems
    fields = _fields(reader, root)
    runbook_id = str(_value(fields["id"])) if "id" in fields else path.stem
    if "id" in fields and not _ID.match(runbook_id):
        reader.problem(
            fields["id"], f"id: expected letters, digits, '.', '_' and '-', got {runbook_id!r}"
        )
    alerts = _strings(reader, fields["alerts"], "alerts") if "alerts" in fields else ()
    classes = (
        _checked_classes(reader, fields["failure_classes"]) if "failure_classes" in fields else ()
    )
    severity = str(_value(fields["severity"])) if "severity" in fields else ""
    if "severity" in fields and severity not in SEVERITIES:
        reader.problem(
            fields["severity"], f"severity: unknown {severity!r}{_suggest(severity, SEVERITIES)}"
        )
    actions: list[MitigationAction] = []
    if "mitigation" in fields:
        node = fields["mitigation"]
        if not isinstance(node, yaml.SequenceNode):
            reader.problem(node, "mitigation: expected a list of actions (may be empty: [])")
        else:
            actions = [
                a
                for i, item in enumerate(node.value)
                if (a := _action(reader, item, i)) is not None
            ]
    sections = _headings(body)
    for name in sections_missing(sections):
        reader.problems.append(
            RunbookProblem(
                path,
                body_line,
                f"missing required section '## {name}' (every runbook has "
                "Trigger, Diagnosis, Mitigation and Escalation)",
            )
        )
    if reader.problems:
        return None, reader.problems
    title = str(_value(fields["title"])) if "title" in fields else (sections[0] if sections else "")
    return Runbook(
        runbook_id, path, alerts, classes, severity, tuple(actions), tuple(sections), title
    ), []


def load_runbooks(directory: Path) -> tuple[RunbookSet, list[RunbookProblem]]:
    """Every ``*.md`` runbook in ``directory`` (README.md excepted), and all their problems."""
    if not directory.is_dir():
        return RunbookSet((), directory), [
            RunbookProblem(directory, 0, "expected a directory of runbook .md files")
        ]
    books: list[Runbook] = []
    problems: list[RunbookProblem] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        book, found = parse_runbook(path)
        problems.extend(found)
        if book is None:
            continue
        if book.id in seen:
            problems.append(
                RunbookProblem(path, 2, f"id {book.id!r} is already used by {seen[book.id].name}")
            )
            continue
        seen[book.id] = path
        books.append(book)
    if not books and not problems:
        problems.append(RunbookProblem(directory, 0, "no runbook (*.md) in this directory"))
    return RunbookSet(tuple(books), directory), problems
