"""Runbooks under test: parsing, lint and coverage, and the simulated responder that acts."""

from simulator.runbooks.effects import (
    AdminApiFixes,
    MitigationError,
    Mitigator,
    ProviderFixes,
    StateFixes,
)
from simulator.runbooks.lint import (
    coverage_problems,
    lint_runbooks,
    monitored_alerts,
    preflight_runbooks,
)
from simulator.runbooks.model import (
    ACTION_KINDS,
    REQUIRED_SECTIONS,
    MitigationAction,
    Runbook,
    RunbookProblem,
    RunbookSet,
)
from simulator.runbooks.parse import load_runbooks, parse_runbook
from simulator.runbooks.responder import Effector, Responder

__all__ = [
    "ACTION_KINDS",
    "REQUIRED_SECTIONS",
    "AdminApiFixes",
    "Effector",
    "MitigationAction",
    "MitigationError",
    "Mitigator",
    "ProviderFixes",
    "Responder",
    "Runbook",
    "RunbookProblem",
    "RunbookSet",
    "StateFixes",
    "coverage_problems",
    "lint_runbooks",
    "load_runbooks",
    "monitored_alerts",
    "parse_runbook",
    "preflight_runbooks",
]
