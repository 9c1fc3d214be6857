"""Small, explicit record builders for scorer tests: every number a test depends on is visible."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fake_provider.records import TruthRecord
from simulator.records import ActionRecord, Alert, TelemetryRecord
from simulator.scenario import Scenario, parse_scenario
from simulator.scoring import Scorecard, score_run

_PARAMS: Mapping[str, Mapping[str, Any]] = {
    "silent_model_swap": {"behaviour": "prose_wrapped_json"},
    "rate_limit": {"mode": "storm"},
    "token_burst": {"output_multiplier": 5},
    "agent_loop": {},
    "latency": {"extra_ms": 500},
    "server_error": {"status": 500},
    "prompt_regression": {"prompt": "extract", "to": "v2"},
    "config_drift": {"temperature": 1.5},
    "input_drift": {"shift": "length"},
    "retrieval_degradation": {},
}


def fault(fault_id: str, kind: str = "silent_model_swap", start: float = 60.0,
          duration: float = 60.0, **params: Any) -> dict[str, Any]:
    """A fault entry as a scenario file would hold it (times in seconds)."""
    return {"id": fault_id, "kind": kind, "start": start, "duration": duration,
            **_PARAMS[kind], **params}


def scenario(faults: Iterable[dict[str, Any]] = (), expect: Iterable[dict[str, Any]] = (),
             budgets: Mapping[str, Any] | None = None, duration: str = "10m") -> Scenario:
    """A validated scenario named ``unit`` with seed 7."""
    return parse_scenario({
        "name": "unit", "seed": 7, "duration": duration, "traffic": {"users": 1},
        "prompts": {"extract": {"v1": "Answer in JSON.", "v2": "Answer."}},
        "faults": list(faults), "expect": list(expect), "budgets": dict(budgets or {}),
    })


def truth(t: float, *fault_ids: str, status: int = 200, tokens: tuple[int, int] = (100, 50),
          cost_usd: float = 0.001, wrong: bool = False, broken: bool = False,
          request_id: str | None = None, session: str | None = None) -> TruthRecord:
    """One provider truth record."""
    return TruthRecord(
        t=t, request_id=request_id or f"req-{uuid.uuid4().hex[:12]}", api_key="sk-1",
        model="gpt-4o-mini", behaviour="baseline", fault_ids=fault_ids, status=status,
        input_tokens=tokens[0], output_tokens=tokens[1], cost_usd=cost_usd,
        answer_wrong=wrong, format_broken=broken, session=session)


def tel(t: float, *, outcome: str = "ok", status: int = 200, client_faults: tuple[str, ...] = (),
        format_ok: bool | None = True, correct: bool | None = True, cost_usd: float = 0.001,
        tokens: tuple[int, int] = (100, 50), session: str = "s-1", user_kind: str = "chat",
        step: int = 1, budget_action: str | None = None, request_id: str | None = None,
        api_key: str = "sk-1") -> TelemetryRecord:
    """One client telemetry record."""
    return TelemetryRecord(
        t=t, request_id=request_id, user_kind=user_kind, session_id=session, step=step,
        model_requested="gpt-4o-mini", model_reported="gpt-4o-mini", system_fingerprint=None,
        prompt_version=None, status=status, outcome=outcome, error_type=None, latency_s=0.5,
        ttft_s=None, input_tokens=tokens[0], output_tokens=tokens[1], cost_usd=cost_usd,
        finish_reason="stop", format_ok=format_ok, correct=correct, budget_action=budget_action,
        api_key=api_key, client_faults=client_faults)


def alert(name: str, fired_at: float, resolved_at: float | None = None,
          **labels: str) -> Alert:
    """One alert episode from the built-in monitors."""
    return Alert(name=name, source="builtin", labels={"alertname": name, **labels},
                 annotations={}, fired_at=fired_at, resolved_at=resolved_at)


def action(t: float, cause: str, kind: str = "runbook", **detail: Any) -> ActionRecord:
    """One runbook action."""
    return ActionRecord(t=t, kind=kind, cause=cause, target=None, detail=detail)


def score(sc: Scenario, truth_records: Iterable[TruthRecord] = (),
          telemetry: Iterable[TelemetryRecord] = (), alerts: Iterable[Alert] = (),
          actions: Iterable[ActionRecord] = (), **kwargs: Any) -> Scorecard:
    """``score_run`` in virtual mode over the given records."""
    return score_run(sc, list(truth_records), list(telemetry), list(alerts), list(actions),
                     mode=kwargs.pop("mode", "virtual"), **kwargs)
