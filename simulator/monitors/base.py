"""What every monitor shares: the ``Monitor`` protocol, its ``Finding``, and the common settings.

A monitor sees every telemetry record once (``observe``) and is asked, once per tick, whether
its condition holds (``evaluate``). Hold times (``for``), alert episodes and UTC stamps are
the engine's business, so a monitor stays a pure detector, as a prometheus ``Collector``
only reports samples and the server decides what to do with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np

from simulator.monitors.tally import ERR, RL, SENT, Tally
from simulator.records import TelemetryRecord

Severity = Literal["page", "ticket"]
SEVERITIES: tuple[str, ...] = ("page", "ticket")


@dataclass(frozen=True, slots=True)
class Finding:
    """One evaluation: whether the condition holds, the measured value and the threshold."""

    alertname: str
    firing: bool
    value: float
    threshold: float
    #: What was measured against what; built-in monitors write it only when firing.
    summary: str
    #: Labels besides ``alertname``: ``severity``, ``failure_class``, ``monitor``.
    labels: Mapping[str, str] = field(default_factory=dict)
    #: Extra annotations (``description`` and the like).
    annotations: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Monitor(Protocol):
    """A detector over telemetry: fed every record, asked once per tick whether it fires.

    ``evaluate`` returns ``None`` while it cannot judge (baseline not complete, too few
    samples); the engine treats that as "not firing". Optional attributes the engine reads:
    ``for_ticks`` and ``resolve_ticks`` (hold times, default 2 and 3) and ``shared_feed``
    (an object whose ``observe`` serves several monitors, called once per record).
    """

    def observe(self, record: TelemetryRecord) -> None:
        """Take one telemetry record into account (cheap: called for every request)."""

    def evaluate(self, now_s: float) -> Finding | None:
        """Judge the windows ending at ``now_s`` (seconds since the run start)."""


@dataclass(frozen=True, slots=True)
class CommonParams:
    """Parameters every built-in monitor takes (``baseline_s`` and ``severity`` among them)."""

    #: Seconds at the start of the run that define "healthy" for this monitor.
    baseline_s: float = 30.0
    severity: str = "page"
    #: Consecutive firing evaluations before the alert fires (Prometheus's ``for``).
    for_ticks: int = 2
    #: Consecutive quiet evaluations before a firing alert resolves.
    resolve_ticks: int = 3


def alert_labels(
    monitor: str, severity: str, classes: tuple[str, ...]
) -> Mapping[str, str]:
    """The label set (without ``alertname``) of a built-in monitor's alerts."""
    return MappingProxyType(
        {"severity": severity, "failure_class": ",".join(classes), "monitor": monitor}
    )


def failure_share(window: np.ndarray) -> float:
    """Share of sent requests in a window that got no answer (429, 5xx, timeouts...)."""
    return share(window[RL] + window[ERR], window[SENT])


def share(part: float, whole: float) -> float:
    """``part / whole``, 0 when ``whole`` is 0."""
    return part / whole if whole > 0 else 0.0


class PackMonitor:
    """Base of the built-in monitors: feeds the shared tally, learns its baseline once.

    Subclasses set the class attributes, ``learn`` from the baseline vector and ``judge`` a
    tick. ``shared_feed`` tells the engine that one ``observe`` on the tally serves every
    built-in monitor built on it.
    """

    name: ClassVar[str]
    alertname: ClassVar[str]
    classes: ClassVar[tuple[str, ...]]
    description: ClassVar[str]
    Params: ClassVar[type[CommonParams]] = CommonParams

    def __init__(self, params: Any, tally: Tally) -> None:
        self.params = params
        self.tally = tally
        self.shared_feed = tally
        self.for_ticks: int = params.for_ticks
        self.resolve_ticks: int = params.resolve_ticks
        self.labels = alert_labels(self.name, params.severity, self.classes)
        self._annotations = MappingProxyType({"description": self.description})
        #: ``learning`` until ``baseline_s`` has passed, then ``ready`` or ``unusable``.
        self.state = "learning"
        #: Why the monitor cannot judge (empty once it can).
        self.note = "baseline not complete"

    def observe(self, record: TelemetryRecord) -> None:
        """Count the record in the shared tally."""
        self.tally.observe(record)

    def evaluate(self, now_s: float) -> Finding | None:
        """Learn the baseline once ``baseline_s`` has passed, then judge every tick."""
        self.tally.advance(now_s)
        if self.state != "ready":
            if self.state == "unusable" or now_s < self.params.baseline_s:
                return None
            base, span = self.tally.window(self.params.baseline_s, self.params.baseline_s)
            problem = self.learn(base, span, now_s)
            if problem:
                self.state, self.note = "unusable", f"baseline unusable: {problem}"
                return None
            self.state, self.note = "ready", ""
        return self.judge(now_s)

    def learn(self, base: np.ndarray, span_s: float, now_s: float) -> str | None:
        """Keep what the baseline says; return why it is unusable, or None."""
        raise NotImplementedError

    def judge(self, now_s: float) -> Finding | None:
        """Evaluate the windows ending at ``now_s``."""
        raise NotImplementedError

    def finding(self, firing: bool, value: float, threshold: float,
                summary: Callable[[], str]) -> Finding:
        """A ``Finding`` with this monitor's labels; the summary is only written when firing."""
        return Finding(self.alertname, firing, float(value), float(threshold),
                       summary() if firing else "", self.labels, self._annotations)
