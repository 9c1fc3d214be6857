"""The 0–100 score: timely detection earns points, false alarms and overspend cost them.

See ``simulator/scoring/README.md`` ("Score") for the formula in prose; the constants here
are the numbers it quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.scenario import DetectExpectation, Expectation
from simulator.scoring.scorecard import BudgetOverspend, ScoreBreakdown

#: Detection deadline for a fault no ``detect_within`` expectation names, s.
DEFAULT_DEADLINE_S = 120.0
#: Points lost per false alarm.
FALSE_ALARM_PENALTY = 10.0
#: Points lost per budget that was overspent at all.
OVERSPEND_PENALTY = 10.0
#: Credit left at the deadline; it reaches zero at ``LATE_FACTOR`` × the deadline.
CREDIT_AT_DEADLINE = 0.5
LATE_FACTOR = 3.0


def deadline_for(fault_id: str, expect: Sequence[Expectation]) -> float:
    """The tightest ``detect_within`` given for ``fault_id``, else the default, s."""
    limits = [e.detect_within_s for e in expect
              if isinstance(e, DetectExpectation) and e.fault == fault_id]
    return min(limits) if limits else DEFAULT_DEADLINE_S


def detection_credit(time_to_detect_s: float | None, deadline_s: float) -> float:
    """1 at TTD 0, 0.5 at the deadline, 0 at 3× the deadline or when undetected (linear)."""
    if time_to_detect_s is None:
        return 0.0
    ttd = max(0.0, time_to_detect_s)
    if deadline_s <= 0:
        return 1.0 if ttd == 0 else 0.0
    if ttd <= deadline_s:
        return 1.0 - (1.0 - CREDIT_AT_DEADLINE) * ttd / deadline_s
    late = (ttd - deadline_s) / ((LATE_FACTOR - 1.0) * deadline_s)
    return max(0.0, CREDIT_AT_DEADLINE * (1.0 - late))


def score_breakdown(
    n_faults: int,
    credits: Sequence[float],
    false_alarms: int,
    overspend: Sequence[BudgetOverspend],
) -> ScoreBreakdown:
    """Terms of the score; ``credits`` holds one value per fault that affected a request.

    No faults at all: detection is 100 (a quiet run only loses points for noise and spend).
    Faults, but none affected anything: detection is 0 (the run tested nothing).
    """
    if n_faults == 0:
        detection = 100.0
    elif not credits:
        detection = 0.0
    else:
        detection = 100.0 * sum(credits) / len(credits)
    overspent = sum(1 for o in overspend if o.excess > 0)
    return ScoreBreakdown(
        detection=round(detection, 2),
        false_alarm_penalty=FALSE_ALARM_PENALTY * false_alarms,
        overspend_penalty=OVERSPEND_PENALTY * overspent,
    )


def total_score(breakdown: ScoreBreakdown) -> float:
    """Detection minus penalties, clamped to 0..100 and rounded to one decimal."""
    raw = breakdown.detection - breakdown.false_alarm_penalty - breakdown.overspend_penalty
    return round(min(100.0, max(0.0, raw)), 1)
