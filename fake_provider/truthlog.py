"""The truth log: one JSON line per request, buffered and flushed at least every second."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import orjson

from fake_provider.records import TruthRecord


class TruthLog:
    """Appends truth records to a JSONL file; nothing recorded is lost on a clean close.

    Example::

        log = TruthLog(Path("truth.jsonl"))
        log.append(record)
        log.flush()  # the server calls this every second and on shutdown
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._buffer: list[bytes] = []
        self._file: IO[bytes] | None = None
        self.written = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "ab")  # noqa: SIM115 - lives as long as the server

    def append(self, record: TruthRecord) -> None:
        """Queue one record (cheap: serialised now, written on the next flush)."""
        if self._file is not None:
            self._buffer.append(orjson.dumps(record.to_json()) + b"\n")

    def flush(self) -> None:
        """Write queued records and hand them to the OS."""
        if self._file is None or not self._buffer:
            return
        data = b"".join(self._buffer)
        self._buffer.clear()
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.written += data.count(b"\n")

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
