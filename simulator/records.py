"""Records that cross the simulator's stages: telemetry (client view) and actions."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fake_provider.jsonrecord import RecordReader

TELEMETRY_SCHEMA_VERSION = 1

UserKind = Literal["extract", "classify", "chat", "agent", "rag"]
#: What a request's outcome was, from the client's side.
Outcome = Literal[
    "ok",
    "rate_limited",
    "server_error",
    "client_error",
    "timeout",
    "connection_error",
    "budget_blocked",
    "malformed",
]


@dataclass(frozen=True, slots=True)
class TelemetryRecord:
    """One request as the client saw it (one line of telemetry.jsonl); times in seconds.

    ``t`` is when the request was sent, in seconds since the run start.
    """

    t: float
    request_id: str | None
    user_kind: str
    session_id: str
    step: int
    model_requested: str
    model_reported: str | None
    system_fingerprint: str | None
    prompt_version: str | None
    status: int
    outcome: str
    error_type: str | None
    latency_s: float
    ttft_s: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    finish_reason: str | None
    format_ok: bool | None
    correct: bool | None
    tool_calls: tuple[str, ...] = ()
    ratelimit_remaining_tokens: int | None = None
    ratelimit_remaining_requests: int | None = None
    retries: int = 0
    budget_action: str | None = None
    stream: bool = False
    #: Largest gap between two streamed chunks, seconds (streaming only).
    max_chunk_gap_s: float | None = None
    api_key: str | None = None
    #: Client-side faults in force when the request was built (prompt, config, input drift).
    client_faults: tuple[str, ...] = ()
    #: Short text of the answer for drift monitors (first 200 characters).
    content_head: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict carrying ``schema_version``."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["tool_calls"] = list(self.tool_calls)
        out["client_faults"] = list(self.client_faults)
        out["schema_version"] = TELEMETRY_SCHEMA_VERSION
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TelemetryRecord:
        """Inverse of :meth:`to_json` (ignores unknown keys; a missing required key raises
        ``TypeError``). Built positionally: re-scoring reads millions of these."""
        return _read_telemetry(data)


_read_telemetry = RecordReader(TelemetryRecord, tuple_fields=("tool_calls", "client_faults"))


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A budget or runbook action taken during a run (one line of actions.jsonl)."""

    t: float
    kind: str
    cause: str
    target: str | None = None
    detail: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "t": self.t,
            "kind": self.kind,
            "cause": self.cause,
            "target": self.target,
            "detail": dict(self.detail),
            "schema_version": 1,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionRecord:
        """Inverse of :meth:`to_json`; ``ValueError`` when ``detail`` is not an object."""
        detail = data.get("detail") or {}
        if not isinstance(detail, Mapping):
            raise ValueError("detail must be an object")
        target = data.get("target")
        return cls(
            t=float(data["t"]),
            kind=str(data["kind"]),
            cause=str(data["cause"]),
            target=None if target is None else str(target),
            detail=dict(detail),
        )


AlertSource = Literal["builtin", "prometheus", "alertmanager", "webhook", "import"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert episode from any source (one line of alerts.jsonl); times in seconds since
    the run start, with the same instants in UTC (ISO 8601, ``Z``)."""

    name: str
    source: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    fired_at: float
    resolved_at: float | None = None
    fired_at_utc: str | None = None
    resolved_at_utc: str | None = None
    #: Identity of the alert's label set (Alertmanager's fingerprint when it sent one).
    fingerprint: str | None = None
    #: When the rule's expression first became true (Prometheus ``activeAt``), s; None if
    #: unknown. Equals ``fired_at`` for rules without ``for:``.
    pending_at: float | None = None
    #: When the harness intake first received this episode (the notification), s.
    notified_at: float | None = None

    @property
    def failure_class(self) -> str | None:
        """The ``failure_class`` label, if the alert names one."""
        return self.labels.get("failure_class")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict carrying ``schema_version``."""
        return {
            "name": self.name,
            "source": self.source,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "fired_at": self.fired_at,
            "resolved_at": self.resolved_at,
            "fired_at_utc": self.fired_at_utc,
            "resolved_at_utc": self.resolved_at_utc,
            "fingerprint": self.fingerprint,
            "pending_at": self.pending_at,
            "notified_at": self.notified_at,
            "schema_version": 1,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alert:
        """Inverse of :meth:`to_json`."""
        return cls(
            name=str(data["name"]),
            source=str(data.get("source", "import")),
            labels=dict(data.get("labels") or {}),
            annotations=dict(data.get("annotations") or {}),
            fired_at=float(data["fired_at"]),
            resolved_at=None if data.get("resolved_at") is None else float(data["resolved_at"]),
            fired_at_utc=data.get("fired_at_utc"),
            resolved_at_utc=data.get("resolved_at_utc"),
            fingerprint=data.get("fingerprint"),
            pending_at=_optional_float(data.get("pending_at")),
            notified_at=_optional_float(data.get("notified_at")),
        )


def _optional_float(value: Any) -> float | None:
    """``value`` as a float, or None when absent (older alerts.jsonl files lack the field)."""
    return None if value is None else float(value)


def format_utc(unix_s: float) -> str:
    """Unix seconds as RFC 3339 UTC with milliseconds (``2024-05-01T12:00:05.000Z``)."""
    return (
        datetime.fromtimestamp(unix_s, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def alert_fingerprint(labels: Mapping[str, str]) -> str:
    """A stable identity of an alert's label set (16 hex digits, like Alertmanager's)."""
    text = "\xff".join(f"{k}\xfe{labels[k]}" for k in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
