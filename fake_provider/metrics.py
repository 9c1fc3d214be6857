"""A small Prometheus registry: counters, gauges and histograms rendered as text format 0.0.4.

Kept to plain dict updates on the hot path; rendering happens only on scrape. Each
registry is an object passed around, never a module global.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

LabelValues = tuple[str, ...]

DEFAULT_LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class Counter:
    """A monotonically increasing value per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self.values: dict[LabelValues, float] = {}

    def inc(self, labels: LabelValues = (), amount: float = 1.0) -> None:
        """Add ``amount`` to the series with these label values."""
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def render(self) -> Iterable[str]:
        """Exposition lines."""
        for values, v in sorted(self.values.items()):
            yield f"{self.name}{_labels(self.label_names, values)} {_num(v)}"


class Gauge(Counter):
    """A value that goes up and down; optionally computed at scrape time."""

    kind = "gauge"

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        collect: Callable[[], dict[LabelValues, float]] | None = None,
    ) -> None:
        super().__init__(name, help_text, labels)
        self.collect = collect

    def set(self, labels: LabelValues, value: float) -> None:
        """Set the series with these label values."""
        self.values[labels] = value

    def render(self) -> Iterable[str]:
        """Exposition lines (collected now when the gauge has a collector)."""
        if self.collect is not None:
            self.values = dict(self.collect())
        yield from super().render()


class Histogram:
    """Cumulative buckets, sum and count per label set."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_LATENCY_BUCKETS,
    ) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self.bounds = tuple(sorted(buckets))
        self.series: dict[LabelValues, list[float]] = {}

    def row(self, labels: LabelValues) -> list[float]:
        """The counts of one series (bucket counts, sum, count), made empty on first use."""
        row = self.series.get(labels)
        if row is None:
            row = self.series[labels] = [0.0] * (len(self.bounds) + 3)
        return row

    def observe(self, labels: LabelValues, value: float) -> None:
        """Record one observation."""
        row = self.series.get(labels)
        if row is None:
            row = self.series[labels] = [0.0] * (len(self.bounds) + 3)
        row[bisect.bisect_left(self.bounds, value)] += 1
        row[-2] += value
        row[-1] += 1

    def render(self) -> Iterable[str]:
        """Exposition lines: ``_bucket`` with ``le``, ``_sum``, ``_count``."""
        for values, row in sorted(self.series.items()):
            running = 0.0
            for bound, n in zip((*self.bounds, math.inf), row, strict=False):
                running += n
                le = f'le="{_num(bound)}"'
                yield f"{self.name}_bucket{_labels(self.label_names, values, le)} {_num(running)}"
            yield f"{self.name}_sum{_labels(self.label_names, values)} {_num(row[-2])}"
            yield f"{self.name}_count{_labels(self.label_names, values)} {_num(row[-1])}"


Metric = Counter | Gauge | Histogram
_M = TypeVar("_M", Counter, Gauge, Histogram)


class Registry:
    """An ordered set of metrics rendered together."""

    def __init__(self, before_render: Callable[[], None] | None = None) -> None:
        self.metrics: list[Metric] = []
        #: Brings the values up to date (e.g. counts updates batched on the hot path).
        self.before_render = before_render

    def add(self, metric: _M) -> _M:
        """Register ``metric`` and return it."""
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        """The whole registry in Prometheus text format."""
        if self.before_render is not None:
            self.before_render()
        lines: list[str] = []
        for m in self.metrics:
            lines.append(f"# HELP {m.name} {m.help}")
            lines.append(f"# TYPE {m.name} {m.kind}")
            lines.extend(m.render())
        return "\n".join(lines) + "\n"


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
