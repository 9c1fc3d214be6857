"""The simulated on-call: when an alert fires, run its runbooks' mitigations after a delay.

Every runbook that lists the alert's name is worked through, ``responder.delay`` after the
alert fired (0 = automation). A runbook runs once per incident: while an alert that
triggered it is still firing, further alerts it handles add nothing. Each executed action
becomes an :class:`ActionRecord` (``cause`` = the alert's name) in actions.jsonl, whether
it worked or not (a failure is data, with its error).

Example::

    responder = Responder(runbooks, delay_s=120, effector=effector, actions=log)
    responder.notice(engine.advance(now_s))       # alerts that fired or resolved
    responder.tick(now_s)                         # executes what is due
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from fake_provider.errors import GamedayError
from simulator.budgets.actions import ActionSink
from simulator.records import ActionRecord, Alert
from simulator.runbooks.model import MitigationAction, Runbook, RunbookSet


class Effector(Protocol):
    """Carries out one mitigation; returns what it changed, raises ``GamedayError`` if not."""

    def execute(self, action: MitigationAction, now_s: float) -> tuple[str | None, str]:
        """(target, what changed) of ``action`` executed at ``now_s`` (run seconds)."""


@dataclass(order=True, frozen=True, slots=True)
class _Due:
    at_s: float
    seq: int
    runbook: Runbook = field(compare=False)
    alert: Alert = field(compare=False)


def _episode(alert: Alert) -> tuple[str, float]:
    return (alert.fingerprint or alert.name, round(alert.fired_at, 3))


class Responder:
    """Schedules and executes runbook mitigations for alerts as they fire."""

    def __init__(
        self, runbooks: RunbookSet, delay_s: float, effector: Effector, actions: ActionSink
    ) -> None:
        self.runbooks = runbooks
        self.delay_s = delay_s
        self.effector = effector
        self.actions = actions
        self._queue: list[_Due] = []
        self._seq = 0
        self._seen: set[tuple[str, float]] = set()
        self._resolved: set[tuple[str, float]] = set()
        #: runbook id -> the episodes that triggered its current incident
        self._incidents: dict[str, set[tuple[str, float]]] = {}
        self.executed: list[ActionRecord] = []

    def notice(self, alerts: Iterable[Alert]) -> None:
        """Take alerts that fired or resolved (repeats are ignored)."""
        for alert in alerts:
            key = _episode(alert)
            if alert.resolved_at is not None:
                self._resolved.add(key)
            if key in self._seen:
                continue
            self._seen.add(key)
            for book in self.runbooks.for_alert(alert.name):
                if self._in_incident(book.id):
                    self._incidents[book.id].add(key)
                    continue
                self._incidents[book.id] = {key}
                self._seq += 1
                due = _Due(alert.fired_at + self.delay_s, self._seq, book, alert)
                heapq.heappush(self._queue, due)

    def _in_incident(self, runbook_id: str) -> bool:
        """Whether an alert that triggered this runbook is still firing (or never resolved)."""
        episodes = self._incidents.get(runbook_id)
        return bool(episodes) and not episodes <= self._resolved  # type: ignore[operator]

    def tick(self, now_s: float) -> list[ActionRecord]:
        """Execute every runbook whose delay has passed; the actions taken."""
        out: list[ActionRecord] = []
        while self._queue and self._queue[0].at_s <= now_s + 1e-9:
            due = heapq.heappop(self._queue)
            out.extend(self._run(due, max(due.at_s, 0.0)))
        return out

    def _run(self, due: _Due, at_s: float) -> list[ActionRecord]:
        out = []
        for action in due.runbook.mitigation:
            detail: dict[str, object] = {
                "source": "runbook",
                "runbook": due.runbook.id,
                "alert": due.alert.name,
                "alert_fired_at": due.alert.fired_at,
                "params": dict(action.params),
                "responder_delay_s": self.delay_s,
            }
            target: str | None = None
            try:
                target, change = self.effector.execute(action, at_s)
                detail.update(ok=True, change=change)
            except (GamedayError, OSError, ValueError) as exc:
                detail.update(ok=False, error=str(exc))
            record = ActionRecord(round(at_s, 6), action.kind, due.alert.name, target, detail)
            self.actions.emit_action(record)
            out.append(record)
        self.executed.extend(out)
        return out

    @property
    def pending(self) -> int:
        """Runbook executions scheduled and not yet due."""
        return len(self._queue)
