"""``score_run``: records of a run in, the scorecard out (pure: no files, no clock)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from fake_provider.records import TruthRecord
from simulator.records import ActionRecord, Alert, TelemetryRecord
from simulator.runbooks.model import RunbookSet
from simulator.scenario import Expectation, FaultSpecBase, Scenario
from simulator.scoring.attribution import (
    Attribution,
    DeclaredClasses,
    attribute_alerts,
    fault_kind,
    no_declared_classes,
)
from simulator.scoring.budgets import budgets_report
from simulator.scoring.expectations import evaluate_expectations
from simulator.scoring.formula import (
    deadline_for,
    detection_credit,
    score_breakdown,
    total_score,
)
from simulator.scoring.impact import (
    Hit,
    fault_impact,
    hits_by_fault,
    impact_stop_s,
    onset_of,
    window_counts,
)
from simulator.scoring.scorecard import (
    ActionLink,
    AlertRunbook,
    DetectionStages,
    FaultScore,
    Mode,
    RunbooksReport,
    Scorecard,
)

#: Seconds after a fault's end during which an alert still counts for it.
DEFAULT_GRACE_S = 60.0


def score_run(
    scenario: Scenario,
    truth: Sequence[TruthRecord],
    telemetry: Sequence[TelemetryRecord],
    alerts: Sequence[Alert],
    actions: Sequence[ActionRecord],
    *,
    mode: Mode,
    declared_classes: DeclaredClasses = no_declared_classes,
    grace_s: float = DEFAULT_GRACE_S,
    runbooks: RunbookSet | None = None,
) -> Scorecard:
    """Judge one run: detection, false alarms, impact, budgets, mitigation, expectations, score.

    Example::

        data = load_run(run_dir)
        card = score_run(scenario, data.truth, data.telemetry, data.alerts, data.actions,
                         mode="virtual")
        write_scorecard(card, run_dir)
    """
    if mode not in ("realtime", "virtual"):
        raise ValueError(f"mode: expected 'realtime' or 'virtual', got {mode!r}")
    if grace_s < 0:
        raise ValueError(f"grace_s: expected a non-negative number of seconds, got {grace_s}")
    faults = scenario.faults
    attribution = attribute_alerts(faults, alerts, declared_classes, grace_s)
    hits = hits_by_fault(truth, telemetry)
    windows = window_counts(faults, telemetry)
    mitigations = [a for a in actions if is_mitigation(a)]
    links = link_actions(mitigations, faults, attribution)
    verdicts = tuple(
        _fault_score(f, hits.get(f.id, []), windows[f.id], attribution, links, scenario.expect,
                     runbooks)
        for f in faults
    )
    budgets = budgets_report(scenario.budgets, faults, {v.id: v.onset_s for v in verdicts},
                             truth, telemetry, grace_s)
    budgets = dataclasses.replace(budgets, guard_actions=guard_action_counts(actions))
    expectations = evaluate_expectations(scenario.expect, verdicts, attribution.false_alarms,
                                         budgets, attribution, grace_s)
    breakdown = score_breakdown(
        len(faults), [v.detection_credit for v in verdicts if v.onset_s is not None],
        len(attribution.false_alarms), budgets.overspend)
    return Scorecard(
        scenario=scenario.name,
        seed=scenario.seed,
        mode=mode,
        duration_s=scenario.duration_s,
        grace_s=grace_s,
        faults=verdicts,
        false_alarms=attribution.false_alarms,
        budgets=budgets,
        runbooks=_runbooks(links, verdicts, attribution, runbooks,
                           sum(1 for a in actions if _failed(a))),
        expectations=expectations,
        passed=all(e.passed for e in expectations),
        score=total_score(breakdown),
        score_breakdown=breakdown,
    )


def _detail(action: ActionRecord) -> Mapping[str, object]:
    return action.detail if isinstance(action.detail, Mapping) else {}


def _failed(action: ActionRecord) -> bool:
    return _detail(action).get("ok") is False


def is_mitigation(action: ActionRecord) -> bool:
    """A runbook (or imported) action that was carried out; budget guard actions are not."""
    return _detail(action).get("source") != "budget" and not _failed(action)


def guard_action_counts(actions: Sequence[ActionRecord]) -> dict[str, int]:
    """How many guard actions each budget took (``cause`` of budget actions)."""
    counts: dict[str, int] = {}
    for action in actions:
        if _detail(action).get("source") == "budget":
            counts[action.cause] = counts.get(action.cause, 0) + 1
    return dict(sorted(counts.items()))


def link_actions(
    actions: Sequence[ActionRecord], faults: Sequence[FaultSpecBase], attribution: Attribution
) -> tuple[ActionLink, ...]:
    """Each action with the fault it mitigates (None when it answers no fault).

    ``cause`` or ``detail.fault`` naming a fault id links to it; otherwise ``cause`` names
    an alert, and the latest episode of that alert fired by then decides.
    """
    ids = {f.id for f in faults}
    out = []
    for action in sorted(actions, key=lambda a: a.t):
        detail: Mapping[str, object] = action.detail if isinstance(action.detail, Mapping) else {}
        named = detail.get("fault")
        if action.cause in ids:
            fault: str | None = action.cause
        elif isinstance(named, str) and named in ids:
            fault = named
        else:
            fault = attribution.fault_of_cause(action.cause, action.t)[1]
        runbook = detail.get("runbook")
        out.append(ActionLink(action.t, action.kind, action.cause, action.target, fault,
                              runbook if isinstance(runbook, str) else None))
    return tuple(out)


def _fault_score(
    fault: FaultSpecBase,
    hits: Sequence[Hit],
    window: tuple[int, int],
    attribution: Attribution,
    links: Sequence[ActionLink],
    expect: Sequence[Expectation],
    runbooks: RunbookSet | None = None,
) -> FaultScore:
    """The verdict of one fault."""
    onset = onset_of(hits)
    alerts = attribution.alerts_of(fault.id)
    first = alerts[0] if alerts else None
    detected = first is not None and onset is not None
    # An alert between the fault's start and its onset detected it at once: TTD 0, not < 0.
    ttd = max(0.0, first.fired_at - onset) if first is not None and onset is not None else None
    mine = _fitting_actions([link for link in links if link.fault == fault.id],
                            fault_kind(fault), runbooks)
    mitigated_at = mine[0].t if mine else None
    ttm = None
    if mitigated_at is not None and onset is not None:
        ttm = max(0.0, impact_stop_s(hits, mitigated_at) - onset)
    deadline = deadline_for(fault.id, expect)
    return FaultScore(
        id=fault.id,
        kind=fault_kind(fault),
        start_s=fault.start_s,
        end_s=fault.end_s,
        onset_s=onset,
        detected=detected,
        time_to_detect_s=ttd,
        first_alert=first,
        alerts=alerts,
        runbook=next((link.runbook for link in mine if link.runbook), None)
        or _runbook_for(alerts, fault_kind(fault), runbooks),
        mitigated=bool(mine),
        mitigated_at_s=mitigated_at,
        time_to_mitigate_s=ttm,
        impact=fault_impact(hits, window, first.fired_at if detected and first else None,
                            mitigated_at),
        deadline_s=deadline,
        detection_credit=round(detection_credit(ttd, deadline), 4),
        note=None if onset is not None else
        "affected no request: nothing to detect, left out of the score",
        detection_stages=detection_stages(first, onset) if detected else None,
    )


def detection_stages(alert: Alert | None, onset_s: float | None) -> DetectionStages | None:
    """Pending, firing and notified instants of ``alert`` minus ``onset_s`` (each clamped
    at 0, like TTD); None when the alert records neither a pending nor a notified time."""
    if alert is None or onset_s is None:
        return None
    if alert.pending_at is None and alert.notified_at is None:
        return None

    def leg(instant: float | None) -> float | None:
        return None if instant is None else round(max(0.0, instant - onset_s), 3)

    return DetectionStages(leg(alert.pending_at), leg(alert.fired_at), leg(alert.notified_at))


def _fitting_actions(
    mine: list[ActionLink], kind: str, runbooks: RunbookSet | None
) -> list[ActionLink]:
    """The fault's actions from runbooks that declare its class when there are any (a
    rollback run for a shared alert does not fix a model swap), else all of them."""
    if runbooks is None:
        return mine
    fitting = []
    for link in mine:
        book = runbooks.by_id(link.runbook) if link.runbook else None
        if book is not None and kind in book.failure_classes:
            fitting.append(link)
    return fitting or mine


def _runbook_for(
    alerts: Sequence[Alert], kind: str, runbooks: RunbookSet | None
) -> str | None:
    """The first runbook, by the fault's alerts in firing order, that declares its class."""
    if runbooks is None:
        return None
    for alert in alerts:
        for book in runbooks.for_alert(alert.name):
            if kind in book.failure_classes:
                return book.id
    return None


def _alert_runbooks(
    attribution: Attribution, runbooks: RunbookSet | None, kinds: Mapping[str, str]
) -> tuple[AlertRunbook, ...]:
    out = []
    for alert, fault in attribution.assignments:
        books = runbooks.for_alert(alert.name) if runbooks is not None else ()
        declares = None
        if fault is not None and books:
            declares = any(kinds[fault] in b.failure_classes for b in books)
        out.append(AlertRunbook(alert.name, fault, tuple(b.id for b in books), declares))
    return tuple(out)


def _runbooks(
    links: Sequence[ActionLink],
    verdicts: Sequence[FaultScore],
    attribution: Attribution,
    runbooks: RunbookSet | None,
    failed: int,
) -> RunbooksReport:
    """Actions with their faults, faults mitigated, and how fired alerts map to runbooks."""
    causes = {link.cause for link in links}
    episodes = [alert for alert, _ in attribution.assignments]
    names = dict.fromkeys(a.name for a in episodes if a.name not in causes)
    per_alert = _alert_runbooks(attribution, runbooks, {v.id: v.kind for v in verdicts})
    missing = dict.fromkeys(r.alert for r in per_alert if not r.runbooks) if runbooks else {}
    return RunbooksReport(tuple(links), sum(v.mitigated for v in verdicts), tuple(names),
                          per_alert, tuple(missing), failed)
