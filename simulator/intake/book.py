"""The alert book: turns Alertmanager-shaped deliveries into de-duplicated alert episodes.

Prometheus re-sends a firing alert every minute and Alertmanager repeats notifications;
both carry the same label set and ``startsAt``, so an episode is identified by its source
and label fingerprint and stays one episode until it resolves. A later firing after a
resolve opens a new episode. Each episode also records when its first delivery arrived
(``notified_at``) and, when Prometheus reported it, when its rule first became true
(``pending_at``, see :meth:`AlertBook.note_activation`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulator.records import Alert, format_utc
from simulator.records import alert_fingerprint as fingerprint

#: Alertmanager's "no end time" (Go's zero time).
_ZERO_TIME_PREFIX = "0001-01-01"


class IntakeError(ValueError):
    """A delivery that is not Alertmanager-shaped; the message says what was expected."""


def parse_utc(value: Any, path: str) -> float | None:
    """An RFC 3339 timestamp as Unix seconds; None for absent or Go's zero time."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise IntakeError(f"{path}: expected an RFC 3339 timestamp string")
    if value.startswith(_ZERO_TIME_PREFIX):
        return None
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    # Go writes nanoseconds; Python parses at most microseconds.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise IntakeError(f"{path}: {value!r} is not an RFC 3339 timestamp") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _str_map(value: Any, path: str, required: bool) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise IntakeError(f"{path}: expected an object of string values")
    if required and not value:
        raise IntakeError(f"{path}: expected at least one label")
    return {str(k): v for k, v in value.items()}


class AlertBook:
    """Every alert episode received during a run, keyed by label fingerprint.

    Example::

        book = AlertBook(t0_unix=run_start)
        book.receive_v2([{"labels": {"alertname": "HighErrors"}}], now_unix=time.time())
        book.episodes()
    """

    def __init__(self, t0_unix: float) -> None:
        self.t0_unix = t0_unix
        self._episodes: list[dict[str, Any]] = []
        # Keyed by (source, fingerprint): Prometheus' own copy of an alert and the
        # Alertmanager notification of it are separate records of one run.
        self._open: dict[tuple[str, str], int] = {}
        #: Prometheus ``activeAt`` instants (Unix s) by label fingerprint, earliest first.
        self._activations: dict[str, list[float]] = {}
        self.deliveries = 0

    def receive_v2(self, payload: Any, now_unix: float, source: str = "prometheus") -> int:
        """Accept ``POST /api/v2/alerts`` (a JSON array); returns how many alerts it held."""
        if not isinstance(payload, list):
            raise IntakeError("body: expected a JSON array of alerts (Alertmanager API v2)")
        parsed = [self._parse(a, f"[{i}]", now_unix, None) for i, a in enumerate(payload)]
        for alert in parsed:
            self._apply(*alert[:4], source=source if alert[4] else "webhook", now_unix=now_unix)
        self.deliveries += 1
        return len(parsed)

    def receive_webhook(self, payload: Any, now_unix: float) -> int:
        """Accept an Alertmanager webhook notification (``version`` 4 payload)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
            raise IntakeError("body: expected an Alertmanager webhook payload with 'alerts'")
        source = "alertmanager" if "groupKey" in payload or "receiver" in payload else "webhook"
        parsed = [
            self._parse(
                a, f"alerts[{i}]", now_unix, a.get("status") if isinstance(a, dict) else None
            )
            for i, a in enumerate(payload["alerts"])
        ]
        for alert in parsed:
            self._apply(*alert[:4], source=source, now_unix=now_unix)
        self.deliveries += 1
        return len(parsed)

    def _parse(
        self, raw: Any, path: str, now_unix: float, status: Any
    ) -> tuple[dict[str, str], dict[str, str], float, float | None, bool]:
        if not isinstance(raw, dict):
            raise IntakeError(f"{path}: expected an alert object")
        labels = _str_map(raw.get("labels"), f"{path}.labels", required=True)
        annotations = _str_map(raw.get("annotations"), f"{path}.annotations", required=False)
        starts = parse_utc(raw.get("startsAt"), f"{path}.startsAt") or now_unix
        ends = parse_utc(raw.get("endsAt"), f"{path}.endsAt")
        if status not in (None, "firing", "resolved"):
            raise IntakeError(f"{path}.status: expected 'firing' or 'resolved'")
        resolved_at: float | None = None
        if status == "resolved":
            resolved_at = ends if ends is not None else now_unix
        elif status is None and ends is not None and ends <= now_unix:
            resolved_at = ends
        return labels, annotations, starts, resolved_at, bool(raw.get("generatorURL"))

    def _apply(
        self,
        labels: dict[str, str],
        annotations: dict[str, str],
        starts: float,
        resolved_at: float | None,
        *,
        source: str,
        now_unix: float,
    ) -> None:
        label_key = fingerprint(labels)
        key = (source, label_key)
        index = self._open.get(key)
        if index is not None:
            episode = self._episodes[index]
            episode["annotations"].update(annotations)
            if resolved_at is not None:
                episode["resolved_at"] = max(resolved_at, episode["fired_at"])
                del self._open[key]
            return
        if resolved_at is not None and self._already_closed(key, starts):
            return  # a repeated resolve notification
        self._episodes.append(
            {
                "labels": labels,
                "annotations": dict(annotations),
                "fired_at": starts,
                "resolved_at": resolved_at,
                "source": source,
                "fingerprint": label_key,
                "notified": now_unix,
            }
        )
        if resolved_at is None:
            self._open[key] = len(self._episodes) - 1

    def _already_closed(self, key: tuple[str, str], starts: float) -> bool:
        return any(
            (e["source"], e["fingerprint"]) == key
            and e["resolved_at"] is not None
            and abs(e["fired_at"] - starts) < 1e-3
            for e in self._episodes
        )

    def note_activation(self, label_fingerprint: str, active_at_unix: float) -> None:
        """Record when Prometheus saw an alert's expression become true (its ``activeAt``)."""
        times = self._activations.setdefault(label_fingerprint, [])
        times.append(active_at_unix)
        times.sort()

    def _pending_at(self, label_fingerprint: str, fired_at_unix: float) -> float | None:
        """The latest activation of this label set at or before it fired (1 ms tolerance)."""
        times = self._activations.get(label_fingerprint, ())
        earlier = [t for t in times if t <= fired_at_unix + 1e-3]
        return min(earlier[-1], fired_at_unix) if earlier else None

    def episodes(self) -> list[Alert]:
        """All episodes as :class:`Alert` records, times relative to the run start."""
        out = []
        for e in self._episodes:
            resolved = e["resolved_at"]
            pending = self._pending_at(e["fingerprint"], e["fired_at"])
            out.append(
                Alert(
                    name=e["labels"].get("alertname", "unnamed"),
                    source=e["source"],
                    labels=dict(e["labels"]),
                    annotations=dict(e["annotations"]),
                    fired_at=e["fired_at"] - self.t0_unix,
                    resolved_at=None if resolved is None else resolved - self.t0_unix,
                    fired_at_utc=format_utc(e["fired_at"]),
                    resolved_at_utc=None if resolved is None else format_utc(resolved),
                    fingerprint=e["fingerprint"],
                    pending_at=None if pending is None else pending - self.t0_unix,
                    notified_at=e["notified"] - self.t0_unix,
                )
            )
        # Alertmanager's notification sorts before Prometheus' own copy of the same alert:
        # the scorer keeps the first of identical episodes, the one that pages a human.
        out.sort(key=lambda a: (a.fired_at, a.source != "alertmanager"))
        return out
