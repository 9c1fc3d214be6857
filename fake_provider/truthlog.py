"""The truth log: one JSON line per request, buffered and flushed at least every second."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import orjson

from fake_provider.records import TRUTH_SCHEMA_VERSION, TruthRecord

_SCHEMA_TAIL = b',"schema_version":%d}\n' % TRUTH_SCHEMA_VERSION
#: Records serialised together (a few tens of kilobytes of lines).
_BATCH = 64


def dumps_truth(record: TruthRecord) -> bytes:
    """``record.to_json()`` as one JSON line, byte for byte, without building the dict.

    orjson writes a dataclass as an object of its fields in order (tuples as arrays); the
    ``schema_version`` that ``to_json`` appends last is spliced in before the closing brace.
    """
    return orjson.dumps(record)[:-1] + _SCHEMA_TAIL


class TruthLog:
    """Appends truth records to a JSONL file; nothing recorded is lost on a clean close.

    Example::

        log = TruthLog(Path("truth.jsonl"))
        log.append(record)
        log.flush()  # the server calls this every second and on shutdown
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        #: Records not serialised yet (see :meth:`append`), then their serialised lines.
        self._pending: list[TruthRecord] = []
        self._buffer: list[bytes] = []
        self._file: IO[bytes] | None = None
        self.written = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "ab")  # noqa: SIM115 - lives as long as the server

    def append(self, record: TruthRecord) -> None:
        """Queue one record, written on the next flush.

        Records are serialised ``_BATCH`` at a time, in one tight loop, rather than one
        between every two answers; records are immutable, so the lines come out the same.
        """
        if self._file is not None:
            pending = self._pending
            pending.append(record)
            if len(pending) >= _BATCH:
                self._serialise_pending()

    def _serialise_pending(self) -> None:
        self._buffer.append(b"".join(map(dumps_truth, self._pending)))
        self._pending.clear()

    def flush(self) -> None:
        """Write queued records and hand them to the OS."""
        if self._pending:
            self._serialise_pending()
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
