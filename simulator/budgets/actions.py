"""Where budget guards and runbook responders put their actions (actions.jsonl).

Example::

    with ActionLog(run_dir / "actions.jsonl") as log:
        log.emit_action(ActionRecord(t=12.5, kind="budget_block", cause="spend_per_minute_usd"))
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from simulator.records import ActionRecord


@runtime_checkable
class ActionSink(Protocol):
    """Takes one action record; must not block for long (it runs on a user's greenlet)."""

    def emit_action(self, record: ActionRecord) -> None:
        """Record one action."""


class MemoryActions:
    """Keeps actions in a list (tests, virtual time, buffers that forward elsewhere)."""

    def __init__(self) -> None:
        self.actions: list[ActionRecord] = []

    def emit_action(self, record: ActionRecord) -> None:
        """Append the action."""
        self.actions.append(record)

    def drain(self) -> list[ActionRecord]:
        """The actions so far, leaving the sink empty."""
        out, self.actions = self.actions, []
        return out


class ActionLog:
    """Appends actions to ``path`` as JSON lines, flushed at once (actions are rare and matter)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file: Any = None
        self.count = 0

    def emit_action(self, record: ActionRecord) -> None:
        """Write one action and flush it."""
        line = orjson.dumps(record.to_json()) + b"\n"
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("ab")
            self._file.write(line)
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        """Close the file (creating it empty when nothing was written)."""
        with self._lock:
            if self._file is None:
                self.path.touch()
            else:
                self._file.close()
                self._file = None

    def __enter__(self) -> ActionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_actions(path: str | Path) -> Iterator[ActionRecord]:
    """The actions of an actions.jsonl file, in file order."""
    with Path(path).open("rb") as f:
        for line in f:
            if line.strip():
                yield ActionRecord.from_json(orjson.loads(line))
