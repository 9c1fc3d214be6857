"""Telemetry sinks: where users put their records (a file, a list, a forwarder).

Example::

    with JsonlSink(run_dir / "telemetry.jsonl") as sink:
        sink.emit(record)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from simulator.records import TelemetryRecord


@runtime_checkable
class TelemetrySink(Protocol):
    """Where users put their telemetry records."""

    def emit(self, record: TelemetryRecord) -> None:
        """Take one record; must not block for long (it runs on a user's greenlet)."""


class MemorySink:
    """Keeps records in a list (tests, and buffers that forward elsewhere)."""

    def __init__(self) -> None:
        self.records: list[TelemetryRecord] = []

    def emit(self, record: TelemetryRecord) -> None:
        """Append the record."""
        self.records.append(record)

    def drain(self) -> list[TelemetryRecord]:
        """The records so far, leaving the sink empty."""
        out, self.records = self.records, []
        return out


class JsonlSink:
    """Appends records as JSON lines to ``path``, buffered; safe across threads and greenlets.

    Example::

        with JsonlSink(run_dir / "telemetry.jsonl") as sink:
            sink.emit(record)
    """

    def __init__(self, path: str | Path, flush_every: int = 256) -> None:
        self.path = Path(path)
        self.flush_every = flush_every
        self._lines: list[bytes] = []
        self._lock = threading.Lock()
        self._file: Any = None
        self._closed = False

    def emit(self, record: TelemetryRecord) -> None:
        """Buffer one record; writes when ``flush_every`` lines are waiting."""
        line = orjson.dumps(record.to_json()) + b"\n"
        with self._lock:
            if self._closed:
                raise ValueError(f"emit on a closed sink ({self.path})")
            self._lines.append(line)
            if len(self._lines) >= self.flush_every:
                self._write()

    def flush(self) -> None:
        """Write every buffered record to the file."""
        with self._lock:
            self._write()

    def close(self) -> None:
        """Flush and close; later ``emit`` calls raise ``ValueError``."""
        with self._lock:
            if self._closed:
                return
            self._write()
            if self._file is not None:
                self._file.close()
            self._closed = True

    def _write(self) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("ab")
        if self._lines:
            self._file.write(b"".join(self._lines))
            self._lines.clear()
        self._file.flush()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: str | Path) -> Iterator[TelemetryRecord]:
    """The records of a telemetry.jsonl file, in file order."""
    with Path(path).open("rb") as f:
        for line in f:
            if line.strip():
                yield TelemetryRecord.from_json(orjson.loads(line))
