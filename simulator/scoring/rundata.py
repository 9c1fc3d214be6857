"""Read a run directory's records, and alert files from any alerting stack, for the scorer."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from fake_provider.errors import InvalidInputError
from fake_provider.records import TruthRecord
from simulator.intake.book import AlertBook, IntakeError
from simulator.records import ActionRecord, Alert, TelemetryRecord

T = TypeVar("T")

_ALERT_SHAPES = (
    "an alerts.jsonl line {name, fired_at, ...}, an Alertmanager webhook payload "
    "{alerts: [...]} or an array of Alertmanager v2 alerts {labels, annotations, startsAt, "
    "endsAt}"
)


@dataclass(frozen=True, slots=True)
class RunData:
    """The records of one run directory, and notes on anything skipped while reading."""

    run_dir: Path
    truth: tuple[TruthRecord, ...]
    telemetry: tuple[TelemetryRecord, ...]
    alerts: tuple[Alert, ...]
    actions: tuple[ActionRecord, ...]
    notes: tuple[str, ...] = ()


def read_json_lines(
    path: Path, notes: list[str], expected: str = "one JSON object per line"
) -> list[tuple[int, Any]]:
    """``(line number, value)`` of each JSON line; a torn last line is noted and skipped.

    A torn line is an unfinished last line (no newline after it), as an interrupted writer
    leaves; a missing file holds nothing; any other bad line raises
    :class:`InvalidInputError` saying what was ``expected``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    lines = raw.split(b"\n")
    last = len(lines)
    while last > 0 and not lines[last - 1].strip():
        last -= 1
    loads = orjson.loads
    out = []
    for n in range(last):
        line = lines[n]
        if not line or line.isspace():
            continue
        try:
            out.append((n + 1, loads(line)))
        except orjson.JSONDecodeError as exc:
            if n == last - 1 and not raw.endswith(b"\n"):
                notes.append(f"{path.name}: skipped a torn last line {n + 1} (interrupted run?)")
                break
            raise InvalidInputError(
                f"{path}: line {n + 1} is not JSON ({exc}); expected {expected}"
            ) from None
    return out


def _action(data: Mapping[str, Any]) -> ActionRecord:
    """An :class:`ActionRecord` from its ``to_json`` form."""
    return ActionRecord.from_json(data)


def _records(
    path: Path, build: Callable[[Mapping[str, Any]], T], what: str, notes: list[str]
) -> tuple[T, ...]:
    """Every line of ``path`` built into a record; a line that is not one names the file."""
    out = []
    for n, value in read_json_lines(path, notes):
        try:
            if type(value) is not dict:
                raise TypeError(f"got {type(value).__name__}")
            out.append(build(value))
        except (TypeError, KeyError, ValueError) as exc:
            raise InvalidInputError(f"{path}: line {n}: expected {what} ({exc})") from None
    return tuple(out)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic records are built
    (its generational passes otherwise cost about as much as the parsing)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_run(run_dir: str | Path) -> RunData:
    """Read truth.jsonl, telemetry.jsonl, alerts.jsonl and actions.jsonl (missing = empty).

    Example::

        data = load_run("reports/quickstart-20250101T120000Z")
        len(data.truth), data.notes
    """
    base = Path(run_dir)
    if not base.is_dir():
        raise InvalidInputError(f"{base}: expected a run directory (reports/<scenario>-<time>/)")
    notes: list[str] = []
    with gc_paused():
        return RunData(
            run_dir=base,
            truth=_records(base / "truth.jsonl", TruthRecord.from_json, "a truth record", notes),
            telemetry=_records(
                base / "telemetry.jsonl", TelemetryRecord.from_json, "a telemetry record", notes
            ),
            alerts=_records(base / "alerts.jsonl", Alert.from_json, "an alert record", notes),
            actions=_records(base / "actions.jsonl", _action, "an action record", notes),
            notes=tuple(notes),
        )


def read_alert_file(
    path: str | Path, run_start_unix: float, *, now_unix: float | None = None
) -> list[Alert]:
    """Alerts from our alerts.jsonl lines or Alertmanager-shaped JSON, times relative to the run.

    Accepts alerts.jsonl lines, an Alertmanager webhook payload (or one per line), or an
    array of v2 API alerts; UTC timestamps become seconds since ``run_start_unix``. An
    ``endsAt`` after ``now_unix`` (default: now) or Go's zero time means still firing.

    Example::

        alerts = read_alert_file("am-export.json", run_start_unix=1_735_732_800.0)
    """
    source = Path(path)
    now = time.time() if now_unix is None else now_unix
    values = _alert_values(source)
    ours: list[Alert] = []
    book = AlertBook(t0_unix=run_start_unix)
    for where, value in values:
        try:
            if isinstance(value, list):
                book.receive_v2(value, now, source="import")
            elif isinstance(value, dict) and isinstance(value.get("alerts"), list):
                book.receive_webhook(value, now)
            elif isinstance(value, dict) and "fired_at" in value:
                ours.append(Alert.from_json(value))
            elif isinstance(value, dict) and "labels" in value:
                book.receive_v2([value], now, source="import")
            else:
                raise InvalidInputError(f"{source}: {where}expected {_ALERT_SHAPES}")
        except IntakeError as exc:
            raise InvalidInputError(f"{source}: {where}{exc}; expected {_ALERT_SHAPES}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"{source}: {where}not an alert record ({exc}); expected {_ALERT_SHAPES}"
            ) from None
    # Arrival here is the import, not a notification: no notified_at for imported alerts.
    imported = [dataclasses.replace(a, source="import", notified_at=None) for a in book.episodes()]
    return sorted(ours + imported, key=lambda a: (a.fired_at, a.name))


def _alert_values(source: Path) -> list[tuple[str, Any]]:
    """``(where, value)`` pairs: the whole file as one JSON document, else one per line."""
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    try:
        return [("", orjson.loads(raw))]
    except orjson.JSONDecodeError:
        pass
    notes: list[str] = []
    return [(f"line {n}: ", value) for n, value in read_json_lines(source, notes, _ALERT_SHAPES)]
