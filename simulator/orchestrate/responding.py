"""The runbook responder of a run, wired to where its mitigations go: the provider's admin
API in real time, the provider state in virtual time."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from simulator.budgets.actions import ActionSink
from simulator.records import Alert
from simulator.runbooks import Mitigator, ProviderFixes, Responder, load_runbooks
from simulator.scenario import Scenario
from simulator.workloads.controls import ClientControls


def build_responder(
    scenario: Scenario,
    provider: ProviderFixes,
    controls: ClientControls,
    actions: ActionSink,
    publish: Callable[[ClientControls], None] | None,
) -> Responder | None:
    """The simulated on-call for ``scenario.runbooks`` (None when the scenario has none).

    Provider fixes go to ``provider``; client fixes into ``controls``, then ``publish`` (to
    the locust workers, when there are any).
    """
    if scenario.runbooks is None:
        return None
    runbooks, _problems = load_runbooks(scenario.runbooks)  # checked before the run started
    model = scenario.traffic.model or next(iter(scenario.provider.models))
    effector = Mitigator(provider, controls, model, publish)
    return Responder(runbooks, scenario.responder.delay_s, effector, actions)


def respond(responder: Responder | None, alerts: Iterable[Alert], now_s: float) -> list[str]:
    """Feed alerts to the responder and run what is due; one line per action taken."""
    if responder is None:
        return []
    responder.notice(alerts)
    lines = []
    for action in responder.tick(now_s):
        ok = action.detail.get("ok")
        what = action.detail.get("change") if ok else f"FAILED: {action.detail.get('error')}"
        lines.append(f"runbook {action.detail.get('runbook')}: {action.kind} ({what})")
    return lines
