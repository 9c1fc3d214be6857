"""After a run, ask Prometheus when each alert's expression first became true (pending).

Prometheus writes the synthetic series ``ALERTS_FOR_STATE{<alert labels>}`` at every
evaluation while an alert is pending or firing; its value is the alert's ``activeAt`` in
whole Unix seconds, and its first sample's timestamp is the evaluation at which the alert
became active (to the millisecond). A range selector returns those raw samples.
"""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.records import alert_fingerprint

QUERY_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Activation:
    """One pending-or-firing episode of an alert: its label set and when it became active."""

    labels: Mapping[str, str]
    active_at_unix: float

    @property
    def fingerprint(self) -> str:
        """The alert's label fingerprint (as the intake computes it)."""
        return alert_fingerprint(self.labels)


def activations_from_matrix(result: Iterable[Mapping[str, Any]]) -> list[Activation]:
    """Activations from a matrix result of ``ALERTS_FOR_STATE[...]``, earliest first.

    A series' samples split into episodes where the value (``activeAt``) changes. An
    episode's activation is its first sample's time, unless that is a second or more past
    the value (the alert was active before Prometheus restored its state): then the value.
    """
    out = []
    for series in result:
        labels = {k: str(v) for k, v in series.get("metric", {}).items() if k != "__name__"}
        previous: float | None = None
        for stamp, raw in series.get("values", []):
            value = float(raw)
            if not math.isfinite(value) or value == previous:
                continue
            previous = value
            first = float(stamp)
            out.append(Activation(labels, first if first < value + 1.0 else value))
    return sorted(out, key=lambda a: a.active_at_unix)


def query_activations(prometheus_url: str, lookback_s: float, at_unix: float) -> list[Activation]:
    """Every alert activation Prometheus recorded in the ``lookback_s`` before ``at_unix``."""
    query = f"ALERTS_FOR_STATE[{max(1, math.ceil(lookback_s))}s]"
    params = urllib.parse.urlencode({"query": query, "time": f"{at_unix:.3f}"})
    url = f"{prometheus_url}/api/v1/query?{params}"
    with urllib.request.urlopen(url, timeout=QUERY_TIMEOUT_S) as resp:
        body = json.loads(resp.read())
    if body.get("status") != "success" or body.get("data", {}).get("resultType") != "matrix":
        raise ValueError(f"unexpected answer to {query}: {str(body)[:200]}")
    return activations_from_matrix(body["data"]["result"])
