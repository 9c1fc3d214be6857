"""Runbook records: what a runbook handles, and the machine-executable mitigations it lists."""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: Mitigations a runbook may execute (DESIGN.md, issue 6).
ActionKind = Literal[
    "pin_model",
    "fallback_model",
    "rollback_prompt",
    "restore_config",
    "throttle",
    "kill_looping_sessions",
    "lower_max_tokens",
]
ACTION_KINDS: tuple[ActionKind, ...] = typing.get_args(ActionKind)
#: Actions the fake provider carries out (through its admin API); the rest the clients do.
PROVIDER_ACTIONS: frozenset[str] = frozenset({"pin_model", "fallback_model"})
#: Sections every runbook must have, in this order of reading (headings of any level).
REQUIRED_SECTIONS: tuple[str, ...] = ("Trigger", "Diagnosis", "Mitigation", "Escalation")
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info", "page", "ticket")


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of an action: its type, whether it is required, and its default."""

    kind: Literal["str", "int", "fraction", "duration"]
    required: bool = False
    default: Any = None


#: Parameters each action takes (anything else is a lint error).
ACTION_PARAMS: Mapping[str, Mapping[str, ParamSpec]] = {
    # model: the alias to fix (default: the scenario's traffic model); behaviour: the
    # known-good profile to pin (default: the model's configured behaviour).
    "pin_model": {"model": ParamSpec("str"), "behaviour": ParamSpec("str")},
    "fallback_model": {"model": ParamSpec("str"), "to": ParamSpec("str", required=True)},
    # prompt: the registry entry to roll back to its first (known-good) version; default all.
    "rollback_prompt": {"prompt": ParamSpec("str")},
    "restore_config": {},
    # keep: share of new sessions let through; for: how long before traffic is restored.
    "throttle": {
        "keep": ParamSpec("fraction", default=0.5),
        "for": ParamSpec("duration", default=120.0),
    },
    # max_steps: agent sessions past this many steps are ended.
    "kill_looping_sessions": {"max_steps": ParamSpec("int", default=5)},
    "lower_max_tokens": {"max_tokens": ParamSpec("int", default=256)},
}


@dataclass(frozen=True, slots=True)
class MitigationAction:
    """One executable step of a runbook, with its parameters (defaults filled in).

    Example::

        MitigationAction("pin_model", {"model": "gpt-4o-mini", "behaviour": "baseline"})
    """

    kind: ActionKind
    params: Mapping[str, Any] = field(default_factory=dict)
    #: Line of the action in the runbook file (for messages).
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Runbook:
    """A parsed runbook: the alerts and failure classes it handles and what it executes."""

    id: str
    path: Path
    alerts: tuple[str, ...]
    failure_classes: tuple[str, ...]
    severity: str
    mitigation: tuple[MitigationAction, ...]
    #: Headings found in the body, as written.
    sections: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True, slots=True)
class RunbookProblem:
    """What is wrong with a runbook (or with coverage), where: file and line (0 = whole file)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class RunbookSet:
    """Every runbook of a directory, in file-name order, looked up by alert or class.

    Example::

        runbooks = load_runbooks(Path("scenarios/runbooks"))
        [r.id for r in runbooks.for_alert("LLMRateLimited")]   # ['rate-limit']
    """

    runbooks: tuple[Runbook, ...] = ()
    directory: Path | None = None

    def for_alert(self, alertname: str) -> tuple[Runbook, ...]:
        """Every runbook that lists ``alertname``, in file-name order."""
        return tuple(r for r in self.runbooks if alertname in r.alerts)

    def for_class(self, failure_class: str) -> tuple[Runbook, ...]:
        """Every runbook that declares ``failure_class``."""
        return tuple(r for r in self.runbooks if failure_class in r.failure_classes)

    def by_id(self, runbook_id: str) -> Runbook | None:
        """The runbook with this id, if any."""
        return next((r for r in self.runbooks if r.id == runbook_id), None)

    def url_of(self, alertname: str) -> str | None:
        """The file of the first runbook that handles ``alertname`` (its ``runbook_url``)."""
        found = self.for_alert(alertname)
        return str(found[0].path) if found else None

    @property
    def alert_names(self) -> frozenset[str]:
        """Every alert name some runbook handles."""
        return frozenset(name for r in self.runbooks for name in r.alerts)

    def __len__(self) -> int:
        return len(self.runbooks)


def sections_missing(sections: Sequence[str]) -> list[str]:
    """Required sections not among ``sections`` (compared case-insensitively, by first word)."""
    have = {s.strip().split(" ")[0].strip(":").lower() for s in sections if s.strip()}
    return [name for name in REQUIRED_SECTIONS if name.lower() not in have]
