"""Read a run directory for the report: scorecard, run.json, scenario, alerts, actions, and
the telemetry as numpy columns (a million requests read in a few seconds, little memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from fake_provider.errors import GamedayError, InvalidInputError
from simulator.records import Alert, TelemetryRecord
from simulator.scenario import Scenario, load_scenario
from simulator.scoring.rundata import gc_paused, read_json_lines

#: Outcome groups the traffic panel stacks, in this order (index = code in ``outcome``).
OUTCOME_GROUPS = ("ok", "rate_limited", "server_error", "budget_blocked", "other")
_OUTCOME_CODE = {name: i for i, name in enumerate(OUTCOME_GROUPS[:-1])}
_OTHER = len(OUTCOME_GROUPS) - 1
_TRISTATE = {None: -1, False: 0, True: 1}
_CHUNK_BYTES = 32 << 20
#: The report's telemetry columns, saved by scoring beside telemetry.jsonl.
COLUMNS_FILE = "telemetry.columns.npz"


@dataclass(frozen=True, slots=True)
class Telemetry:
    """Client telemetry as columns, one entry per request, in file (arrival) order.

    ``outcome`` indexes :data:`OUTCOME_GROUPS`; ``format_ok`` and ``correct`` are -1
    (not checked / not graded), 0 or 1; ``ttft_s`` is NaN for non-streamed requests;
    ``agent_step`` is the step of agent requests and 0 for every other kind.
    """

    t: np.ndarray
    outcome: np.ndarray
    status: np.ndarray
    format_ok: np.ndarray
    correct: np.ndarray
    latency_s: np.ndarray
    ttft_s: np.ndarray
    tokens: np.ndarray
    cost_usd: np.ndarray
    agent_step: np.ndarray

    @property
    def size(self) -> int:
        """Number of requests."""
        return int(self.t.size)


@dataclass(frozen=True, slots=True)
class RunFiles:
    """Everything the report reads from one run directory; ``card`` is None before scoring."""

    run_dir: Path
    card: Mapping[str, Any] | None
    meta: Mapping[str, Any]
    scenario: Scenario | None
    scenario_text: str | None
    telemetry: Telemetry
    alerts: tuple[Alert, ...]
    actions: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...]


def _columns(
    records: Sequence[Any], getter: Callable[[str], Callable[[Any], Any]] = itemgetter
) -> Telemetry:
    """Columns from telemetry records: parsed dicts (each holding every field read here), or
    :class:`TelemetryRecord` objects with ``getter=attrgetter``."""
    n = len(records)

    def field(name: str) -> Iterator[Any]:
        return map(getter(name), records)

    tristate = _TRISTATE.__getitem__
    return Telemetry(
        t=np.fromiter(field("t"), np.float64, n),
        outcome=np.fromiter(map(_OUTCOME_CODE.get, field("outcome"), repeat(_OTHER)), np.int8, n),
        status=np.fromiter(field("status"), np.int64, n),
        format_ok=np.fromiter(map(tristate, field("format_ok")), np.int8, n),
        correct=np.fromiter(map(tristate, field("correct")), np.int8, n),
        latency_s=np.fromiter(field("latency_s"), np.float64, n),
        ttft_s=np.array(list(field("ttft_s")), dtype=np.float64).reshape(n),  # None: NaN
        tokens=np.fromiter(field("input_tokens"), np.int64, n)
        + np.fromiter(field("output_tokens"), np.int64, n),
        cost_usd=np.fromiter(field("cost_usd"), np.float64, n),
        agent_step=np.where(
            np.fromiter(map("agent".__eq__, field("user_kind")), bool, n),
            np.fromiter(field("step"), np.int64, n),
            0,
        ),
    )


def _normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields read here of one record, tolerating an older record without some."""
    return {
        "t": float(data["t"]),
        "outcome": data.get("outcome", "ok"),
        "status": int(data.get("status") or 0),
        "format_ok": data.get("format_ok"),
        "correct": data.get("correct"),
        "latency_s": float(data.get("latency_s") or 0.0),
        "ttft_s": data.get("ttft_s"),
        "input_tokens": int(data.get("input_tokens") or 0),
        "output_tokens": int(data.get("output_tokens") or 0),
        "cost_usd": float(data.get("cost_usd") or 0.0),
        "user_kind": data.get("user_kind"),
        "step": int(data.get("step") or 0),
    }


def _chunks(path: Path) -> Iterator[list[bytes]]:
    """Lines of ``path`` in chunks of about 32 MiB."""
    with open(path, "rb") as handle:
        while lines := handle.readlines(_CHUNK_BYTES):
            yield lines


def _slow_records(lines: Iterable[bytes], path: Path, notes: list[str]) -> list[dict[str, Any]]:
    """Records one line at a time: skips blank lines and a torn last line, names bad lines."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        try:
            out.append(_normalised(orjson.loads(line)))
        except orjson.JSONDecodeError:
            if not line.endswith(b"\n"):
                notes.append(f"{path.name}: skipped a torn last line (interrupted run?)")
                continue
            raise InvalidInputError(
                f"{path}: a line is not JSON; expected a telemetry record"
            ) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(f"{path}: not a telemetry record ({exc})") from None
    return out


def _stamp(path: Path) -> np.ndarray:
    """Size and modification time of ``path``: what the columns file was made from."""
    info = path.stat()
    return np.array([info.st_size, info.st_mtime_ns], dtype=np.int64)


def save_telemetry_columns(run_dir: Path, records: Sequence[TelemetryRecord]) -> None:
    """Write telemetry.columns.npz beside telemetry.jsonl, from records already read.

    Scoring reads every record anyway; keeping the columns the report draws from means a
    million-request report does not parse the JSON lines again. The file records the size
    and mtime of telemetry.jsonl, and is ignored once they no longer match.
    """
    source = run_dir / "telemetry.jsonl"
    if not source.is_file():
        return
    columns = _columns(records, attrgetter)
    arrays = {name: getattr(columns, name) for name in Telemetry.__slots__}
    tmp = run_dir / f".{COLUMNS_FILE}.tmp"
    with open(tmp, "wb") as handle:
        np.savez(handle, source_stamp=_stamp(source), **arrays)
    tmp.replace(run_dir / COLUMNS_FILE)


def _saved_columns(path: Path) -> Telemetry | None:
    """The columns file beside ``path`` when it was made from ``path`` as it is now."""
    saved = path.with_name(COLUMNS_FILE)
    try:
        with np.load(saved, allow_pickle=False) as data:
            if not np.array_equal(data["source_stamp"], _stamp(path)):
                return None
            return Telemetry(*(data[name] for name in Telemetry.__slots__))
    except (OSError, KeyError, ValueError):
        return None


def read_telemetry_columns(path: Path, notes: list[str]) -> Telemetry:
    """telemetry.jsonl as :class:`Telemetry` (empty when the file is missing); from the
    columns file scoring left beside it when that is current."""
    if path.is_file() and (saved := _saved_columns(path)) is not None:
        return saved
    parts: list[Telemetry] = []
    chunks = _chunks(path) if path.is_file() else iter(())
    with gc_paused():  # a chunk is ~40,000 acyclic dicts: the cyclic GC only slows this down
        for lines in chunks:
            try:
                records = list(map(orjson.loads, lines))
                parts.append(_columns(records))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                records = _slow_records(lines, path, notes)
                try:
                    parts.append(_columns(records))
                except (KeyError, TypeError, ValueError) as exc:  # e.g. format_ok "yes"
                    raise InvalidInputError(f"{path}: not a telemetry record ({exc})") from None
    if len(parts) <= 1:
        return parts[0] if parts else _columns([])
    return Telemetry(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in Telemetry.__slots__)
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object file, or None when it is missing."""
    try:
        value = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read it as JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{path}: expected a JSON object")
    return value


def scenario_as_run(run_dir: Path, meta: Mapping[str, Any], notes: list[str]) -> Scenario | None:
    """The scenario copy in the run directory (else the recorded path), with the run's
    seed, duration and traffic overrides from run.json; None (and a note) when neither loads."""
    overrides = {key: meta.get(key) for key in ("seed", "users", "spawn_rate")}
    overrides["duration"] = meta.get("duration_s")
    recorded = meta.get("scenario_path")
    candidates = [run_dir / "scenario.yaml"]
    if isinstance(recorded, str):
        candidates.append(Path(recorded))
    problems = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            return load_scenario(path, overrides=overrides)
        except GamedayError as exc:
            problems.append(str(exc).splitlines()[0])
    notes.append("scenario not available" + (f": {problems[0]}" if problems else ""))
    return None


def load_run_files(run_dir: Path) -> RunFiles:
    """Read what the report needs from ``run_dir``; missing record files are empty."""
    if not run_dir.is_dir():
        raise InvalidInputError(
            f"{run_dir}: not a directory; expected a run directory "
            "(reports/<scenario>-<UTC timestamp>/)"
        )
    notes: list[str] = []
    meta = _read_json(run_dir / "run.json") or {}
    card = _read_json(run_dir / "scorecard.json")
    scenario_file = run_dir / "scenario.yaml"
    alerts = []
    for n, value in read_json_lines(run_dir / "alerts.jsonl", notes):
        try:
            alerts.append(Alert.from_json(value))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(
                f"{run_dir / 'alerts.jsonl'}: line {n}: not an alert ({exc})"
            ) from None
    actions = tuple(
        v for _, v in read_json_lines(run_dir / "actions.jsonl", notes) if isinstance(v, dict)
    )
    return RunFiles(
        run_dir=run_dir,
        card=card,
        meta=meta,
        scenario=scenario_as_run(run_dir, meta, notes),
        scenario_text=scenario_file.read_text(encoding="utf-8", errors="replace")
        if scenario_file.is_file()
        else None,
        telemetry=read_telemetry_columns(run_dir / "telemetry.jsonl", notes),
        alerts=tuple(sorted(alerts, key=lambda a: (a.fired_at, a.name))),
        actions=actions,
        notes=tuple(notes),
    )
