"""The monitor engine: feeds records to monitors, ticks them, turns findings into alert episodes.

The same engine runs live (the orchestrator calls ``observe`` as requests complete and
``advance`` on a timer) and offline (``replay`` over telemetry.jsonl), so both agree: a
record counts from the instant it completed (``t + latency_s``) and every tick boundary
``k * tick_s`` is evaluated once, after the records that completed before it.

Example::

    engine = MonitorEngine(build_monitors([BuiltinPack()], budgets), 5.0, t0_unix)
    for record in records:
        engine.advance(record.t + record.latency_s)
        engine.observe(record)
    alerts = engine.close(duration_s)
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import orjson

from fake_provider.errors import InvalidInputError
from simulator.monitors.base import CommonParams, Finding, Monitor
from simulator.records import Alert, TelemetryRecord, alert_fingerprint, format_utc

_MAX_ERRORS = 100
#: Hold times for monitors that do not set ``for_ticks`` / ``resolve_ticks`` themselves.
_HOLD = CommonParams()


@dataclasses.dataclass(slots=True)
class _State:
    """Hold-time bookkeeping of one monitor."""

    streak: int = 0
    episode: Alert | None = None


class MonitorEngine:
    """Runs monitors on ticks of ``tick_s`` seconds and keeps their alert episodes."""

    def __init__(
        self, monitors: Sequence[Monitor], tick_s: float = 5.0, clock_origin_unix: float = 0.0
    ) -> None:
        if tick_s <= 0:
            raise InvalidInputError(f"tick_s: expected a positive number, got {tick_s!r}")
        self.monitors = list(monitors)
        self.tick_s = tick_s
        self.clock_origin_unix = clock_origin_unix
        self._states = [_State() for _ in self.monitors]
        self._done: list[Alert] = []
        self._next_k = 1
        #: The latest finding of each monitor (None: could not judge).
        self.findings: list[Finding | None] = [None] * len(self.monitors)
        #: Monitor failures (data, not exceptions): the run carries on without that verdict.
        self.errors: list[str] = []
        feeds: dict[int, Callable[[TelemetryRecord], None]] = {}
        for m in self.monitors:
            shared = getattr(m, "shared_feed", None)
            feed = shared.observe if shared is not None else m.observe
            feeds.setdefault(id(shared) if shared is not None else id(m), feed)
        self._feeds = tuple(feeds.values())

    @property
    def next_tick_s(self) -> float:
        """The next tick boundary not evaluated yet."""
        return self._next_k * self.tick_s

    def observe(self, record: TelemetryRecord) -> None:
        """Feed one completed request to every monitor (shared tallies once)."""
        for feed in self._feeds:
            try:
                feed(record)
            except Exception as exc:  # a crashing monitor is data, not the end of the run
                self._error(f"observe: {exc!r}")

    def advance(self, now_s: float) -> list[Alert]:
        """Tick every boundary up to and including ``now_s`` that has not been ticked."""
        out: list[Alert] = []
        while self._next_k * self.tick_s <= now_s + 1e-9:
            out.extend(self.tick(self._next_k * self.tick_s))
        return out

    def tick(self, now_s: float) -> list[Alert]:
        """Evaluate every monitor at ``now_s``; returns alerts that fired or resolved."""
        self._next_k = max(self._next_k, int(now_s / self.tick_s + 1e-9) + 1)
        out: list[Alert] = []
        for i, monitor in enumerate(self.monitors):
            try:
                finding = monitor.evaluate(now_s)
            except Exception as exc:
                self._error(f"{type(monitor).__name__}.evaluate at {now_s:g}s: {exc!r}")
                finding = None
            self.findings[i] = finding
            alert = self._step(i, monitor, finding, now_s)
            if alert is not None:
                out.append(alert)
        return out

    def _step(
        self, i: int, monitor: Monitor, finding: Finding | None, now_s: float
    ) -> Alert | None:
        """Apply the hold times; an alert when the episode opens or closes."""
        state = self._states[i]
        firing = finding is not None and finding.firing
        if state.episode is None:
            state.streak = state.streak + 1 if firing else 0
            if finding is None or state.streak < getattr(monitor, "for_ticks", _HOLD.for_ticks):
                return None
            state.streak, state.episode = 0, self._open(finding, now_s)
            return state.episode
        state.streak = 0 if firing else state.streak + 1
        if state.streak < getattr(monitor, "resolve_ticks", _HOLD.resolve_ticks):
            return None
        closed = dataclasses.replace(
            state.episode,
            resolved_at=now_s,
            resolved_at_utc=format_utc(self.clock_origin_unix + now_s),
        )
        self._done.append(closed)
        state.streak, state.episode = 0, None
        return closed

    def _open(self, finding: Finding, now_s: float) -> Alert:
        """A new firing alert from a finding."""
        labels = {"alertname": finding.alertname, **finding.labels}
        annotations = {
            "summary": finding.summary,
            "value": f"{finding.value:.6g}",
            "threshold": f"{finding.threshold:.6g}",
            **finding.annotations,
        }
        return Alert(
            name=finding.alertname,
            source="builtin",
            labels=labels,
            annotations=annotations,
            fired_at=now_s,
            fired_at_utc=format_utc(self.clock_origin_unix + now_s),
            fingerprint=alert_fingerprint(labels),
        )

    def close(self, end_s: float) -> list[Alert]:
        """Every episode in its final state, by firing time; open ones keep ``resolved_at=None``."""
        still = [s.episode for s in self._states if s.episode is not None]
        return sorted([*self._done, *still], key=lambda a: (a.fired_at, a.name))

    def _error(self, text: str) -> None:
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(text)


def replay(
    records: Iterable[TelemetryRecord],
    monitors: Sequence[Monitor],
    *,
    duration_s: float,
    tick_s: float = 5.0,
    t0_unix: float = 0.0,
) -> list[Alert]:
    """Alerts the monitors raise over recorded telemetry, exactly as the live engine would."""
    engine = MonitorEngine(monitors, tick_s, t0_unix)
    observe, advance = engine.observe, engine.advance
    upcoming = engine.next_tick_s
    for record in records:
        done = record.t + record.latency_s
        if done >= upcoming:
            advance(min(done, duration_s))
            upcoming = engine.next_tick_s if done < duration_s else float("inf")
        observe(record)
    engine.advance(duration_s)
    return engine.close(duration_s)


#: Every field of a telemetry record in constructor order (positional is twice as fast).
_FIELDS = operator.itemgetter(*(f.name for f in dataclasses.fields(TelemetryRecord)))


def read_telemetry(path: str | Path) -> Iterator[TelemetryRecord]:
    """Records of a telemetry.jsonl file, in file order (blank lines skipped)."""
    make = TelemetryRecord
    with open(path, "rb") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = orjson.loads(line)
                data["tool_calls"] = tuple(data.get("tool_calls") or ())
                data["client_faults"] = tuple(data.get("client_faults") or ())
                try:
                    record = make(*_FIELDS(data))
                except KeyError:  # an older record without the optional fields
                    record = make.from_json(data)
            except (orjson.JSONDecodeError, TypeError, AttributeError) as exc:
                raise InvalidInputError(f"{path}:{lineno}: not a telemetry record: {exc}") from None
            yield record
