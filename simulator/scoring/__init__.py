"""The scorer: did monitoring, budgets and runbooks catch each fault, how fast, at what cost.

Example::

    from simulator.scoring import load_run, score_run, verdict_table, write_scorecard

    data = load_run(run_dir)
    card = score_run(scenario, data.truth, data.telemetry, data.alerts, data.actions,
                     mode="realtime")
    write_scorecard(card, run_dir)
    print(verdict_table(card))
"""

from simulator.scoring.attribution import DeclaredClasses, no_declared_classes
from simulator.scoring.formula import DEFAULT_DEADLINE_S, detection_credit
from simulator.scoring.output import junit_xml, verdict_table, write_scorecard
from simulator.scoring.rundata import RunData, load_run, read_alert_file
from simulator.scoring.score import DEFAULT_GRACE_S, score_run
from simulator.scoring.scorecard import (
    SCORECARD_SCHEMA_VERSION,
    ExpectationResult,
    FalseAlarm,
    FaultScore,
    Impact,
    ImpactSlice,
    Scorecard,
)

__all__ = [
    "DEFAULT_DEADLINE_S",
    "DEFAULT_GRACE_S",
    "SCORECARD_SCHEMA_VERSION",
    "DeclaredClasses",
    "ExpectationResult",
    "FalseAlarm",
    "FaultScore",
    "Impact",
    "ImpactSlice",
    "RunData",
    "Scorecard",
    "detection_credit",
    "junit_xml",
    "load_run",
    "no_declared_classes",
    "read_alert_file",
    "score_run",
    "verdict_table",
    "write_scorecard",
]
