"""``score_run``: records of a run in, the scorecard out (pure: no files, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fake_provider.records import TruthRecord
from simulator.records import ActionRecord, Alert, TelemetryRecord
from simulator.scenario import Expectation, FaultSpecBase, Scenario
from simulator.scoring.attribution import (
    Attribution,
    DeclaredClasses,
    attribute_alerts,
    fault_kind,
    no_declared_classes,
    unique_episodes,
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
from simulator.scoring.scorecard import ActionLink, FaultScore, Mode, RunbooksReport, Scorecard

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
    links = link_actions(actions, faults, attribution)
    verdicts = tuple(
        _fault_score(f, hits.get(f.id, []), windows[f.id], attribution, links, scenario.expect)
        for f in faults
    )
    budgets = budgets_report(scenario.budgets, faults, {v.id: v.onset_s for v in verdicts},
                             truth, telemetry, grace_s)
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
        runbooks=_runbooks(links, verdicts, alerts),
        expectations=expectations,
        passed=all(e.passed for e in expectations),
        score=total_score(breakdown),
        score_breakdown=breakdown,
    )


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
) -> FaultScore:
    """The verdict of one fault."""
    onset = onset_of(hits)
    alerts = attribution.alerts_of(fault.id)
    first = alerts[0] if alerts else None
    detected = first is not None and onset is not None
    # An alert between the fault's start and its onset detected it at once: TTD 0, not < 0.
    ttd = max(0.0, first.fired_at - onset) if first is not None and onset is not None else None
    mine = [link for link in links if link.fault == fault.id]
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
        runbook=next((link.runbook for link in mine if link.runbook), None),
        mitigated=bool(mine),
        mitigated_at_s=mitigated_at,
        time_to_mitigate_s=ttm,
        impact=fault_impact(hits, window, first.fired_at if detected and first else None,
                            mitigated_at),
        deadline_s=deadline,
        detection_credit=round(detection_credit(ttd, deadline), 4),
        note=None if onset is not None else
        "affected no request: nothing to detect, left out of the score",
    )


def _runbooks(
    links: Sequence[ActionLink], verdicts: Sequence[FaultScore], alerts: Sequence[Alert]
) -> RunbooksReport:
    """Actions with their faults, faults mitigated, and alert names no action answered."""
    causes = {link.cause for link in links}
    names = dict.fromkeys(a.name for a in unique_episodes(alerts) if a.name not in causes)
    return RunbooksReport(tuple(links), sum(v.mitigated for v in verdicts), tuple(names))
