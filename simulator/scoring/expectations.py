"""Each ``expect:`` entry checked against the verdicts, with what was expected and what happened."""

from __future__ import annotations

from collections.abc import Sequence

from simulator.scenario import (
    BudgetExpectation,
    DetectExpectation,
    Expectation,
    FalseAlarmsExpectation,
    MitigateExpectation,
    format_duration,
)
from simulator.scoring.attribution import Attribution
from simulator.scoring.scorecard import (
    BudgetsReport,
    ExpectationResult,
    FalseAlarm,
    FaultScore,
)

#: Overspend within this many USD of the allowance still passes (float sums).
USD_TOLERANCE = 1e-9


def usd(amount: float) -> str:
    """USD with two to four decimals: ``$0.10``, ``$0.0312``."""
    text = f"{amount:.4f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return f"${text}"


def expectation_text(expectation: Expectation) -> str:
    """What the scenario asked for, in words."""
    if isinstance(expectation, DetectExpectation):
        return f"{expectation.fault} detected within {format_duration(expectation.detect_within_s)}"
    if isinstance(expectation, MitigateExpectation):
        limit = format_duration(expectation.mitigated_within_s)
        return f"{expectation.fault} mitigated within {limit}"
    if isinstance(expectation, FalseAlarmsExpectation):
        n = expectation.false_alarms
        return f"at most {n} false alarm{'' if n == 1 else 's'}"
    return f"{expectation.budget} overspent by at most {usd(expectation.max_overspend_usd)}"


def _first_in_window(fault: FaultScore, attribution: Attribution, grace_s: float) -> str:
    """The first alert that fired in the fault's window, and where it went instead."""
    for alert, owner in attribution.assignments:
        if fault.start_s <= alert.fired_at <= fault.end_s + grace_s:
            where = f"attributed to {owner}" if owner else "counted as a false alarm"
            return f"{alert.name} at {alert.fired_at:.1f}s, {where}"
    return "none"


def _detect(
    e: DetectExpectation, fault: FaultScore, attribution: Attribution, grace_s: float
) -> tuple[bool, str]:
    limit = f"(limit {format_duration(e.detect_within_s)})"
    if fault.onset_s is None:
        return False, f"{fault.id} affected no request, so it cannot be detected {limit}"
    if fault.time_to_detect_s is None or fault.first_alert is None:
        first = _first_in_window(fault, attribution, grace_s)
        return False, f"{fault.id} never detected {limit}; first alert in its window: {first}"
    ok = fault.time_to_detect_s <= e.detect_within_s
    late = "" if ok else ", too late"
    return ok, (f"{fault.id} detected after {fault.time_to_detect_s:.1f}s {limit} "
                f"by {fault.first_alert.name}{late}")


def _mitigate(e: MitigateExpectation, fault: FaultScore) -> tuple[bool, str]:
    limit = f"(limit {format_duration(e.mitigated_within_s)})"
    if fault.onset_s is None:
        return False, f"{fault.id} affected no request, so mitigation cannot be measured {limit}"
    if not fault.mitigated or fault.time_to_mitigate_s is None:
        return False, f"{fault.id} never mitigated {limit}"
    ok = fault.time_to_mitigate_s <= e.mitigated_within_s
    via = f" by runbook {fault.runbook}" if fault.runbook else ""
    late = "" if ok else ", too late"
    return ok, f"{fault.id} impact stopped {fault.time_to_mitigate_s:.1f}s after onset{via} " \
               f"{limit}{late}"


def _false_alarms(
    e: FalseAlarmsExpectation, false_alarms: Sequence[FalseAlarm]
) -> tuple[bool, str]:
    n = len(false_alarms)
    text = f"{n} false alarm{'' if n == 1 else 's'} (limit {e.false_alarms})"
    if false_alarms:
        shown = ", ".join(f"{f.alert.name} at {f.alert.fired_at:.1f}s" for f in false_alarms[:3])
        text += f": {shown}" + (f" and {n - 3} more" if n > 3 else "")
    return n <= e.false_alarms, text


def _budget(e: BudgetExpectation, budgets: BudgetsReport) -> tuple[bool, str]:
    over = budgets.overspend_of(e.budget)
    limit = f"(limit {usd(e.max_overspend_usd)})"
    if over is None:
        return False, f"budget {e.budget} is not set under budgets {limit}"
    ok = over.overspend_usd <= e.max_overspend_usd + USD_TOLERANCE
    return ok, (f"{e.budget} overspent by {usd(over.overspend_usd)} {limit}: "
                f"{over.exceeded} {over.exceeded_unit} over {over.limit:g}")


def evaluate_expectations(
    expect: Sequence[Expectation],
    faults: Sequence[FaultScore],
    false_alarms: Sequence[FalseAlarm],
    budgets: BudgetsReport,
    attribution: Attribution,
    grace_s: float,
) -> tuple[ExpectationResult, ...]:
    """One result per expectation, in the scenario's order."""
    by_id = {f.id: f for f in faults}
    out = []
    for e in expect:
        fault_id = getattr(e, "fault", None)
        fault = by_id.get(fault_id) if fault_id is not None else None
        if fault_id is not None and fault is None:
            passed, detail = False, f"no fault named {fault_id!r} in the scenario"
        elif isinstance(e, DetectExpectation) and fault is not None:
            passed, detail = _detect(e, fault, attribution, grace_s)
        elif isinstance(e, MitigateExpectation) and fault is not None:
            passed, detail = _mitigate(e, fault)
        elif isinstance(e, FalseAlarmsExpectation):
            passed, detail = _false_alarms(e, false_alarms)
        elif isinstance(e, BudgetExpectation):
            passed, detail = _budget(e, budgets)
        else:
            raise TypeError(f"unknown expectation {e!r}")
        out.append(ExpectationResult(expectation_text(e), passed, detail, fault_id))
    return tuple(out)
