"""The scorecard: the frozen record tree ``score_run`` produces and ``scorecard.json`` holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulator.records import Alert

SCORECARD_SCHEMA_VERSION = 1

Mode = Literal["realtime", "virtual"]


@dataclass(frozen=True, slots=True)
class ImpactSlice:
    """Requests a fault affected within some span, how many were bad, and what they cost."""

    requests: int = 0
    bad_responses: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class Impact:
    """What one fault did: affected requests (ground truth) and the client's view of its window.

    ``before_detection`` covers onset up to the first attributed alert (everything when the
    fault went undetected); ``before_mitigation`` onset up to the first mitigation action
    (everything when nothing mitigated it).
    """

    requests_affected: int
    bad_responses: int
    tokens: int
    cost_usd: float
    #: Client view: telemetry records sent inside [start, end), and how many of them were bad.
    requests_in_window: int
    bad_responses_in_window: int
    before_detection: ImpactSlice
    before_mitigation: ImpactSlice


@dataclass(frozen=True, slots=True)
class DetectionStages:
    """The legs of detection for alerts that report them (Prometheus, Alertmanager), in
    seconds after onset, clamped at 0 like TTD: the rule's expression first true
    (``pending_s``), the alert firing (``firing_s``, equal to TTD) and the notification
    reaching the harness (``notified_s``); None where the alert did not say."""

    pending_s: float | None
    firing_s: float | None
    notified_s: float | None


@dataclass(frozen=True, slots=True)
class FaultScore:
    """One fault's verdict; times in seconds since the run start, durations in seconds."""

    id: str
    kind: str
    start_s: float
    end_s: float
    onset_s: float | None
    detected: bool
    time_to_detect_s: float | None
    first_alert: Alert | None
    alerts: tuple[Alert, ...]
    runbook: str | None
    mitigated: bool
    mitigated_at_s: float | None
    time_to_mitigate_s: float | None
    impact: Impact
    #: Detection deadline used by the score (from ``detect_within``, else the default), s.
    deadline_s: float
    #: This fault's share of the detection score, 0..1.
    detection_credit: float
    #: Why the verdict is what it is when that is not obvious (e.g. the fault affected nothing).
    note: str | None = None
    #: Pending, firing and notified instants of ``first_alert`` after onset; None when the
    #: fault went undetected or its first alert has no stages (built-in monitors).
    detection_stages: DetectionStages | None = None


@dataclass(frozen=True, slots=True)
class FalseAlarm:
    """An alert attributed to no fault, and why."""

    alert: Alert
    reason: str


@dataclass(frozen=True, slots=True)
class BudgetOverspend:
    """How far one budget was exceeded, and the USD spent past it.

    ``exceeded`` minutes, sessions or requests went over (``exceeded_unit``), by ``excess``
    in ``excess_unit`` in total.
    """

    budget: str
    limit: float
    exceeded: int
    exceeded_unit: str
    excess: float
    excess_unit: str
    overspend_usd: float


@dataclass(frozen=True, slots=True)
class FaultSpend:
    """Spend during one fault window [start, end), and how fast a guard cut a runaway off."""

    fault: str
    start_s: float
    end_s: float
    tokens: int
    cost_usd: float
    #: Runaway onset to the first guard action (``budget_action``) after it, s; None if none.
    guard_cut_off_after_s: float | None


@dataclass(frozen=True, slots=True)
class BudgetsReport:
    """Spend and tokens for the whole run and each fault window, and every budget's overspend."""

    limits: Mapping[str, float]
    total_tokens: int
    total_cost_usd: float
    per_fault: tuple[FaultSpend, ...]
    overspend: tuple[BudgetOverspend, ...]
    #: Guard actions taken, by budget (breaker openings, session cut-offs, caps).
    guard_actions: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def overspend_of(self, budget: str) -> BudgetOverspend | None:
        """The overspend record of ``budget``; None when that budget is not set."""
        return next((o for o in self.overspend if o.budget == budget), None)


@dataclass(frozen=True, slots=True)
class ActionLink:
    """A budget or runbook action, and the fault it mitigated (None when it matched none)."""

    t: float
    kind: str
    cause: str
    target: str | None
    fault: str | None
    runbook: str | None


@dataclass(frozen=True, slots=True)
class AlertRunbook:
    """A fired alert and the runbooks it resolves to (by name, from the runbook set).

    ``declares_class`` says whether one of them declares the class of the fault the alert
    was attributed to (None for an alert attributed to no fault, or without runbooks).
    """

    alert: str
    fault: str | None
    runbooks: tuple[str, ...]
    declares_class: bool | None


@dataclass(frozen=True, slots=True)
class RunbooksReport:
    """Runbook actions taken, the faults they mitigated, and how fired alerts map to runbooks.

    ``actions`` are the responder's (budget guard actions are counted in ``budgets``).
    """

    actions: tuple[ActionLink, ...]
    faults_mitigated: int
    alerts_without_action: tuple[str, ...]
    #: Every fired alert episode, in firing order, with the runbooks its name resolves to.
    alerts: tuple[AlertRunbook, ...] = ()
    #: Names of fired alerts no runbook handles (only when the scenario names runbooks).
    alerts_without_runbook: tuple[str, ...] = ()
    #: Actions that failed to execute (e.g. the admin API refused), with their errors.
    failed_actions: int = 0


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    """One ``expect:`` entry: what it asked, whether it held, and what actually happened."""

    text: str
    passed: bool
    detail: str
    fault: str | None = None


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """The score's terms (see README): detection points minus penalties, clamped to 0..100."""

    detection: float
    false_alarm_penalty: float
    overspend_penalty: float


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The verdict of one run (``scorecard.json``).

    Example::

        card = score_run(scenario, truth, telemetry, alerts, actions, mode="virtual")
        card.passed, card.score, card.faults[0].time_to_detect_s
    """

    scenario: str
    seed: int
    mode: Mode
    duration_s: float
    grace_s: float
    faults: tuple[FaultScore, ...]
    false_alarms: tuple[FalseAlarm, ...]
    budgets: BudgetsReport
    runbooks: RunbooksReport
    expectations: tuple[ExpectationResult, ...]
    passed: bool
    score: float
    score_breakdown: ScoreBreakdown

    def fault(self, fault_id: str) -> FaultScore:
        """The verdict of fault ``fault_id``; ``KeyError`` when there is none."""
        for fault in self.faults:
            if fault.id == fault_id:
                return fault
        raise KeyError(fault_id)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict carrying ``schema_version``."""
        out: dict[str, Any] = {"schema_version": SCORECARD_SCHEMA_VERSION}
        out.update(_plain(self))
        return out


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses to dicts, tuples to lists."""
    if isinstance(value, Alert):
        data = value.to_json()
        data.pop("schema_version", None)
        return data
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
