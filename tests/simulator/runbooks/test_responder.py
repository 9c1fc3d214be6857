"""The simulated responder: when alerts fire, runbook mitigations run after the delay."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from fake_provider.config import Fault, ProviderConfig, default_models
from fake_provider.state import ProviderState
from simulator.budgets import MemoryActions
from simulator.records import Alert
from simulator.runbooks import (
    AdminApiFixes,
    Mitigator,
    Responder,
    StateFixes,
    load_runbooks,
)
from simulator.workloads.controls import ClientControls
from tests.support import fast_config, running_provider, sdk

SHIPPED = Path(__file__).resolve().parents[3] / "scenarios" / "runbooks"


def _alert(name: str, fired_at: float, resolved_at: float | None = None) -> Alert:
    return Alert(
        name, "builtin", {"alertname": name}, {}, fired_at, resolved_at, fingerprint=f"fp-{name}"
    )


def _responder(delay_s: float) -> tuple[Responder, ProviderState, ClientControls, MemoryActions]:
    runbooks, problems = load_runbooks(SHIPPED)
    assert problems == []
    state = ProviderState.create(ProviderConfig(seed=1, models=default_models()), t0_unix=0.0)
    controls, actions = ClientControls(), MemoryActions()
    effector = Mitigator(StateFixes(state), controls, "gpt-4o-mini")
    return Responder(runbooks, delay_s, effector, actions), state, controls, actions


def test_an_alert_runs_its_runbooks_after_the_responder_delay() -> None:
    responder, state, controls, actions = _responder(delay_s=120.0)
    responder.notice([_alert("LLMModelChanged", 30.0)])
    assert responder.tick(149.0) == [] and state.mitigations == {}
    done = responder.tick(150.0)
    assert [(a.t, a.kind, a.cause, a.target) for a in done] == [
        (150.0, "pin_model", "LLMModelChanged", "gpt-4o-mini")
    ]
    assert done[0].detail["runbook"] == "silent-model-swap" and done[0].detail["ok"] is True
    fix = state.mitigations["gpt-4o-mini"]
    assert (fix.kind, fix.behaviour, fix.at_s) == ("pin_model", "baseline", 150.0)
    assert actions.actions == done and controls.version == 0


def test_a_shared_alert_works_through_every_runbook_that_lists_it() -> None:
    responder, state, controls, _ = _responder(delay_s=0.0)
    responder.notice([_alert("LLMFormatFailures", 10.0)])
    done = responder.tick(10.0)
    by_runbook = {(a.detail["runbook"], a.kind) for a in done}
    assert by_runbook == {
        ("prompt-regression", "rollback_prompt"),
        ("prompt-regression", "restore_config"),
        ("silent-model-swap", "pin_model"),
    }
    assert controls.prompt_rolled_back("extract") and controls.config_restored
    assert "gpt-4o-mini" in state.mitigations


def test_a_runbook_runs_once_per_incident_and_again_after_it_resolves() -> None:
    responder, _, controls, _ = _responder(delay_s=5.0)
    responder.notice([_alert("LLMAgentLoop", 10.0), _alert("LLMCostBurnRate", 12.0)])
    first = responder.tick(60.0)
    # agent-loop once (both alerts are in it); token-burst for the cost alert
    assert sorted(a.detail["runbook"] for a in first) == ["agent-loop", "token-burst"]
    responder.notice([_alert("LLMAgentLoop", 10.0)])  # the same episode again: nothing new
    assert responder.tick(70.0) == []
    responder.notice(
        [
            _alert("LLMAgentLoop", 10.0, resolved_at=80.0),
            _alert("LLMCostBurnRate", 12.0, resolved_at=85.0),
        ]
    )
    responder.notice([_alert("LLMAgentLoop", 300.0)])  # a new incident
    again = responder.tick(305.0)
    assert [a.detail["runbook"] for a in again] == ["agent-loop"]
    assert controls.loop_max_steps == 5


def test_a_failed_action_is_recorded_with_its_error_and_the_rest_still_run(
    tmp_path: Path,
) -> None:
    text = (
        (SHIPPED / "silent-model-swap.md")
        .read_text()
        .replace("  - pin_model ", "  - fallback_model: {to: gpt-9}\n  - pin_model ")
    )
    (tmp_path / "swap.md").write_text(text)
    runbooks, problems = load_runbooks(tmp_path)
    assert problems == []
    state = ProviderState.create(ProviderConfig(seed=1, models=default_models()), t0_unix=0.0)
    actions = MemoryActions()
    effector = Mitigator(StateFixes(state), ClientControls(), "gpt-4o-mini")
    responder = Responder(runbooks, 0.0, effector, actions)
    responder.notice([_alert("LLMModelChanged", 3.0)])
    failed, pinned = responder.tick(3.0)
    assert failed.kind == "fallback_model" and failed.detail["ok"] is False
    assert "expected another served model" in str(failed.detail["error"])
    assert pinned.kind == "pin_model" and pinned.detail["ok"] is True
    assert actions.actions == [failed, pinned]


def _admin(url: str, token: str) -> Any:
    def call(method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.loads(resp.read() or b"null")

    return call


def test_pin_model_through_the_admin_api_ends_a_silent_swap() -> None:
    swap = Fault(
        id="swap",
        kind="silent_model_swap",
        start_s=0.0,
        duration_s=3600.0,
        behaviour="prose_wrapped_json",
    )
    runbooks, _ = load_runbooks(SHIPPED)
    actions = MemoryActions()
    with running_provider(fast_config(faults=(swap,)), admin_token="secret") as url:
        client = sdk(url)
        ask = [
            {"role": "system", "content": "Reply with JSON only, with keys: answer."},
            {"role": "user", "content": "What is 2 + 2?"},
        ]
        before = client.chat.completions.create(model="gpt-4o-mini", messages=ask)
        effector = Mitigator(AdminApiFixes(_admin(url, "secret")), ClientControls(), "gpt-4o-mini")
        responder = Responder(runbooks, 0.0, effector, actions)
        responder.notice([_alert("LLMModelChanged", 1.0)])
        done = responder.tick(1.0)
        after = client.chat.completions.create(model="gpt-4o-mini", messages=ask)
        state = _admin(url, "secret")("GET", "/admin/state")
    assert done[0].detail["ok"] is True
    assert state["mitigations"][0]["kind"] == "pin_model"
    assert not (before.choices[0].message.content or "").lstrip().startswith("{")
    assert json.loads(after.choices[0].message.content or "")  # JSON again


def test_an_admin_api_refusal_becomes_a_failed_action_not_a_crash() -> None:
    runbooks, _ = load_runbooks(SHIPPED)
    actions = MemoryActions()
    with running_provider(fast_config(), admin_token="secret") as url:
        effector = Mitigator(AdminApiFixes(_admin(url, "wrong")), ClientControls(), "gpt-4o-mini")
        responder = Responder(runbooks, 0.0, effector, actions)
        responder.notice([_alert("LLMModelChanged", 1.0)])
        done = responder.tick(2.0)
    assert done[0].detail["ok"] is False
    assert "admin API answered 401" in str(done[0].detail["error"])
